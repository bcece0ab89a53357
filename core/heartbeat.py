"""Heartbeats behind /healthz: the worker and beat each stamp the time in the cache.

* The worker stamps ``WORKER_KEY`` every ``INTERVAL`` seconds while it is connected to
  the broker and consuming (a consumer bootstep, so it needs no beat, and it stops
  stamping while the broker is unreachable).
* Beat stamps ``BEAT_KEY`` from its scheduler, which ticks at least every ``BEAT_TICK``
  seconds.

``core.health`` calls a part ``down`` when its last stamp is older than ``DOWN_AFTER``, or
at once when the stamping process ran on this machine and has gone (a worker killed under
``make run`` shows as ``down`` until the one started in its place stamps again). Each stamp
says when, on which host and from which process id.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import psutil
from celery import bootsteps
from celery.beat import PersistentScheduler
from django.core.cache import cache
from django.utils import timezone
from django.utils.dateparse import parse_datetime

WORKER_KEY = "worker-heartbeat"
BEAT_KEY = "beat-heartbeat"
INTERVAL = 15.0  # seconds between the worker's stamps
BEAT_TICK = 5.0  # at most this many seconds between beat's ticks and stamps
DOWN_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Stamp:
    at: datetime
    host: str = ""
    pid: int = 0

    def process_gone(self) -> bool:
        """The stamping process ran on this machine and is no longer running."""
        return self.host == socket.gethostname() and self.pid > 0 and not _running(self.pid)


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def record(key: str, *, now: datetime | None = None, pid: int | None = None) -> str:
    """Stamp `key` with the time, this host and this process (or `pid`); the cache fails
    open, so this never raises for Redis."""
    at = (now or timezone.now()).isoformat()
    cache.set(
        key,
        {"at": at, "host": socket.gethostname(), "pid": os.getpid() if pid is None else pid},
        timeout=None,
    )
    return at


def last_seen(key: str) -> Stamp | None:
    value = cache.get(key)
    if not isinstance(value, dict):
        return None
    at = parse_datetime(str(value.get("at", "")))
    if at is None:
        return None
    pid = value.get("pid")
    return Stamp(at=at, host=str(value.get("host", "")), pid=pid if isinstance(pid, int) else 0)


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Consumer bootstep: stamps WORKER_KEY now and every INTERVAL seconds.

    Consumer steps start once the worker consumes from the broker and stop when the
    connection is lost (they start again after reconnecting), so a stamp also says that
    the worker is taking tasks.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def __init__(self, parent, **kwargs):
        self.timer_entry = None
        super().__init__(parent, **kwargs)

    def start(self, parent):
        record(WORKER_KEY)
        self.timer_entry = parent.timer.call_repeatedly(INTERVAL, record, (WORKER_KEY,))

    def stop(self, parent):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
            self.timer_entry = None

    shutdown = stop


class HeartbeatScheduler(PersistentScheduler):
    """Celery beat's usual scheduler, stamping BEAT_KEY as it ticks, every BEAT_TICK seconds.

    Beat ticks (and stamps) more often than the worker stamps: a Redis restarted from its
    last snapshot brings back an old stamp, and only the next one puts it right.
    """

    _stamped_at = 0.0

    def tick(self, *args, **kwargs):
        if time.monotonic() - self._stamped_at >= BEAT_TICK / 2:
            record(BEAT_KEY)
            self._stamped_at = time.monotonic()
        return min(super().tick(*args, **kwargs), BEAT_TICK)
