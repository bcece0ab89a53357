"""Small background tasks: they take ids, reload, check state, and call a service.

Running any of them twice sends nothing twice: registrations remember what their member
was told, and reminders are rows marked sent in the sending transaction.
"""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import services

RETRY = {"autoretry_for": (OSError,), "retry_backoff": 30, "max_retries": 5}


@shared_task(name="webinars.send_registration_email", ignore_result=True, **RETRY)
def send_registration_email(registration_id: int) -> bool:
    return services.registration_notify(registration_id=registration_id)


@shared_task(name="webinars.notify_webinar_change", ignore_result=True, **RETRY)
def notify_webinar_change(webinar_id: int) -> int:
    return services.webinar_change_notify(webinar_id=webinar_id)


@shared_task(name="webinars.send_due_reminders", ignore_result=True, **RETRY)
def send_due_reminders(now: str | None = None) -> int:
    """Beat runs this every minute; ``now`` (ISO 8601) is for tests and replays."""
    return services.reminders_send_due(now=parse_datetime(now) if now else None)


@shared_task(name="webinars.sweep_pending_emails", ignore_result=True)
def sweep_pending_emails() -> int:
    """Re-queue registration e-mails whose task was lost (broker down at commit time)."""
    pending = services.registrations_pending_notification()
    for registration_id in pending:
        send_registration_email.delay(registration_id)
    return len(pending)
