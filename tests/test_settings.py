"""Settings come from the environment; bad values stop start-up with one clear line."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import env
from config.email import parse_email_url
from config.env import ConfigurationError

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "k3Jx9-vQ2mZr7TtPw4LsYb8NcHd6EaFgUiOoKpLzXcVbNmAsDfGhJkLqWeRtYu",
    "ALLOWED_HOSTS": "portal.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.org",
    "SITE_URL": "https://portal.example.org",
    "DATABASE_URL": "postgres://portal:secret@db.invalid:5432/portal",
    "REDIS_URL": "redis://redis.invalid:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.invalid:587",
    "PORTAL_DATA_DIR": "/nonexistent-portal-data",
}


def run_manage(*args, overrides=None, drop=()):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION and not key.startswith(("DJANGO_", "PYTEST"))
    }
    environment.update(PRODUCTION)
    environment.update(overrides or {})
    for key in drop:
        environment.pop(key, None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_check_deploy_passes_with_production_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("overrides", "drop", "named"),
    [
        ({}, ["SECRET_KEY"], "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-short"}, [], "SECRET_KEY"),
        ({}, ["ALLOWED_HOSTS"], "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "mysql://db/portal"}, [], "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://db:notaport/portal"}, [], "DATABASE_URL"),
        ({"REDIS_URL": "http://redis:6379"}, [], "REDIS_URL"),
        ({"REDIS_URL": "redis://:6379"}, [], "REDIS_URL"),
        ({"DEBUG": "maybe"}, [], "DEBUG"),
        ({"EMAIL_URL": "pigeon://coop"}, [], "EMAIL_URL"),
        ({"SITE_URL": "portal.example.org"}, [], "SITE_URL"),
    ],
)
def test_bad_environment_stops_with_one_clear_line(overrides, drop, named):
    result = run_manage("check", overrides=overrides, drop=drop)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:")
    assert named in lines[0]


def test_env_helpers_parse_and_reject(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", " a.org, b.org ,,")
    assert env.get_bool("X_BOOL", False) is True
    assert env.get_int("X_INT", 1, minimum=1) == 12
    assert env.get_list("X_LIST") == ["a.org", "b.org"]
    assert {"X_BOOL", "X_INT", "X_LIST"} <= env.ENV_VARS

    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ConfigurationError, match="X_INT must be a whole number"):
        env.get_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ConfigurationError, match="X_INT must be at least 1"):
        env.get_int("X_INT", 1, minimum=1)


def test_email_url_forms():
    tls = parse_email_url("smtp+tls://user%40x.org:p%40ss@mail.example.org")["OPTIONS"]
    assert tls["host"] == "mail.example.org"
    assert tls["port"] == 587
    assert tls["username"] == "user@x.org"
    assert tls["password"] == "p@ss"
    assert tls["use_tls"] is True and tls["use_ssl"] is False
    assert parse_email_url("smtp+ssl://mail.example.org")["OPTIONS"]["port"] == 465
    assert parse_email_url("console://")["BACKEND"].endswith("console.EmailBackend")
    with pytest.raises(ConfigurationError, match="EMAIL_URL has no host"):
        parse_email_url("smtp://")
    with pytest.raises(ConfigurationError, match="EMAIL_URL is not a valid URL"):
        parse_email_url("smtp://mail:port")


def test_security_headers_on_every_page(client, db):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
