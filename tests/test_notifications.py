"""The outbox, delivery over real SMTP, the sweep, unsubscribe tokens and digests."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import Client

from config.celery import app as celery_app
from notifications import services
from notifications.kinds import (
    Attachment,
    EmailExtras,
    Frequency,
    register_kind,
    unregister_kind,
)
from notifications.models import Digest, EmailState, Notification, Preference, Suppression
from notifications.tokens import make_token

from .factories import UserFactory

ANNOUNCEMENT = "notifications.announcement"

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_module_kinds():
    keys = {
        "hubs.test_profile": Frequency.DAILY,
        "catalogue.test_vetted": Frequency.DAILY,
        "community.test_reply": Frequency.DAILY,
    }
    for key, default in keys.items():
        register_kind(key, label=f"Test {key}", default=default)
    yield list(keys)
    for key in keys:
        unregister_kind(key)


# --- The outbox -------------------------------------------------------------------------


def test_notify_writes_a_pending_row_and_queues_delivery_on_commit(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notification = services.notify(
            recipient=member, kind=ANNOUNCEMENT, target=member, payload={"title": "Hello"}
        )
    assert notification.email_state == EmailState.PENDING
    assert notification.channel == Frequency.IMMEDIATELY
    assert notification.target == member
    assert len(callbacks) == 1


def test_rolled_back_change_leaves_no_notification(member, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notify(recipient=member, kind=ANNOUNCEMENT, payload={"title": "x"})
        raise RuntimeError("the change fails")
    assert not Notification.objects.exists()
    assert callbacks == []


def test_unknown_kind_is_refused_before_anything_is_written(member):
    with pytest.raises(LookupError):
        services.notify(recipient=member, kind="nope.nothing", payload={})
    assert not Notification.objects.exists()


def test_preferences_decide_the_channel(member):
    Preference.objects.create(user=member, kind=ANNOUNCEMENT, frequency=Frequency.OFF)
    unverified = UserFactory(verified=False)
    digest_member = UserFactory()
    Preference.objects.create(user=digest_member, kind=ANNOUNCEMENT, frequency=Frequency.DAILY)
    rows = services.notify_many(
        recipients=[member, unverified, digest_member], kind=ANNOUNCEMENT, payload={}
    )
    assert [row.email_state for row in rows] == [
        EmailState.NONE,
        EmailState.NONE,
        EmailState.DIGEST,
    ]


def test_notify_many_runs_constant_queries(db, django_assert_num_queries):
    few, many = UserFactory.create_batch(2), UserFactory.create_batch(20)
    # savepoint, preferences, addresses, suppressions, insert, release
    with django_assert_num_queries(6):
        services.notify_many(recipients=few, kind=ANNOUNCEMENT, payload={})
    with django_assert_num_queries(6):
        services.notify_many(recipients=many, kind=ANNOUNCEMENT, payload={})


# --- Delivery over a real SMTP server ---------------------------------------------------


def test_delivery_over_real_smtp_in_the_members_language(smtp_server):
    member = UserFactory(language="fr", time_zone="Europe/Paris")
    notification = services.notify(
        recipient=member, kind=ANNOUNCEMENT, payload={"title": "Atelier", "url": "/webinars/x/"}
    )
    report = services.emails_deliver(ids=[notification.pk])
    assert report.sent == [notification.pk]
    message = smtp_server.wait_for(1)[0]
    assert message["To"] == member.email
    assert message["Subject"] == "Atelier"
    assert message["Message-ID"] == notification.message_id
    assert message["Content-Language"] == "fr"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith(
        "<http://127.0.0.1:8000/notifications/unsubscribe/"
    )
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://127.0.0.1:8000/webinars/x/" in text and 'lang="fr"' in html
    assert "http://127.0.0.1:8000" in text  # the link back to the portal
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT
    assert notification.attempts == 1 and notification.sent_at is not None


def test_a_batch_uses_one_smtp_connection(smtp_server, monkeypatch):
    members = UserFactory.create_batch(5)
    rows = services.notify_many(recipients=members, kind=ANNOUNCEMENT, payload={"title": "Hi"})
    opened = []
    original = smtplib.SMTP.connect
    monkeypatch.setattr(
        smtplib.SMTP, "connect", lambda self, *a, **k: opened.append(1) or original(self, *a, **k)
    )
    report = services.emails_deliver(ids=[row.pk for row in rows])
    assert len(report.sent) == 5
    assert len(smtp_server.wait_for(5)) == 5
    assert len(opened) == 1


def test_running_the_task_twice_sends_once(smtp_server):
    from notifications.tasks import deliver_emails

    notification = services.notify(
        recipient=UserFactory(), kind=ANNOUNCEMENT, payload={"title": "x"}
    )
    deliver_emails([notification.pk])
    deliver_emails([notification.pk])  # a duplicate message from the broker
    smtp_server.wait_for(1)
    assert len(smtp_server.messages) == 1


@pytest.fixture
def prepared_kind():
    """A kind whose e-mail gets context and a file at send time, or is dropped."""
    seen = []

    def prepare(rows, *, now):
        seen.append((len(rows), now))
        return {
            row.pk: None
            if row.payload.get("stale")
            else EmailExtras(
                context={"payload": {**row.payload, "text": f"Built at {now:%H:%M}"}},
                attachments=[
                    Attachment("note.txt", "Olá, mundo", "text/plain"),
                    Attachment("invite.ics", b"BEGIN:VCALENDAR", "text/calendar; method=REQUEST"),
                    Attachment("data.bin", b"\x00\x01\xff", "application/octet-stream"),
                ],
            )
            for row in rows
        }

    register_kind("hubs.test_prepared", label="Prepared", digest=False, prepare=prepare)
    yield seen
    unregister_kind("hubs.test_prepared")


def test_a_kinds_prepare_adds_context_and_attachments_at_send_time(smtp_server, prepared_kind):
    members = UserFactory.create_batch(2)
    rows = services.notify_many(
        recipients=members, kind="hubs.test_prepared", payload={"title": "With files"}
    )
    stale = services.notify(
        recipient=members[0], kind="hubs.test_prepared", payload={"title": "x", "stale": True}
    )
    sent_at = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    Notification.objects.update(next_attempt_at=sent_at)
    report = services.emails_deliver(ids=[*(row.pk for row in rows), stale.pk], now=sent_at)
    assert sorted(report.sent) == sorted(row.pk for row in rows)
    assert report.skipped == [stale.pk]
    assert prepared_kind == [(3, sent_at)]  # once for the batch, with the delivery's time
    stale.refresh_from_db()
    assert stale.email_state == EmailState.NONE  # still listed in-app, never e-mailed

    message = smtp_server.wait_for(2)[0]
    assert message.get_content_type() == "multipart/mixed"
    assert "Built at 09:30" in message.get_body(("plain",)).get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    note, invite, data = message.iter_attachments()
    assert note.get_filename() == "note.txt" and note.get_content() == "Olá, mundo"
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_param("method") == "REQUEST"
    assert invite.get_content() == "BEGIN:VCALENDAR"
    assert data.get_content_type() == "application/octet-stream"
    assert data.get_content() == b"\x00\x01\xff"


def test_a_kind_without_digest_is_sent_at_once_or_not_at_all(member, prepared_kind):
    with pytest.raises(ValueError, match="no digest"):
        register_kind("hubs.test_bad", label="Bad", default=Frequency.DAILY, digest=False)
    with pytest.raises(ValidationError):
        services.preferences_update(user=member, choices={"hubs.test_prepared": Frequency.WEEKLY})
    Preference.objects.create(user=member, kind="hubs.test_prepared", frequency=Frequency.DAILY)
    notification = services.notify(recipient=member, kind="hubs.test_prepared", payload={})
    assert notification.email_state == EmailState.PENDING
    assert notification.channel == Frequency.IMMEDIATELY
    services.preferences_update(user=member, choices={"hubs.test_prepared": Frequency.OFF})
    notification = services.notify(recipient=member, kind="hubs.test_prepared", payload={})
    assert notification.email_state == EmailState.NONE


def test_a_row_claimed_by_another_worker_is_skipped(member, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    notification = services.notify(recipient=member, kind=ANNOUNCEMENT, payload={})
    Notification.objects.filter(pk=notification.pk).update(email_state=EmailState.SENDING)
    assert services.emails_deliver(ids=[notification.pk]).sent == []
    assert mail.outbox == []


def _time_passes(notification, delta: timedelta) -> None:
    """Move a row's timestamps into the past, as if ``delta`` had gone by."""
    notification.refresh_from_db()
    changes = {
        name: getattr(notification, name) - delta
        for name in ("created", "next_attempt_at", "claimed_at", "attempted_at")
        if getattr(notification, name) is not None
    }
    Notification.objects.filter(pk=notification.pk).update(**changes)


def test_smtp_server_down_backs_off_and_the_sweep_delivers_later(
    smtp_server, settings, eager_celery
):
    from config.email import smtp_mailer

    good = settings.MAILERS
    settings.MAILERS = {"default": smtp_mailer(host="127.0.0.1", port=1)}  # nothing listens there
    notification = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={})
    report = services.emails_deliver(ids=[notification.pk])
    assert report.retry == [notification.pk]
    notification.refresh_from_db()
    assert notification.email_state == EmailState.PENDING
    assert notification.attempts == 1 and notification.last_error
    assert notification.next_attempt_at > notification.attempted_at
    assert services.outbox_sweep().queued == 0  # not due yet: backing off

    settings.MAILERS = good
    _time_passes(notification, timedelta(minutes=5))
    assert services.outbox_sweep().queued == 1  # eager: delivered right away
    smtp_server.wait_for(1)
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT and notification.attempts == 2


def test_a_permanently_refused_address_is_suppressed_and_not_retried(member, settings, monkeypatch):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    from django.core.mail.backends.locmem import EmailBackend

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({member.email: (550, b"5.1.1 No such user")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    notification = services.notify(recipient=member, kind=ANNOUNCEMENT, payload={})
    report = services.emails_deliver(ids=[notification.pk])
    assert report.failed == [notification.pk]
    assert Suppression.objects.filter(email=member.email).exists()
    later = services.notify(recipient=member, kind=ANNOUNCEMENT, payload={})
    assert later.email_state == EmailState.NONE  # nothing more goes to that address
    assert services.outbox_sweep(now=later.created + timedelta(days=2)).queued == 0


class _Refusing:
    """An SMTP server that refuses one address for good and defers every message's data."""

    def __init__(self, refused: str, data_reply: str):
        self.refused, self.data_reply, self.received = refused, data_reply, []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append(envelope.content)
        return self.data_reply


@pytest.fixture
def refusing_smtp(settings):
    from aiosmtpd.controller import Controller

    from config.email import smtp_mailer

    from .conftest import _free_port

    handler = _Refusing(refused="gone@example.org", data_reply="451 4.3.0 Try again later")
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": smtp_mailer(host="127.0.0.1", port=port)}
    yield handler
    controller.stop()


def test_real_smtp_refusals_suppress_the_address_or_back_off(refusing_smtp):
    gone, busy = UserFactory(email="gone@example.org"), UserFactory()
    rows = services.notify_many(recipients=[gone, busy], kind=ANNOUNCEMENT, payload={})
    report = services.emails_deliver(ids=[row.pk for row in rows])
    assert report.failed == [rows[0].pk] and report.retry == [rows[1].pk]
    assert Suppression.objects.filter(email="gone@example.org").exists()
    deferred = Notification.objects.get(pk=rows[1].pk)
    # The server took the data, then said 451: not sent, tried again later.
    assert len(refusing_smtp.received) == 1
    assert deferred.email_state == EmailState.PENDING and deferred.sent_at is None
    assert deferred.attempts == 1 and "451" in deferred.last_error


def test_temporary_failures_end_after_the_last_attempt(member, settings, monkeypatch):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    from django.core.mail.backends.locmem import EmailBackend

    def busy(self, messages):
        raise smtplib.SMTPRecipientsRefused({member.email: (451, b"try later")})

    monkeypatch.setattr(EmailBackend, "send_messages", busy)
    notification = services.notify(recipient=member, kind=ANNOUNCEMENT, payload={})
    assert services.emails_deliver(ids=[notification.pk]).retry == [notification.pk]
    later = datetime.now(UTC) + timedelta(hours=1)
    assert services.emails_deliver(ids=[notification.pk], now=later).failed == [notification.pk]
    assert not Suppression.objects.exists()


def test_sweep_resends_an_attempt_whose_outcome_is_unknown_with_the_same_message_id(
    smtp_server, eager_celery
):
    notification = services.notify(recipient=UserFactory(), kind=ANNOUNCEMENT, payload={})
    start = notification.created
    # A worker claimed it, recorded its attempt, then was killed.
    Notification.objects.filter(pk=notification.pk).update(
        email_state=EmailState.SENDING, claimed_at=start, attempted_at=start, attempts=1
    )
    assert services.outbox_sweep().in_doubt == 0  # the worker's lease still runs
    _time_passes(notification, timedelta(hours=1))
    assert services.outbox_sweep().in_doubt == 1
    message = smtp_server.wait_for(1)[0]
    assert message["Message-ID"] == notification.message_id
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT and notification.attempts == 2


def _reset_broker_connections():
    # Kombu keeps pools per broker URL: forgetting the app's cached ones is enough.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def dead_broker():
    """The broker is a Unix socket nobody listens on; the real one is back afterwards."""
    real = celery_app.conf.broker_url
    _reset_broker_connections()
    celery_app.conf.broker_url = "redis+socket:///nonexistent/redis.sock"
    yield
    celery_app.conf.broker_url = real
    _reset_broker_connections()


def test_broker_down_the_page_still_works_and_the_sweep_delivers_later(
    member_client, member, smtp_server, django_capture_on_commit_callbacks, settings, dead_broker
):
    settings.ROOT_URLCONF = "tests.notification_urls"
    with django_capture_on_commit_callbacks(execute=True):
        response = member_client.post("/test/reply/")
    assert response.status_code == 200
    notification = Notification.objects.get()
    assert notification.email_state == EmailState.PENDING
    assert smtp_server.messages == []

    # The broker is back; the sweep queues it again (and the task runs here, eagerly).
    _time_passes(notification, timedelta(minutes=5))
    celery_app.conf.task_always_eager = True
    try:
        services.outbox_sweep()
    finally:
        celery_app.conf.task_always_eager = False
    smtp_server.wait_for(1)
    notification.refresh_from_db()
    assert notification.email_state == EmailState.SENT


# --- Unsubscribe ------------------------------------------------------------------------


def _token(user, kind=ANNOUNCEMENT, version=0):
    return make_token(user_id=user.pk, kind=kind, version=version)


def test_unsubscribe_link_works_once_without_logging_in(member, client):
    token = _token(member)
    url = f"/notifications/unsubscribe/{token}/"
    assert client.get(url).status_code == 200  # a confirmation page; changes nothing
    assert not Preference.objects.exists()
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Preference.objects.get(user=member, kind=ANNOUNCEMENT).frequency == Frequency.OFF
    again = client.post(url)
    assert again.status_code == 410
    assert "already been used" in again.content.decode()


def test_unsubscribe_only_touches_that_member_and_kind(member, client, three_module_kinds):
    other = UserFactory()
    client.post(f"/notifications/unsubscribe/{_token(member)}/")
    assert not Preference.objects.filter(user=other).exists()
    assert not Preference.objects.filter(user=member).exclude(kind=ANNOUNCEMENT).exists()


def test_unsubscribe_stops_waiting_e_mails_of_that_kind(member, client):
    notification = services.notify(recipient=member, kind=ANNOUNCEMENT, payload={})
    client.post(f"/notifications/unsubscribe/{_token(member)}/")
    notification.refresh_from_db()
    assert notification.email_state == EmailState.NONE


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token, user: token[:-1] + ("A" if token[-1] != "A" else "B"),  # altered signature
        # another member's data under this member's signature
        lambda token, user: _token(UserFactory()).rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1],
        # another kind under this member's signature
        lambda token, user: (
            _token(user, kind="digest:daily").rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]
        ),
        lambda token, user: make_token(user_id=user.pk, kind="nope.nothing", version=0),
        lambda token, user: "not-a-token",
    ],
)
def test_forged_or_altered_tokens_are_refused(member, client, mangle):
    forged = mangle(_token(member), member)
    for method in (client.get, client.post):
        response = method(f"/notifications/unsubscribe/{forged}/")
        assert response.status_code == 400
    assert not Preference.objects.exists()


def test_a_token_signed_with_another_key_is_refused(member, client, settings):
    settings.SECRET_KEY = "another-secret-key-" * 4
    forged = _token(member)
    settings.SECRET_KEY = "the-real-secret-key-" * 4
    assert client.post(f"/notifications/unsubscribe/{forged}/").status_code == 400


def test_unsubscribe_link_in_a_real_e_mail_works(smtp_server):
    member = UserFactory()
    notification = services.notify(recipient=member, kind=ANNOUNCEMENT, payload={"title": "x"})
    services.emails_deliver(ids=[notification.pk])
    header = smtp_server.wait_for(1)[0]["List-Unsubscribe"]
    path = header.strip("<>").removeprefix("http://127.0.0.1:8000")
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert Preference.objects.get(user=member, kind=ANNOUNCEMENT).frequency == Frequency.OFF


# --- Digests ----------------------------------------------------------------------------

MORNING = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # 08:00 in Santiago, 19:00 in Jakarta


def test_digest_gathers_three_modules_into_one_e_mail_in_the_members_language(
    smtp_server, three_module_kinds, eager_celery, django_capture_on_commit_callbacks
):
    member = UserFactory(language="es", time_zone="America/Santiago")
    for index, kind in enumerate(three_module_kinds):
        services.notify(
            recipient=member,
            kind=kind,
            payload={"title": f"Item {index}", "url": f"/x/{index}/"},
            now=MORNING - timedelta(hours=5),
        )
    immediate = services.notify(
        recipient=member,
        kind=ANNOUNCEMENT,
        payload={"title": "Already sent"},
        now=MORNING - timedelta(hours=5),
    )
    services.emails_deliver(ids=[immediate.pk], now=MORNING - timedelta(hours=5))
    smtp_server.wait_for(1)

    with django_capture_on_commit_callbacks(execute=True):
        digests = services.digests_build_due(now=MORNING)
    assert len(digests) == 1
    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    digest_mail = messages[1]
    assert digest_mail["Content-Language"] == "es"
    assert digest_mail["Message-ID"] == digests[0].message_id
    assert digest_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = digest_mail.get_body(("html",)).get_content()
    text = digest_mail.get_body(("plain",)).get_content()
    assert html.count("<section>") == 3
    for title in ("Item 0", "Item 1", "Item 2"):
        assert title in html and title in text
    assert "Already sent" not in html  # nothing repeated that went out immediately
    assert "noviembre" in html  # dates in Spanish, in the member's time zone
    assert 'lang="es"' in html
    assert Digest.objects.get().period == "2026-11-27"

    # A second run the same day, and the next day with nothing new, send nothing.
    assert services.digests_build_due(now=MORNING + timedelta(hours=1)) == []
    assert services.digests_build_due(now=MORNING + timedelta(days=1)) == []
    assert len(smtp_server.messages) == 2


def test_digest_waits_for_the_members_morning_and_respects_off(three_module_kinds, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    member = UserFactory(time_zone="Asia/Jakarta")  # UTC+7
    services.notify(recipient=member, kind=three_module_kinds[0], payload={}, now=MORNING)
    early = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # 06:30 in Jakarta
    assert services.digest_build(user=member, frequency=Frequency.DAILY, now=early) is None
    Preference.objects.create(user=member, kind=three_module_kinds[0], frequency=Frequency.OFF)
    later = early + timedelta(hours=1)
    assert services.digest_build(user=member, frequency=Frequency.DAILY, now=later) is None
    assert Notification.objects.get().email_state == EmailState.NONE


def test_weekly_digest_once_per_week(three_module_kinds, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    member = UserFactory()
    Preference.objects.create(user=member, kind=three_module_kinds[0], frequency=Frequency.WEEKLY)
    services.notify(recipient=member, kind=three_module_kinds[0], payload={}, now=MORNING)
    digest = services.digest_build(user=member, frequency=Frequency.WEEKLY, now=MORNING)
    assert digest.period == "2026-W48"
    services.notify(recipient=member, kind=three_module_kinds[0], payload={}, now=MORNING)
    assert services.digest_build(user=member, frequency=Frequency.WEEKLY, now=MORNING) is None
    assert services.digests_deliver(ids=[digest.pk]).sent == [digest.pk]
    assert len(mail.outbox) == 1


def test_digest_unsubscribe_turns_off_every_kind_in_it(three_module_kinds, client):
    member = UserFactory()
    token = make_token(user_id=member.pk, kind="digest:daily", version=0)
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 200
    frequencies = services.frequencies_for(user_ids=[member.pk], kinds=three_module_kinds)
    assert set(frequencies.values()) == {Frequency.OFF}
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 410
