# Production image: the same code for web, worker and beat (see docker-compose.yml).
FROM python:3.13-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml README.md ./
RUN pip install --upgrade pip && pip install .

COPY . .
RUN useradd --create-home --uid 10001 portal \
 && DEBUG=0 SECRET_KEY=build-only-not-a-secret-build-only-not-a-secret-1234567890 \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput \
 && mkdir -p /app/media /app/.data && chown -R portal /app/media /app/.data
USER portal

EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
