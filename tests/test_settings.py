"""Settings come from the environment; bad values stop start-up with one clear line."""

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from config import env, services
from config.email import parse_email_url
from config.env import ConfigurationError
from notifications import services as notification_services
from notifications.emails import build_notification_emails

from .factories import UserFactory

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
    ({"DATABASE_POOL_TIMEOUT": "soon"}, [], "DATABASE_POOL_TIMEOUT"),
    ({"DATABASE_POOL_TIMEOUT": "0"}, [], "DATABASE_POOL_TIMEOUT"),
    ({"DATABASE_POOL_TIMEOUT": "nan"}, [], "DATABASE_POOL_TIMEOUT"),
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
    ({"NOTIFICATIONS_MAX_ATTEMPTS": "0"}, [], "NOTIFICATIONS_MAX_ATTEMPTS"),
    ({"COMMUNITY_APPROVAL_FIRST_POSTS": "-1"}, [], "COMMUNITY_APPROVAL_FIRST_POSTS"),
    ({"COMMUNITY_POST_RATE_PER_MINUTE": "0"}, [], "COMMUNITY_POST_RATE_PER_MINUTE"),
    ({"COMMUNITY_POST_RATE_PER_DAY": "x"}, [], "COMMUNITY_POST_RATE_PER_DAY"),
]
# Free text: any value is a valid one.
FREE_TEXT = {"SECRET_KEY", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD"}
PATHS = {"PORTAL_DATA_DIR", "STATIC_ROOT", "MEDIA_ROOT", "BACKUP_DIR", "PG_BINDIR"}


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


def test_env_floats_parse_and_reject(monkeypatch):
    monkeypatch.setenv("X_FLOAT", "1.5")
    assert env.get_float("X_FLOAT", 2.0, minimum=0.1) == 1.5
    monkeypatch.setenv("X_FLOAT", "")
    assert env.get_float("X_FLOAT", 2.0) == 2.0
    for bad, message in [
        ("soon", "must be a number"),
        ("inf", "must be a finite number"),
        ("nan", "must be a finite number"),
        ("0.05", "must be at least 0.1"),
        ("61", "must be at most 60"),
    ]:
        monkeypatch.setenv("X_FLOAT", bad)
        with pytest.raises(ConfigurationError, match=f"X_FLOAT {message}"):
            env.get_float("X_FLOAT", 2.0, minimum=0.1, maximum=60)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120/min", "120/min"), ("5/s", "5/s"), ("10 / hour", "10/hour"), ("1/day", "1/day")],
)
def test_rates_drf_understands_are_accepted(monkeypatch, value, expected):
    monkeypatch.setenv("X_RATE", value)
    assert env.get_rate("X_RATE", "1/min") == expected


@pytest.mark.parametrize("value", ["lots", "0/min", "5/month", "5/", "/min", "-1/min", "5/m/ip"])
def test_rates_drf_would_misread_are_rejected(monkeypatch, value):
    monkeypatch.setenv("X_RATE", value)
    with pytest.raises(ConfigurationError, match="X_RATE must be a rate like 120/min"):
        env.get_rate("X_RATE", "1/min")


def test_hosts_origins_urls_and_addresses(monkeypatch):
    monkeypatch.setenv("X_HOSTS", "portal.example.org, .example.org,[::1],127.0.0.1,*")
    assert env.get_hosts("X_HOSTS", []) == [
        "portal.example.org",
        ".example.org",
        "[::1]",
        "127.0.0.1",
        "*",
    ]
    monkeypatch.setenv(
        "X_ORIGINS", "https://portal.example.org,https://*.example.org,http://h:8123"
    )
    assert len(env.get_origins("X_ORIGINS")) == 3
    monkeypatch.setenv("X_ORIGINS", "https://user:pw@portal.example.org")
    with pytest.raises(ConfigurationError, match="X_ORIGINS must not contain a user name"):
        env.get_origins("X_ORIGINS")
    monkeypatch.setenv("X_URL", "ftp://portal.example.org")
    with pytest.raises(ConfigurationError, match="X_URL must start with one of http, https"):
        env.get_url("X_URL", None, {"http", "https"})
    assert env.get_url("X_UNSET_URL", "http://d", {"http"}) == "http://d"
    for good in ("Portal <noreply@example.org>", "noreply@example.org"):
        monkeypatch.setenv("X_FROM", good)
        assert env.get_email_address("X_FROM", "") == good
    for host in ("127.0.0.1", "::1", "smtp.example.org", "0.0.0.0"):
        monkeypatch.setenv("X_HOST", host)
        assert env.get_host("X_HOST", "") == host
    for host in ("smtp.example.org:25", "*", "a b"):
        monkeypatch.setenv("X_HOST", host)
        with pytest.raises(ConfigurationError, match="X_HOST must be a host name"):
            env.get_host("X_HOST", "")
    monkeypatch.setenv("X_INT", "70000")
    with pytest.raises(ConfigurationError, match="X_INT must be at most 65535"):
        env.get_int("X_INT", 1, maximum=65535)
    assert env.local_url("::1", 8000) == "http://[::1]:8000"


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


# --- Unreachable servers at start-up ---------------------------------------------------


@pytest.fixture
def closed_port():
    """A local port that refuses connections: bound by this test, never listening."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def _one_line(result) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.slow
def test_migrate_against_an_unreachable_database_is_one_line_without_the_password(closed_port):
    started = time.monotonic()
    result = run_manage(
        "migrate",
        "--noinput",
        overrides={"DATABASE_URL": f"postgres://portal:pw-s3cret@127.0.0.1:{closed_port}/portal"},
    )
    assert time.monotonic() - started < 30
    line = _one_line(result)
    assert line == f"DATABASE_URL: cannot connect to 127.0.0.1:{closed_port} (Connection refused)"
    assert "pw-s3cret" not in result.stdout + result.stderr


def run_portal(overrides):
    """`make run` (config/run.py) with the production-like environment."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION and not key.startswith(("DJANGO_", "PYTEST"))
    }
    environment.update(PRODUCTION, **overrides)
    return subprocess.run(
        [sys.executable, "-m", "config.run"],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_make_run_names_an_unreachable_database_or_redis_in_one_line(closed_port):
    result = run_portal(
        {
            "DATABASE_URL": f"postgres://portal:pw-s3cret@127.0.0.1:{closed_port}/portal",
            "REDIS_URL": f"redis://:redis-s3cret@127.0.0.1:{closed_port}/0",
        }
    )
    line = _one_line(result)
    assert line == f"DATABASE_URL: cannot connect to 127.0.0.1:{closed_port} (Connection refused)"
    assert "s3cret" not in result.stdout + result.stderr

    # The database answers (the one these tests use), Redis does not: nothing is migrated.
    result = run_portal(
        {
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": f"redis://:redis-s3cret@127.0.0.1:{closed_port}/0",
        }
    )
    line = _one_line(result)
    assert line == f"REDIS_URL: cannot connect to 127.0.0.1:{closed_port} (Connection refused)"
    assert "s3cret" not in result.stdout + result.stderr


@pytest.mark.slow
def test_make_run_rejects_a_bad_port_in_one_line():
    line = _one_line(run_portal({"PORTAL_PORT": "80000"}))
    assert line.startswith("Configuration error: PORTAL_PORT must be at most 65535")


def test_service_checks_pass_against_the_running_servers_and_fail_by_name(closed_port):
    services.check_database()
    services.check_redis()
    with pytest.raises(services.ServiceUnavailable) as caught:
        services.check_redis(f"redis://:redis-s3cret@127.0.0.1:{closed_port}/0")
    assert caught.value.code.startswith(f"REDIS_URL: cannot connect to 127.0.0.1:{closed_port} (")
    assert "s3cret" not in caught.value.code


# --- SITE_URL follows PORTAL_HOST / PORTAL_PORT in development --------------------------

SHOW_LINKS = """
import django
django.setup()
from django.conf import settings
from notifications.emails import unsubscribe_url
print(settings.SITE_URL)
print(unsubscribe_url(user_id=1, kind="notifications.announcement", version=1))
"""


def _development_links(**overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in PRODUCTION and not key.startswith(("DJANGO_", "PYTEST", "PORTAL_"))
    }
    environment.update(
        DATABASE_URL=settings.DATABASE_URL,
        REDIS_URL=settings.REDIS_URL,
        DJANGO_SETTINGS_MODULE="config.settings",
        **overrides,
    )
    result = subprocess.run(
        [sys.executable, "-c", SHOW_LINKS],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.slow
def test_site_url_follows_portal_port_unless_set():
    site_url, unsubscribe = _development_links(PORTAL_PORT="8123")
    assert site_url == "http://127.0.0.1:8123"
    assert unsubscribe.startswith("http://127.0.0.1:8123/notifications/unsubscribe/")
    site_url, _unsubscribe = _development_links(PORTAL_HOST="0.0.0.0", PORTAL_PORT="8124")
    assert site_url == "http://127.0.0.1:8124"  # every interface: links use the loopback
    site_url, unsubscribe = _development_links(
        PORTAL_PORT="8123", SITE_URL="https://portal.example.org/"
    )
    assert site_url == "https://portal.example.org"
    assert unsubscribe.startswith("https://portal.example.org/notifications/unsubscribe/")
    site_url, _unsubscribe = _development_links()
    assert site_url == "http://127.0.0.1:8000"


@pytest.mark.django_db
def test_notification_e_mail_links_use_site_url(settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    member = UserFactory()
    notification = notification_services.notify(
        recipient=member,
        kind="notifications.announcement",
        payload={"title": "Workshop", "url": "/webinars/x/"},
    )
    message = build_notification_emails([notification])[notification.pk]
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8123/notifications/unsubscribe/"
    )
    text = message.body
    html = message.alternatives[0][0]
    assert "http://127.0.0.1:8123/webinars/x/" in text
    assert "http://127.0.0.1:8000" not in text + html
    assert 'href="http://127.0.0.1:8123/' in html
