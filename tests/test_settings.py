"""Settings come from the environment; bad values stop start-up with one clear line."""

import os
import re
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


# (overrides, dropped variables, the variable the one line must name)
BAD_ENVIRONMENTS = [
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
    ({"SITE_URL": "https://portal.example.org/?next=x"}, [], "SITE_URL"),
    ({"API_ANON_RATE": "lots"}, [], "API_ANON_RATE"),
    ({"API_ANON_RATE": "0/min"}, [], "API_ANON_RATE"),
    ({"API_USER_RATE": "5/month"}, [], "API_USER_RATE"),
    ({"API_USER_RATE": "600"}, [], "API_USER_RATE"),
    ({"ALLOWED_HOSTS": "https://portal.example.org"}, [], "ALLOWED_HOSTS"),
    ({"ALLOWED_HOSTS": "portal.example.org/path"}, [], "ALLOWED_HOSTS"),
    ({"CSRF_TRUSTED_ORIGINS": "portal.example.org"}, [], "CSRF_TRUSTED_ORIGINS"),
    ({"CSRF_TRUSTED_ORIGINS": "https://portal.example.org/x"}, [], "CSRF_TRUSTED_ORIGINS"),
    ({"DATABASE_POOL_MAX_SIZE": "many"}, [], "DATABASE_POOL_MAX_SIZE"),
    ({"DATABASE_POOL_MAX_SIZE": "0"}, [], "DATABASE_POOL_MAX_SIZE"),
    ({"DATABASE_CONNECT_TIMEOUT": "0"}, [], "DATABASE_CONNECT_TIMEOUT"),
    ({"PORTAL_PORT": "99999"}, [], "PORTAL_PORT"),
    ({"PORTAL_PORT": "eighty"}, [], "PORTAL_PORT"),
    ({"PORTAL_HOST": "http://127.0.0.1"}, [], "PORTAL_HOST"),
    ({"EMAIL_HOST": "smtp://mail.example.org"}, ["EMAIL_URL"], "EMAIL_HOST"),
    ({"EMAIL_PORT": "70000"}, [], "EMAIL_PORT"),
    ({"EMAIL_USE_TLS": "sure"}, [], "EMAIL_USE_TLS"),
    ({"EMAIL_USE_SSL": "sure"}, [], "EMAIL_USE_SSL"),
    ({"DEFAULT_FROM_EMAIL": "nobody"}, [], "DEFAULT_FROM_EMAIL"),
    ({"SECURE_SSL_REDIRECT": "maybe"}, [], "SECURE_SSL_REDIRECT"),
    ({"SECURE_HSTS_SECONDS": "-1"}, [], "SECURE_HSTS_SECONDS"),
    ({"BEHIND_HTTPS_PROXY": "perhaps"}, [], "BEHIND_HTTPS_PROXY"),
    ({"PROXY_COUNT": "-1"}, [], "PROXY_COUNT"),
    ({"AXES_FAILURE_LIMIT": "0"}, [], "AXES_FAILURE_LIMIT"),
    ({"CATALOGUE_REVALIDATION_MONTHS": "two years"}, [], "CATALOGUE_REVALIDATION_MONTHS"),
    ({"LOG_LEVEL": "LOUD"}, [], "LOG_LEVEL"),
    ({"NOTIFICATIONS_SWEEP_AFTER": "0"}, [], "NOTIFICATIONS_SWEEP_AFTER"),
    ({"NOTIFICATIONS_CLAIM_LEASE": "1"}, [], "NOTIFICATIONS_CLAIM_LEASE"),
    ({"NOTIFICATIONS_BATCH_SIZE": "lots"}, [], "NOTIFICATIONS_BATCH_SIZE"),
    ({"COMMUNITY_APPROVAL_FIRST_POSTS": "-1"}, [], "COMMUNITY_APPROVAL_FIRST_POSTS"),
    ({"COMMUNITY_POST_RATE_PER_MINUTE": "0"}, [], "COMMUNITY_POST_RATE_PER_MINUTE"),
    ({"COMMUNITY_POST_RATE_PER_DAY": "x"}, [], "COMMUNITY_POST_RATE_PER_DAY"),
]
# Free text: any value is a valid one.
FREE_TEXT = {"SECRET_KEY", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"}
PATHS = {"PORTAL_DATA_DIR", "STATIC_ROOT", "MEDIA_ROOT"}


@pytest.mark.slow
@pytest.mark.parametrize(("overrides", "drop", "named"), BAD_ENVIRONMENTS)
def test_bad_environment_stops_with_one_clear_line(overrides, drop, named):
    result = run_manage("check", overrides=overrides, drop=drop)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Configuration error:")
    assert named in lines[0]


def _readme_variables() -> set[str]:
    readme = (BASE_DIR / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in table.splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", line.split(" | ")[0]))
    return names


def test_every_documented_variable_is_read_and_has_a_bad_value_case():
    documented = _readme_variables()
    assert {"DEBUG", "DATABASE_URL", "API_ANON_RATE", "COMMUNITY_POST_RATE_PER_DAY"} <= documented
    # EMAIL_HOST_USER / _PASSWORD are only read when EMAIL_HOST is set.
    assert documented - {"EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"} <= env.ENV_VARS
    tested = {named for _overrides, _drop, named in BAD_ENVIRONMENTS}
    untested = (documented | env.ENV_VARS) - tested - FREE_TEXT - PATHS
    assert not untested, f"no malformed-value case for {sorted(untested)}"


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
