"""Reminders 24 hours and 1 hour before, each delivered exactly once over real SMTP."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from webinars import services, tasks
from webinars.models import WebinarReminder

from . import webinars_support
from .factories import UserFactory
from .webinars_support import NOW, WebinarFactory

eager_tasks = webinars_support.eager_tasks


def _received(smtp_server):
    return Counter((str(m["To"]), str(m["Subject"])) for m in smtp_server.messages)


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

    # Nothing is due yet.
    assert tasks.send_due_reminders(now=NOW.isoformat()) == 0

    # Past the 24-hour reminder, run twice: three e-mails.
    day_before = (starts_at - timedelta(hours=24) + timedelta(minutes=1)).isoformat()
    assert tasks.send_due_reminders(now=day_before) == 3
    assert tasks.send_due_reminders(now=day_before) == 0
    smtp_server.wait_for(3)

    # Past the 1-hour reminder, run twice: three more.
    hour_before = (starts_at - timedelta(minutes=59)).isoformat()
    assert tasks.send_due_reminders(now=hour_before) == 3
    assert tasks.send_due_reminders(now=hour_before) == 0
    smtp_server.wait_for(6)
    time.sleep(0.3)

    received = _received(smtp_server)
    assert len(smtp_server.messages) == 6
    for member in confirmed:
        assert received[(member.email, f"[Knowledge Hubs] Tomorrow: {webinar.title}")] == 1
        assert (
            received[(member.email, f"[Knowledge Hubs] Starting in one hour: {webinar.title}")] == 1
        )
    assert all(str(m["To"]) != leaving.email for m in smtp_server.messages)
    # The join link goes to confirmed registrants, in both parts of the message.
    message = smtp_server.messages[0]
    assert webinar.join_url in message.get_body(("plain",)).get_content()
    assert webinar.join_url in message.get_body(("html",)).get_content()
    assert WebinarReminder.objects.filter(sent_at__isnull=True).count() == 0


def test_a_late_run_sends_only_the_one_hour_reminder(smtp_server, db, member):
    starts_at = NOW + timedelta(days=2)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    # The scheduler was down for a day: both are due, only the nearer one is useful.
    assert services.reminders_send_due(now=starts_at - timedelta(minutes=30)) == 1
    smtp_server.wait_for(1)
    assert "one hour" in smtp_server.messages[0]["Subject"]
    assert WebinarReminder.objects.get(kind="24h").skipped


def test_no_reminders_after_the_start_or_for_a_cancelled_webinar(smtp_server, db, member):
    webinar = WebinarFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    assert services.reminders_send_due(now=webinar.starts_at + timedelta(minutes=1)) == 0
    services.webinar_cancel(webinar=webinar, now=NOW)
    assert services.reminders_send_due(now=webinar.starts_at - timedelta(minutes=30)) == 0
    assert smtp_server.messages == []


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
def test_two_workers_sweeping_at_once_send_each_reminder_once(smtp_server, monkeypatch):
    # Registration e-mails are not under test here: keep them off the broker and the mailbox.
    monkeypatch.setattr(services, "_notify_on_commit", lambda ids: None)
    starts_at = timezone.now() + timedelta(days=2)
    webinar = WebinarFactory(
        capacity=None, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    members = UserFactory.create_batch(8, password=None)
    for member in members:
        services.webinar_register(webinar=webinar, user=member, now=timezone.now())
    due = starts_at - timedelta(minutes=59)
    barrier = threading.Barrier(3)
    counts = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            counts.append(services.reminders_send_due(now=due))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 8
    smtp_server.wait_for(8)
    time.sleep(0.3)
    assert len(smtp_server.messages) == 8
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
            assert services.reminders_send_due(now=starts_at - timedelta(minutes=59)) == count
        return len(context.captured_queries)

    assert sweep_with(2) == sweep_with(7)


def test_lost_registration_emails_are_requeued_and_sent_once(db, member, eager_tasks):
    from django.core import mail

    starts_at = timezone.now() + timedelta(days=3)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    registration = services.webinar_register(webinar=webinar, user=member)
    # Its on-commit task never ran (the broker was down): the sweep finds it after a while.
    assert tasks.sweep_pending_emails() == 0
    type(registration).objects.filter(pk=registration.pk).update(
        queued_at=timezone.now() - timedelta(minutes=5)
    )
    assert tasks.sweep_pending_emails() == 1
    assert tasks.sweep_pending_emails() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [member.email]


def test_beat_schedules_registered_webinar_tasks():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"webinars.send_due_reminders", "webinars.sweep_pending_emails"} <= scheduled
    assert scheduled <= set(app.tasks)
