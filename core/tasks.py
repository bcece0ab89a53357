"""Site-wide background tasks."""

from celery import shared_task

from .heartbeat import record

# Written only by this task, so a caller that queued it knows a worker has run it (and,
# on a solo worker, everything queued before it). /healthz reads the worker's own
# heartbeat instead (core/heartbeat.py), which needs no beat.
HEARTBEAT_KEY = "task-heartbeat"


@shared_task(name="core.tasks.heartbeat", ignore_result=True)
def heartbeat() -> str:
    """Record that a worker took a task from the queue and ran it."""
    return record(HEARTBEAT_KEY)
