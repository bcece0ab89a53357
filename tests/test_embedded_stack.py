"""The embedded PostgreSQL and Redis: used only when DATABASE_URL / REDIS_URL are unset."""

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def _clean_env(**overrides):
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "PORTAL_DATA_DIR", "DEBUG", "SECRET_KEY"}
        and not key.startswith("PYTEST")
    }
    environment.update(overrides)
    return environment


def _processes_using(path: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(path) in cmdline:
            found.append(proc)
    return found


def test_database_has_search_extensions(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        names = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT unaccent('São Tomé'), similarity('solution', 'solutoin') > 0.3")
        unaccented, similar = cursor.fetchone()
    assert {"pg_trgm", "unaccent"} <= names
    assert unaccented == "Sao Tome"
    assert similar is True


def test_database_is_postgresql_18_with_a_pool(db):
    assert connection.vendor == "postgresql"
    assert connection.pg_version >= 180000
    assert settings.DATABASES["default"]["OPTIONS"]["pool"]


@pytest.mark.slow
def test_configured_servers_are_used_and_no_embedded_server_starts(tmp_path):
    """With DATABASE_URL and REDIS_URL set, nothing is started under the data folder."""
    database_url = settings.DATABASE_URL  # the server this test run already uses
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=BASE_DIR,
        env=_clean_env(
            DATABASE_URL=database_url, REDIS_URL=settings.REDIS_URL, PORTAL_DATA_DIR=str(tmp_path)
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "postgres").exists()
    assert not (tmp_path / "redis").exists()
    assert "[devstack]" not in result.stderr


@pytest.mark.slow
def test_embedded_servers_start_keep_data_and_stop_with_the_last_process(tmp_path):
    environment = _clean_env(PORTAL_DATA_DIR=str(tmp_path), PORTAL_QUIET_DEVSTACK="1")
    create = (
        "from django.core.cache import cache; from django.db import connection;"
        "cache.set('kept', 'yes', None);"
        "c = connection.cursor(); c.execute('CREATE TABLE IF NOT EXISTS kept (v text)');"
        "c.execute(\"INSERT INTO kept VALUES ('yes')\")"
    )
    read = (
        "from django.core.cache import cache; from django.db import connection;"
        "c = connection.cursor(); c.execute('SELECT v FROM kept'); "
        "print(c.fetchone()[0], cache.get('kept'))"
    )
    for code in (create, read):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["yes", "yes"]
    assert (tmp_path / "postgres" / "PG_VERSION").exists()
    # The last (only) user has exited: neither server is left running.
    deadline = time.monotonic() + 15
    while _processes_using(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p for p in _processes_using(tmp_path) if p.status() != psutil.STATUS_ZOMBIE]
