"""Small background tasks: they take plain values, check state, and call a service.

Webinar e-mails are notifications of the outbox, written by the services in the
transaction that makes the change and delivered by ``notifications``' tasks. The only
task here turns due reminder rows into notifications; running it twice, or on two
workers at once, notifies nothing twice.
"""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services


@shared_task(name="webinars.send_due_reminders", ignore_result=True)
def send_due_reminders(now: str | None = None) -> int:
    """Beat runs this every minute; ``now`` (ISO 8601) is for tests and replays."""
    return services.reminders_notify_due(now=parse_datetime(now) if now else None)
