"""Reminders 24 hours and 1 hour before: one outbox notification each, one e-mail over real SMTP."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from notifications import services as outbox
from notifications.models import EmailState, Notification
from webinars import emails, services, tasks
from webinars.models import WebinarReminder

from . import webinars_support
from .factories import UserFactory
from .webinars_support import NOW, WebinarFactory, assert_outbox_settled, deliver_outbox

eager_tasks = webinars_support.eager_tasks


def _received(smtp_server):
    return Counter((str(m["To"]), str(m["Subject"])) for m in smtp_server.messages)


def _reminders(kind: str) -> Counter:
    """Reminder notifications of ``kind`` per member."""
    return Counter(
        Notification.objects.filter(kind=emails.REMINDERS[kind]).values_list(
            "recipient_id", flat=True
        )
    )


def test_each_confirmed_registrant_gets_each_reminder_exactly_once(smtp_server, db):
    starts_at = NOW + timedelta(days=2)
    webinar = WebinarFactory(
        capacity=3, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    confirmed = UserFactory.create_batch(3, password=None)
    waiting, leaving = UserFactory(), UserFactory()
    for member in [*confirmed, waiting]:
        services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.registration_cancel(webinar=webinar, user=confirmed[2], now=NOW)  # waiting moves up
    confirmed[2] = waiting
    services.webinar_register(webinar=webinar, user=leaving, now=NOW)
    services.registration_cancel(webinar=webinar, user=leaving, now=NOW)
    # The registration e-mails: the two confirmations, the promotion and the two members'
    # own cancellations (the others are out of date by the time they are delivered).
    assert len(deliver_outbox(now=NOW).sent) == 5
    smtp_server.wait_for(5)
    smtp_server.messages.clear()

    # Nothing is due yet.
    assert tasks.send_due_reminders(now=NOW.isoformat()) == 0

    # Past the 24-hour reminder, run twice: three notifications, delivered by the outbox.
    day_before = starts_at - timedelta(hours=24) + timedelta(minutes=1)
    assert tasks.send_due_reminders(now=day_before.isoformat()) == 3
    assert tasks.send_due_reminders(now=day_before.isoformat()) == 0
    assert _reminders("24h") == {member.pk: 1 for member in confirmed}
    assert len(deliver_outbox(now=day_before).sent) == 3
    smtp_server.wait_for(3)

    # Past the 1-hour reminder, run twice: three more.
    hour_before = starts_at - timedelta(minutes=59)
    assert tasks.send_due_reminders(now=hour_before.isoformat()) == 3
    assert tasks.send_due_reminders(now=hour_before.isoformat()) == 0
    assert _reminders("1h") == {member.pk: 1 for member in confirmed}
    assert len(deliver_outbox(now=hour_before).sent) == 3
    assert deliver_outbox(now=hour_before).sent == []
    assert_outbox_settled()
    smtp_server.exactly(6)

    received = _received(smtp_server)
    for member in confirmed:
        assert received[(member.email, f"Tomorrow: {webinar.title}")] == 1
        assert received[(member.email, f"Starting in one hour: {webinar.title}")] == 1
    assert all(str(m["To"]) != leaving.email for m in smtp_server.messages)
    assert not Notification.objects.filter(recipient=leaving, kind__startswith="webinars.reminder")
    # The join link goes to confirmed registrants, in both parts of the message.
    message = smtp_server.messages[0]
    assert webinar.join_url in message.get_body(("plain",)).get_content()
    assert webinar.join_url in message.get_body(("html",)).get_content()
    assert WebinarReminder.objects.filter(sent_at__isnull=True).count() == 0


def test_a_late_run_sends_only_the_one_hour_reminder(smtp_server, db, member):
    starts_at = NOW + timedelta(days=2)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    Notification.objects.all().delete()  # the confirmation is not under test
    # The scheduler was down for a day: both are due, only the nearer one is useful.
    late = starts_at - timedelta(minutes=30)
    assert services.reminders_notify_due(now=late) == 1
    assert list(Notification.objects.values_list("kind", flat=True)) == [emails.REMINDERS["1h"]]
    deliver_outbox(now=late)
    smtp_server.wait_for(1)
    assert "one hour" in smtp_server.messages[0]["Subject"]
    assert WebinarReminder.objects.get(kind="24h").skipped


def test_no_reminders_after_the_start_or_for_a_cancelled_webinar(smtp_server, db, member):
    webinar = WebinarFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    assert services.reminders_notify_due(now=webinar.starts_at + timedelta(minutes=1)) == 0
    services.webinar_cancel(webinar=webinar, now=NOW)
    assert services.reminders_notify_due(now=webinar.starts_at - timedelta(minutes=30)) == 0
    assert not Notification.objects.filter(kind__startswith="webinars.reminder").exists()


def test_moving_the_webinar_moves_its_reminders(db, member):
    webinar = WebinarFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    later = webinar.starts_at + timedelta(days=3)
    services.webinar_reschedule(
        webinar=webinar, starts_at=later, ends_at=later + timedelta(hours=1), now=NOW
    )
    assert sorted(WebinarReminder.objects.values_list("due_at", flat=True)) == [
        later - timedelta(hours=24),
        later - timedelta(hours=1),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_notify_each_reminder_once(smtp_server, monkeypatch):
    # Delivery is driven by hand below: nothing goes to the broker on commit.
    monkeypatch.setattr(outbox, "enqueue_email_delivery", lambda ids, **kwargs: True)
    now = timezone.now()
    starts_at = now + timedelta(minutes=30)
    webinar = WebinarFactory(
        capacity=None, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    members = UserFactory.create_batch(8, password=None)
    for member in members:  # registered two hours ago, so only the 1-hour reminder is ahead
        services.webinar_register(webinar=webinar, user=member, now=now - timedelta(hours=2))
    Notification.objects.all().delete()  # the confirmations are not under test
    barrier = threading.Barrier(3)
    counts = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            counts.append(services.reminders_notify_due(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 8
    assert _reminders("1h") == {member.pk: 1 for member in members}
    assert len(deliver_outbox().sent) == 8
    assert_outbox_settled()
    smtp_server.exactly(8)
    assert len({str(m["To"]) for m in smtp_server.messages}) == 8


def test_reminder_sweep_queries_do_not_grow_with_registrants(db, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def sweep_with(count):
        starts_at = NOW + timedelta(days=2)
        webinar = WebinarFactory(
            capacity=None, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
        )
        for member in UserFactory.create_batch(count, password=None):
            services.webinar_register(webinar=webinar, user=member, now=NOW)
        with CaptureQueriesContext(connection) as context:
            assert services.reminders_notify_due(now=starts_at - timedelta(minutes=59)) == count
        return len(context.captured_queries)

    assert sweep_with(2) == sweep_with(7)


def test_a_confirmation_lost_with_the_broker_is_delivered_once_by_the_outbox_sweep(
    db, member, eager_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core import mail

    from notifications.tasks import deliver_emails

    starts_at = timezone.now() + timedelta(days=3)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    with monkeypatch.context() as broker_down:
        broker_down.setattr(deliver_emails, "apply_async", _refuse)
        with django_capture_on_commit_callbacks(execute=True):
            services.webinar_register(webinar=webinar, user=member)
    (notification,) = Notification.objects.filter(recipient=member)
    assert notification.email_state == EmailState.PENDING and not mail.outbox

    # The sweep finds it once it has waited long enough, and only then.
    assert outbox.outbox_sweep().queued == 0
    later = timezone.now() + outbox.sweep_after() + timedelta(seconds=1)
    assert outbox.outbox_sweep(now=later).queued == 1
    assert outbox.outbox_sweep(now=later).queued == 0
    assert [m.to for m in mail.outbox] == [[member.email]]
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT


def _refuse(*args, **kwargs):
    raise ConnectionError("the broker is down")


def test_beat_schedules_registered_webinar_tasks():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "webinars.send_due_reminders" in scheduled
    assert "notifications.tasks.sweep" in scheduled  # recovers webinar e-mails too
    assert scheduled <= set(app.tasks)
