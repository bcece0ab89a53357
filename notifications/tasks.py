"""Celery tasks: small, take ids, safe to run twice; the work is in services.

Delivery tasks are routed to the ``mail`` queue (``CELERY_TASK_ROUTES``), so a slow mail
server never delays the site's other tasks on ``default``.
"""

from celery import shared_task

from . import services
from .models import AccountEmail, Digest, Notification


def _report(report) -> dict:
    return {"sent": len(report.sent), "retry": len(report.retry), "failed": len(report.failed)}


def _queue(task) -> str | None:
    """The queue this task was taken from, so that its retry goes back there."""
    return (task.request.delivery_info or {}).get("routing_key") or None


@shared_task(bind=True, name="notifications.tasks.deliver_emails", ignore_result=True)
def deliver_emails(self, notification_ids: list[int]) -> dict:
    report = services.emails_deliver(ids=notification_ids)
    # Explicit retry of what failed for a temporary reason, each row at its own time;
    # the sweep is the safety net.
    services.retry_when_due(Notification, deliver_emails, report.retry, queue=_queue(self))
    return _report(report)


@shared_task(bind=True, name="notifications.tasks.deliver_digests", ignore_result=True)
def deliver_digests(self, digest_ids: list[int]) -> dict:
    report = services.digests_deliver(ids=digest_ids)
    services.retry_when_due(Digest, deliver_digests, report.retry, queue=_queue(self))
    return _report(report)


@shared_task(bind=True, name="notifications.tasks.deliver_account_emails", ignore_result=True)
def deliver_account_emails(self, account_email_ids: list[int]) -> dict:
    report = services.account_emails_deliver(ids=account_email_ids)
    services.retry_when_due(AccountEmail, deliver_account_emails, report.retry, queue=_queue(self))
    return _report(report)


@shared_task(name="notifications.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    report = services.outbox_sweep()
    return {
        "in_doubt": report.in_doubt,
        "queued": report.queued,
        "expired": report.expired,
        "erased": report.erased,
    }


@shared_task(name="notifications.tasks.build_digests", ignore_result=True)
def build_digests() -> int:
    return len(services.digests_build_due())
