"""One clear line when the database or the broker cannot be reached at start-up.

``manage.py`` and ``make run`` (config/run.py) call these before the set-up steps
that need the servers, and turn a connection error raised later into the same
line, so an operator reads ``DATABASE_URL: cannot connect to db:5432 (Connection
refused)`` instead of a hundred-line traceback. The password is never printed.
"""

from __future__ import annotations

import re


class ServiceUnavailable(SystemExit):
    """Exits with one line naming the variable, the address and the reason."""

    def __init__(self, variable: str, address: str, reason: str):
        super().__init__(f"{variable}: cannot connect to {address} ({reason})")


def _reason(exc: BaseException, *secrets: str) -> str:
    """The first line of a driver's message, without any secret it might echo."""
    text = str(exc).strip() or type(exc).__name__
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    reason = lines[0] if lines else type(exc).__name__
    # psycopg: 'connection failed: connection to server at "h", port 1 failed: Connection
    # refused' -- the address is already in the line we print; keep what went wrong.
    reason = reason.removeprefix("connection failed: ")
    if " failed: " in reason:
        reason = reason.rsplit(" failed: ", 1)[1]
    # redis-py: 'Error 111 connecting to h:1. Connection refused.'
    reason = re.sub(r"^Error -?\d+ connecting to \S+?\. ", "", reason).rstrip(".")
    for secret in secrets:
        if secret:
            reason = reason.replace(secret, "***")
    return reason


def database_address(settings_dict: dict) -> str:
    host = settings_dict.get("HOST") or "localhost"
    if host.startswith("/"):  # a Unix socket directory
        return host
    return f"{host}:{settings_dict.get('PORT') or 5432}"


def check_database(settings_dict: dict | None = None) -> None:
    """Open (and close) one connection to the configured PostgreSQL, without the pool."""
    import psycopg

    if settings_dict is None:
        from django.conf import settings

        settings_dict = settings.DATABASES["default"]
    options = {
        key: value for key, value in settings_dict.get("OPTIONS", {}).items() if key != "pool"
    }
    options.setdefault("connect_timeout", 5)
    params = {
        "dbname": settings_dict.get("NAME") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        **options,
    }
    try:
        psycopg.connect(**{k: v for k, v in params.items() if v is not None}).close()
    except psycopg.Error as exc:
        raise ServiceUnavailable(
            "DATABASE_URL",
            database_address(settings_dict),
            _reason(exc, settings_dict.get("PASSWORD") or ""),
        ) from None


def redis_address(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme in {"unix", "redis+socket"}:
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}"


def check_redis(url: str | None = None) -> None:
    """PING the configured Redis (cache, rate limits and Celery broker)."""
    import redis

    if url is None:
        from django.conf import settings

        url = settings.REDIS_URL
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as exc:
        raise ServiceUnavailable(
            "REDIS_URL", redis_address(url), _reason(exc, _password(url))
        ) from None


def explain(exc: BaseException) -> SystemExit | None:
    """The one-line exit for a connection error raised while a command ran, if it is one."""
    from django.db import OperationalError

    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        redis = None

    if isinstance(exc, OperationalError):
        # The pool only says it timed out; a direct attempt says why. If that attempt
        # succeeds, the error was something else (a lock, a query): left as it was.
        try:
            check_database()
        except ServiceUnavailable as unavailable:
            return unavailable
        return None
    if redis is not None and isinstance(exc, redis.ConnectionError):
        from django.conf import settings

        url = settings.REDIS_URL
        return ServiceUnavailable("REDIS_URL", redis_address(url), _reason(exc, _password(url)))
    return None


def _password(url: str) -> str:
    from urllib.parse import urlsplit

    try:
        return urlsplit(url).password or ""
    except ValueError:
        return ""
