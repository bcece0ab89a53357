import pytest
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from core import health
from core.tasks import HEARTBEAT_KEY


def test_healthz_reports_every_part_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["web"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    assert body["status"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_is_degraded_not_down_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = "unix:///nonexistent/redis.sock"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["broker"].startswith("error")
    assert response.json()["status"] == "degraded"


def test_database_status_reports_an_unreachable_server(db):
    params = {**connection.settings_dict, "HOST": "/nonexistent", "OPTIONS": {}}
    down = DatabaseWrapper(params, alias="down")
    try:
        assert health.database_status(down).startswith("error")
    finally:
        down.close()


def test_healthz_rejects_writes(client, db):
    assert client.post("/healthz").status_code == 405


@pytest.mark.parametrize(("age_minutes", "expected"), [(1, "ok"), (10, "stale")])
def test_worker_status_follows_the_heartbeat(age_minutes, expected):
    from datetime import timedelta

    from django.core.cache import cache
    from django.utils import timezone

    now = timezone.now()
    cache.set(HEARTBEAT_KEY, (now - timedelta(minutes=age_minutes)).isoformat())
    assert health.worker_status(now=now) == expected
    cache.delete(HEARTBEAT_KEY)
    assert health.worker_status(now=now) == "unknown"
