"""Celery tasks: small, take ids, safe to run twice; the work is in services.

Delivery tasks are routed to the ``mail`` queue (``CELERY_TASK_ROUTES``), so a slow mail
server never delays the site's other tasks on ``default``.
"""

from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.deliver_emails", ignore_result=True)
def deliver_emails(notification_ids: list[int]) -> dict:
    report = services.emails_deliver(ids=notification_ids)
    if report.retry:
        # Explicit retry of what failed for a temporary reason; the sweep is the safety net.
        services.enqueue_email_delivery(report.retry, countdown=services.BACKOFF_SECONDS[0])
    return {"sent": len(report.sent), "retry": len(report.retry), "failed": len(report.failed)}


@shared_task(name="notifications.tasks.deliver_digests", ignore_result=True)
def deliver_digests(digest_ids: list[int]) -> dict:
    report = services.digests_deliver(ids=digest_ids)
    return {"sent": len(report.sent), "retry": len(report.retry), "failed": len(report.failed)}


@shared_task(name="notifications.tasks.sweep", ignore_result=True)
def sweep() -> dict:
    report = services.outbox_sweep()
    return {"in_doubt": report.in_doubt, "queued": report.queued}


@shared_task(name="notifications.tasks.build_digests", ignore_result=True)
def build_digests() -> int:
    return len(services.digests_build_due())
