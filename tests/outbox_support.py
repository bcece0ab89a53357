"""Delivering the outbox in tests, as its Celery tasks do, without a broker or a worker."""

from __future__ import annotations

from django.core import mail

from notifications import services
from notifications.models import AccountEmail, Digest, EmailState, Notification


def deliver_outbox(now=None) -> list:
    """Deliver every pending e-mail of the outbox (notifications, digests, account
    e-mails) due by ``now``, through the configured mailer; return ``mail.outbox``
    (the test mailer's messages; with a real SMTP server, read its mailbox instead)."""
    for model, deliver in (
        (Notification, services.emails_deliver),
        (Digest, services.digests_deliver),
        (AccountEmail, services.account_emails_deliver),
    ):
        ids = list(
            model.objects.filter(email_state=EmailState.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if ids:
            deliver(ids=ids, now=now)
    return mail.outbox
