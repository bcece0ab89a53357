"""Status checks behind /healthz: each returns "ok" or a short reason."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from . import heartbeat


def database_status(db=connection) -> str:
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status() -> str:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1
        )
        try:
            client.ping()
        finally:
            client.close()
    except Exception as exc:  # noqa: BLE001
        return f"error: {exc.__class__.__name__}"
    return "ok"


def worker_status(*, now=None) -> str:
    """``ok``; ``down`` (no heartbeat for DOWN_AFTER, or its process on this machine has gone);
    ``unknown`` (never seen, or no cache)."""
    return _heartbeat_status(heartbeat.WORKER_KEY, now)


def beat_status(*, now=None) -> str:
    """The same for the beat scheduler (reminders, sweeps and digests stop without it)."""
    return _heartbeat_status(heartbeat.BEAT_KEY, now)


def _heartbeat_status(key: str, now) -> str:
    try:
        stamp = heartbeat.last_seen(key)
    except Exception:  # noqa: BLE001
        return "unknown"
    if stamp is None:
        return "unknown"
    if (now or timezone.now()) - stamp.at > heartbeat.DOWN_AFTER or stamp.process_gone():
        return "down"
    return "ok"
