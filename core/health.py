"""Status checks behind /healthz: each returns "ok" or a short reason."""

from __future__ import annotations

from datetime import timedelta

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .tasks import HEARTBEAT_KEY


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
    """Informational: when a worker last ran the heartbeat task (not part of the 503 rule)."""
    now = now or timezone.now()
    try:
        stamp = cache.get(HEARTBEAT_KEY)
    except Exception:  # noqa: BLE001
        return "unknown"
    when = parse_datetime(stamp) if stamp else None
    if when is None:
        return "unknown"
    return "ok" if now - when < timedelta(minutes=3) else "stale"
