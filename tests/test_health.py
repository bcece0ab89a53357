import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper
from django.utils import timezone

from core import health, heartbeat


def test_healthz_reports_every_part_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["web"] == "ok"
    assert body["database"] == "ok"
    assert body["broker"] == "ok"
    # No worker or beat in this test run: never seen, which is not counted as down.
    assert (body["worker"], body["beat"]) == ("unknown", "unknown")
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


@pytest.mark.parametrize(
    ("age_seconds", "expected"), [(0, "ok"), (20, "ok"), (60, "ok"), (61, "down"), (600, "down")]
)
@pytest.mark.parametrize("key", [heartbeat.WORKER_KEY, heartbeat.BEAT_KEY])
def test_worker_and_beat_status_follow_their_heartbeat(key, age_seconds, expected):
    status = health.worker_status if key == heartbeat.WORKER_KEY else health.beat_status
    now = timezone.now()
    heartbeat.record(key, now=now - timedelta(seconds=age_seconds))
    assert status(now=now) == expected
    cache.delete(key)
    assert status(now=now) == "unknown"


def _a_finished_process_id() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_heartbeat_whose_process_has_gone_on_this_machine_is_down_at_once():
    """A worker killed here is `down` before its stamp grows old; one elsewhere is judged by age."""
    dead = _a_finished_process_id()
    heartbeat.record(heartbeat.WORKER_KEY, pid=dead)
    assert health.worker_status() == "down"
    heartbeat.record(heartbeat.WORKER_KEY)  # this process: running
    assert health.worker_status() == "ok"

    cache.set(
        heartbeat.WORKER_KEY, {"at": timezone.now().isoformat(), "host": "other", "pid": dead}
    )
    assert health.worker_status() == "ok"
    cache.set(heartbeat.WORKER_KEY, "2026-12-03T10:00:00+00:00")  # a stamp in an older shape
    assert health.worker_status() == "unknown"
    cache.delete(heartbeat.WORKER_KEY)


def test_healthz_is_degraded_while_the_worker_is_down_and_ok_again(client, db):
    """A worker last seen over a minute ago: 200, "degraded"; a fresh stamp: "ok" again."""
    now = timezone.now()
    heartbeat.record(heartbeat.BEAT_KEY, now=now)
    heartbeat.record(heartbeat.WORKER_KEY, now=now - timedelta(seconds=90))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["worker"] == "down"
    assert response.json()["beat"] == "ok"
    assert response.json()["status"] == "degraded"

    heartbeat.record(heartbeat.WORKER_KEY)
    body = client.get("/healthz").json()
    assert (body["worker"], body["status"]) == ("ok", "ok")


def test_healthz_is_degraded_while_beat_is_down(client, db):
    heartbeat.record(heartbeat.WORKER_KEY)
    heartbeat.record(heartbeat.BEAT_KEY, now=timezone.now() - timedelta(minutes=5))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert (response.json()["beat"], response.json()["worker"]) == ("down", "ok")
    assert response.json()["status"] == "degraded"
