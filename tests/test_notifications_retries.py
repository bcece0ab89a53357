"""Bounded retries: short early retries, each row retried at its own time, an outage of hours
fails nothing, and a brief outage is over within two minutes of the mail server's return.

Time is passed as ``now=`` values; "the mail server is down" is a closed loopback port."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from kombu import Exchange, Queue

from config.celery import app as celery_app
from config.email import smtp_mailer
from notifications import services
from notifications.kinds import Frequency
from notifications.models import AccountEmail, Digest, EmailState, Notification, Preference

from .factories import UserFactory

ANNOUNCEMENT = "notifications.announcement"
T0 = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)  # 12:00 UTC: a daily digest is due
SMTP_DOWN = {"default": smtp_mailer(host="127.0.0.1", port=1)}  # nothing listens there

pytestmark = pytest.mark.django_db


def _account_email(user, now):
    from django.core.mail import EmailMessage

    message = EmailMessage("Reset your password", "The link", "portal@example.org", [user.email])
    return services.account_email_queue(
        message=message, template="account/email/password_reset_key", language="en", user=user,
        now=now,
    )  # fmt: skip


def _close(a: datetime, b: datetime, seconds: float = 1.0) -> bool:
    return abs((a - b).total_seconds()) < seconds


def test_the_schedule_starts_short_and_outlasts_a_day(settings):
    assert services.BACKOFF_SECONDS[:3] == (15, 30, 60)
    waits = [
        services._backoff(n).total_seconds() for n in range(1, settings.NOTIFICATIONS_MAX_ATTEMPTS)
    ]
    assert sum(waits) >= 24 * 3600  # from the first attempt to the last
    assert waits == sorted(waits)


def test_each_failure_waits_longer_and_a_row_is_not_tried_before_its_time(settings):
    settings.MAILERS = SMTP_DOWN
    notification = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={}, now=T0)
    now = T0
    for expected in (15, 30, 60, 120, 300):
        assert services.emails_deliver(ids=[notification.pk], now=now).retry == [notification.pk]
        notification.refresh_from_db()
        assert notification.email_state == EmailState.PENDING
        assert _close(notification.next_attempt_at, now + timedelta(seconds=expected))
        # Just before its time, another task (or a duplicate) claims nothing.
        early = notification.next_attempt_at - timedelta(seconds=1)
        assert services.emails_deliver(ids=[notification.pk], now=early).retry == []
        now = notification.next_attempt_at
    assert notification.attempts == 5


def test_an_unreachable_server_postpones_the_whole_batch_at_the_same_pace(settings):
    settings.MAILERS = SMTP_DOWN
    rows = services.notify_many(
        recipients=UserFactory.create_batch(3), kind=ANNOUNCEMENT, payload={}, now=T0
    )
    ids = [row.pk for row in rows]
    report = services.emails_deliver(ids=ids, now=T0)
    assert sorted(report.retry) == ids and report.failed == []
    first, *rest = Notification.objects.filter(pk__in=ids).order_by("pk")
    assert "ConnectionRefusedError" in first.last_error
    for row in (first, *rest):
        assert row.email_state == EmailState.PENDING and row.attempts == 1
        assert _close(row.next_attempt_at, T0 + timedelta(seconds=15))
    assert all(row.last_error.startswith(services.UNREACHABLE + "not tried") for row in rest)
    # The next round: one more attempt each, and the next wait, for all of them.
    now = max(row.next_attempt_at for row in (first, *rest))
    services.emails_deliver(ids=ids, now=now)
    for row in Notification.objects.filter(pk__in=ids):
        assert row.attempts == 2
        assert _close(row.next_attempt_at, T0 + timedelta(seconds=45))


def test_an_outage_of_hours_fails_nothing_and_mail_is_given_up_only_after_a_day(settings):
    settings.MAILERS = SMTP_DOWN
    user = UserFactory()
    notification = services.notify(recipient=user, kind=ANNOUNCEMENT, payload={}, now=T0)
    account = _account_email(user, T0)
    now, tries = T0, 0
    while True:
        report = services.emails_deliver(ids=[notification.pk], now=now)
        services.account_emails_deliver(ids=[account.pk], now=now)
        tries += 1
        notification.refresh_from_db()
        if notification.email_state == EmailState.FAILED:
            break
        assert notification.email_state == EmailState.PENDING, report
        now = notification.next_attempt_at
    assert tries == settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert now - T0 > timedelta(hours=24)  # never failed during the first day
    account.refresh_from_db()
    # The account e-mail follows the same schedule; it outlives its 3-day links only if
    # the outage does, then the sweep gives it up.
    assert account.email_state == EmailState.FAILED and account.attempts == tries


def test_a_one_minute_outage_is_over_within_two_minutes_of_the_servers_return(
    settings, smtp_server
):
    """Mail is asked for every 5 s while the server is down for 60 s; each row is then tried
    at its own ``next_attempt_at`` (what the delivery task's retry does). Everything
    arrives, once, within two minutes of the server's return."""
    up = settings.MAILERS
    back_at = T0 + timedelta(seconds=60)
    digest_member = UserFactory()
    Preference.objects.create(user=digest_member, kind=ANNOUNCEMENT, frequency=Frequency.DAILY)
    services.notify(recipient=digest_member, kind=ANNOUNCEMENT, payload={}, now=T0)
    services.digest_build(user=digest_member, frequency=Frequency.DAILY, now=T0)
    for second in range(0, 60, 5):
        at = T0 + timedelta(seconds=second)
        user = UserFactory()
        services.notify(recipient=user, kind=ANNOUNCEMENT, payload={}, now=at)
        _account_email(user, at)
    outbox = (
        (Notification, services.emails_deliver),
        (Digest, services.digests_deliver),
        (AccountEmail, services.account_emails_deliver),
    )
    mailed = Notification.objects.exclude(email_state=EmailState.DIGESTED)
    expected = mailed.count() + Digest.objects.count() + AccountEmail.objects.count()
    assert expected == 12 + 1 + 12
    last_delivery = None
    for _round in range(200):
        pending = [
            (at, model, deliver)
            for model, deliver in outbox
            for at in model.objects.filter(email_state=EmailState.PENDING)
            .values_list("next_attempt_at", flat=True)
            .distinct()
        ]
        if not pending:
            break
        now, model, deliver = min(pending, key=lambda item: item[0])
        settings.MAILERS = up if now >= back_at else SMTP_DOWN
        ids = list(
            model.objects.filter(email_state=EmailState.PENDING, next_attempt_at=now).values_list(
                "pk", flat=True
            )
        )
        if deliver(ids=ids, now=now).sent:
            last_delivery = now
    assert len(smtp_server.wait_for(expected)) == expected
    message_ids = [message["Message-ID"] for message in smtp_server.messages]
    assert len(set(message_ids)) == expected  # none twice
    # The first message through after the return brings every waiting one forward.
    assert last_delivery - back_at <= timedelta(seconds=15)
    for queryset in (mailed, Digest.objects.all(), AccountEmail.objects.all()):
        assert set(queryset.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_when_the_server_is_back_what_waited_for_it_is_due_at_once(
    settings, smtp_server, eager_celery
):
    up = settings.MAILERS
    settings.MAILERS = SMTP_DOWN
    waiting = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={}, now=T0)
    now = T0
    for _attempt in range(6):  # an outage of half an hour: the next wait is 15 minutes
        services.emails_deliver(ids=[waiting.pk], now=now)
        waiting.refresh_from_db()
        now = waiting.next_attempt_at
    assert waiting.next_attempt_at - waiting.attempted_at >= timedelta(minutes=15)
    deferred = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={}, now=T0)
    Notification.objects.filter(pk=deferred.pk).update(
        attempts=3, last_error="SMTPDataError: (451, 'try later')", next_attempt_at=now
    )  # refused by a server that answered: it keeps its own schedule

    settings.MAILERS = up
    back = waiting.attempted_at + timedelta(minutes=1)
    fresh = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={}, now=back)
    assert services.emails_deliver(ids=[fresh.pk], now=back).sent == [fresh.pk]
    # The first message through brought the waiting one forward and queued it (eagerly:
    # sent here and now), not 15 minutes later.
    assert len(smtp_server.wait_for(2)) == 2
    waiting.refresh_from_db()
    assert waiting.email_state == EmailState.SENT and waiting.attempts == 7
    deferred.refresh_from_db()
    assert deferred.email_state == EmailState.PENDING and deferred.next_attempt_at == now
    # Only once: the next success has nothing to bring forward.
    other = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={}, now=back)
    services.emails_deliver(ids=[other.pk], now=back)
    assert len(smtp_server.wait_for(3)) == 3


# --- The explicit retry is queued for the row's own time (a real broker) -------------------


@pytest.fixture
def test_queue():
    """Delivery tasks are routed to a queue of this test's own on the real broker."""
    name = f"test-retries-{os.getpid()}"
    routes = celery_app.conf.task_routes
    _set_routes({"notifications.tasks.deliver_*": {"queue": name}})
    with celery_app.connection_for_write() as connection:
        queue = Queue(name, Exchange(name), routing_key=name)(connection.default_channel)
        queue.declare()
        queue.purge()
        yield name
        queue.purge()
        queue.delete()
    _set_routes(routes)


def _set_routes(routes) -> None:
    celery_app.conf.task_routes = routes
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


def _queued(name: str) -> list[tuple[list[int], datetime | None]]:
    """The (ids, eta) of every message in the queue, taken off it."""
    found = []
    with celery_app.connection_for_read() as connection:
        queue = connection.SimpleQueue(name)
        while True:
            try:
                message = queue.get(timeout=0.5)
            except queue.Empty:
                break
            eta = message.headers.get("eta")
            found.append((message.decode()[0][0], datetime.fromisoformat(eta) if eta else None))
            message.ack()
        queue.close()
    return found


def test_the_delivery_task_queues_each_retry_for_the_rows_own_time(settings, test_queue):
    from notifications.tasks import deliver_emails

    settings.MAILERS = SMTP_DOWN
    fresh = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={})
    tired = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={})
    Notification.objects.filter(pk=tired.pk).update(attempts=6)  # its next wait: 30 min
    deliver_emails([fresh.pk, tired.pk])  # as a worker runs it
    fresh.refresh_from_db()
    tired.refresh_from_db()
    assert fresh.attempts == 1 and tired.attempts == 7
    queued = _queued(test_queue)
    # The short wait is queued for the row's own time (plus a second's margin); the long
    # one is left to the sweep.
    assert [ids for ids, _eta in queued] == [[fresh.pk]]
    eta = queued[0][1]
    assert _close(eta, fresh.next_attempt_at + timedelta(seconds=1), seconds=0.5)
    assert tired.next_attempt_at - tired.attempted_at >= timedelta(minutes=30)


def test_the_sweep_adds_nothing_while_the_queue_is_still_full(settings, test_queue):
    settings.NOTIFICATIONS_BATCH_SIZE = 2
    rows = services.notify_many(
        recipients=UserFactory.create_batch(4), kind=ANNOUNCEMENT, payload={}
    )
    later = rows[0].next_attempt_at + timedelta(minutes=5)
    services.enqueue_email_delivery([row.pk for row in rows])  # 2 tasks are waiting
    assert services.mail_queue_backlog() == 2
    assert services.outbox_sweep(now=later).queued == 0  # the workers are behind: no copies
    assert len(_queued(test_queue)) == 2  # (and now the queue is empty)
    assert services.outbox_sweep(now=later).queued == 4  # lost tasks: queued again
    assert services.outbox_sweep(now=later + timedelta(seconds=60)).queued == 0  # once
    assert len(_queued(test_queue)) == 2
