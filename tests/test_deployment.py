"""docker-compose.yml is valid and agrees with the settings."""

import re

import yaml
from django.conf import settings

from config import env

COMPOSE = settings.BASE_DIR / "docker-compose.yml"
APP_SERVICES = {"web", "worker", "beat"}


def _compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_every_service_with_a_health_check():
    services = _compose()["services"]
    assert set(services) == {"db", "redis"} | APP_SERVICES
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service.get("restart") == "unless-stopped"
    assert services["db"]["image"] == "postgres:18"
    assert services["redis"]["image"].startswith("redis:7")


def test_compose_environment_matches_the_settings():
    services = _compose()["services"]
    for name in APP_SERVICES:
        environment = services[name]["environment"]
        unknown = set(environment) - env.ENV_VARS
        assert not unknown, f"{name} sets variables the settings never read: {unknown}"
        for required in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "SITE_URL"):
            assert required in environment, f"{name} lacks {required}"
        assert environment["DEBUG"] == "0"
        assert environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"] == "redis://redis:6379/0"
        assert set(services[name]["depends_on"]) == {"db", "redis"}


def test_commands_match_the_code():
    services = _compose()["services"]
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert "migrate" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    env_example = (settings.BASE_DIR / ".env.example").read_text()
    referenced = set(re.findall(r"\$\{([A-Z_]+)", COMPOSE.read_text()))
    documented = set(re.findall(r"^([A-Z_]+)=", env_example, re.MULTILINE))
    assert referenced - {"LOG_LEVEL"} <= documented
