"""Webinar e-mails through the notifications outbox, delivered over real SMTP (aiosmtpd)."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.forms import PreferencesForm
from notifications.kinds import Frequency
from notifications.models import EmailState, Notification, Preference
from notifications.services import notify_many, preferences_update
from webinars import emails, ics, services
from webinars.models import Registration

from . import webinars_support
from .factories import UserFactory
from .webinars_support import NOW, WebinarFactory, assert_outbox_settled, deliver_outbox

eager_tasks = webinars_support.eager_tasks

SOON = NOW + timedelta(minutes=5)  # delivery a few minutes after the change


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _html(message) -> str:
    return message.get_body(("html",)).get_content()


def _calendars(message) -> list:
    return [
        part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"
    ]


def _invitation(message):
    (part,) = _calendars(message)
    calendar = icalendar.Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    return part, calendar, event


def _to(smtp_server, member):
    return [m for m in smtp_server.messages if str(m["To"]) == member.email]


def _kinds(member) -> list[str]:
    return list(
        Notification.objects.filter(recipient=member).order_by("pk").values_list("kind", flat=True)
    )


# --- Through the outbox ---------------------------------------------------------------


def test_confirmation_is_committed_then_delivered_with_a_calendar_invitation(
    smtp_server, db, eager_tasks, django_capture_on_commit_callbacks
):
    starts_at = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    member = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.webinar_register(webinar=webinar, user=member)
    assert len(callbacks) == 1  # the outbox queues delivery once the registration commits
    (message,) = smtp_server.wait_for(1)

    notification = Notification.objects.get(recipient=member)
    assert notification.kind == emails.CONFIRMED
    assert notification.target == webinar
    assert notification.email_state == EmailState.SENT
    assert message["Message-ID"] == notification.message_id
    assert message["Subject"] == f"You are registered: {webinar.title}"
    assert message["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in str(
        message["List-Unsubscribe"]
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/mixed"
    assert webinar.join_url in _text(message) and webinar.join_url in _html(message)

    part, calendar, event = _invitation(message)
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == f"{webinar.slug}.ics"
    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == ics.event_uid(webinar)
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == webinar.starts_at
    assert str(event["ATTENDEE"]) == f"mailto:{member.email}"
    assert webinar.join_url in str(event["LOCATION"])


def test_a_rolled_back_registration_leaves_no_notification(
    smtp_server, db, django_capture_on_commit_callbacks
):
    webinar = WebinarFactory()
    member = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.webinar_register(webinar=webinar, user=member, now=NOW)
        assert Notification.objects.filter(recipient=member).exists()  # written in the change
        raise RuntimeError("the request fails after registering")
    assert not Registration.objects.exists()
    assert not Notification.objects.exists()
    assert callbacks == []
    assert deliver_outbox(now=SOON).sent == []
    assert smtp_server.messages == []


def test_waitlisted_mail_has_no_join_link_and_no_invitation(smtp_server, db):
    webinar = WebinarFactory(capacity=1)
    member, waiting = UserFactory(), UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.webinar_register(webinar=webinar, user=waiting, now=NOW)
    assert len(deliver_outbox(now=SOON).sent) == 2
    smtp_server.wait_for(2)

    (message,) = _to(smtp_server, waiting)
    assert message["Subject"] == f"You are on the waiting list: {webinar.title}"
    assert webinar.join_url not in message.as_string()
    assert webinar.join_url not in _text(message) and webinar.join_url not in _html(message)
    assert _calendars(message) == []
    assert _kinds(waiting) == [emails.WAITLISTED]


def test_promotion_mail_brings_the_join_link_and_the_invitation(smtp_server, db):
    webinar = WebinarFactory(capacity=1)
    member, waiting = UserFactory(), UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.webinar_register(webinar=webinar, user=waiting, now=NOW + timedelta(minutes=1))
    services.registration_cancel(webinar=webinar, user=member, now=NOW + timedelta(minutes=2))
    deliver_outbox(now=SOON)
    smtp_server.wait_for(2)

    # The waiting-list mail, no longer true by the time it goes out, is not sent.
    assert _kinds(waiting) == [emails.WAITLISTED, emails.PROMOTED]
    waitlisted, promoted = Notification.objects.filter(recipient=waiting).order_by("pk")
    assert waitlisted.email_state == EmailState.NONE
    assert promoted.email_state == EmailState.SENT
    (message,) = _to(smtp_server, waiting)
    assert message["Subject"] == f"A seat is yours: {webinar.title}"
    assert webinar.join_url in _text(message)
    _part, _calendar, event = _invitation(message)
    assert str(event["UID"]) == ics.event_uid(webinar)
    # Cancelling one's own seat is confirmed; the confirmation of the seat, no longer
    # true by then, is not sent.
    assert _kinds(member) == [emails.CONFIRMED, emails.WITHDRAWN]
    (withdrawn,) = _to(smtp_server, member)
    assert withdrawn["Subject"] == f"Your registration is cancelled: {webinar.title}"


def test_time_change_mail_carries_the_invitation_with_a_greater_sequence(smtp_server, db):
    webinar = WebinarFactory(capacity=1)
    member, waiting = UserFactory(), UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.webinar_register(webinar=webinar, user=waiting, now=NOW)
    deliver_outbox(now=SOON)
    smtp_server.wait_for(2)
    (confirmation,) = _to(smtp_server, member)
    _part, _calendar, first = _invitation(confirmation)
    smtp_server.messages.clear()

    later = webinar.starts_at + timedelta(days=1)
    services.webinar_reschedule(
        webinar=webinar, starts_at=later, ends_at=later + timedelta(hours=1), now=SOON
    )
    assert len(deliver_outbox(now=SOON + timedelta(minutes=1)).sent) == 2
    smtp_server.wait_for(2)

    (message,) = _to(smtp_server, member)
    assert message["Subject"] == f"New time: {webinar.title}"
    part, calendar, event = _invitation(message)
    assert part.get_param("method") == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert event["UID"] == first["UID"]
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert event.decoded("DTSTART") == later
    assert webinar.join_url in _text(message)
    # The waiting list hears of the new time, with neither the link nor an invitation.
    (to_waiting,) = _to(smtp_server, waiting)
    assert _calendars(to_waiting) == [] and webinar.join_url not in to_waiting.as_string()

    # Nothing is told twice: delivering again sends nothing.
    assert deliver_outbox(now=SOON + timedelta(minutes=2)).sent == []


def test_cancellation_mail_has_method_cancel(smtp_server, db):
    webinar = WebinarFactory(capacity=1)
    member, waiting = UserFactory(), UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.webinar_register(webinar=webinar, user=waiting, now=NOW)
    services.webinar_cancel(webinar=webinar, now=NOW + timedelta(minutes=1))
    deliver_outbox(now=SOON)
    smtp_server.wait_for(2)

    # The confirmations still waiting are dropped: only the cancellation goes out.
    assert {str(m["To"]) for m in smtp_server.messages} == {member.email, waiting.email}
    assert all(str(m["Subject"]) == f"Cancelled: {webinar.title}" for m in smtp_server.messages)
    (message,) = _to(smtp_server, member)
    part, calendar, event = _invitation(message)
    assert part.get_param("method") == "CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert str(event["UID"]) == ics.event_uid(webinar)
    assert event["SEQUENCE"] == 1
    assert webinar.join_url not in message.as_string()


def test_a_member_who_gives_up_a_seat_is_told_and_their_calendar_entry_removed(smtp_server, db):
    webinar = WebinarFactory(capacity=1)
    member, waiting = UserFactory(), UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.webinar_register(webinar=webinar, user=waiting, now=NOW)
    deliver_outbox(now=NOW + timedelta(seconds=1))
    smtp_server.wait_for(2)
    smtp_server.messages.clear()
    services.registration_cancel(webinar=webinar, user=waiting, now=NOW + timedelta(minutes=1))
    services.registration_cancel(webinar=webinar, user=member, now=NOW + timedelta(minutes=2))
    deliver_outbox(now=SOON)
    smtp_server.wait_for(2)

    (to_member,) = _to(smtp_server, member)
    assert str(to_member["Subject"]) == f"Your registration is cancelled: {webinar.title}"
    assert "As you asked, your registration" in _text(to_member)
    part, calendar, event = _invitation(to_member)
    assert part.get_param("method") == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and str(event["UID"]) == ics.event_uid(webinar)
    assert webinar.join_url not in to_member.as_string()
    # The waiting member never had the invitation: no file to remove it.
    (withdrawn,) = _to(smtp_server, waiting)
    assert "cancelled" in str(withdrawn["Subject"]) and _calendars(withdrawn) == []
    assert _kinds(member) == [emails.CONFIRMED, emails.WITHDRAWN]


def test_no_withdrawal_mail_once_the_member_has_registered_again(smtp_server, db):
    webinar = WebinarFactory(capacity=5)
    member = UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    services.registration_cancel(webinar=webinar, user=member, now=NOW + timedelta(minutes=1))
    services.webinar_register(webinar=webinar, user=member, now=NOW + timedelta(minutes=2))
    assert len(deliver_outbox(now=SOON).sent) == 2  # both registrations confirmed
    assert_outbox_settled()
    smtp_server.exactly(2)
    subjects = [str(m["Subject"]) for m in _to(smtp_server, member)]
    assert f"You are registered: {webinar.title}" in subjects
    assert not [s for s in subjects if "cancelled" in s]
    assert Notification.objects.get(recipient=member, kind=emails.WITHDRAWN).email_state == (
        EmailState.NONE
    )


def test_a_status_change_other_than_cancelling_tells_nobody(db):
    webinar = WebinarFactory()
    member = UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    webinar.title = "A clearer title"
    services.webinar_save(webinar=webinar, changed_fields=["title"], now=NOW)
    webinar.status = webinar.Status.FINISHED
    services.webinar_save(webinar=webinar, changed_fields=["status"], now=NOW)
    assert _kinds(member) == [emails.CONFIRMED]


# --- Language and time zone -----------------------------------------------------------


def test_mail_is_in_the_members_language_with_both_times_labelled(smtp_server, db):
    webinar = WebinarFactory(
        host_time_zone="America/Mexico_City",
        starts_at=NOW + timedelta(days=7),  # 8 April 2026, 12:00 UTC
        ends_at=NOW + timedelta(days=7, hours=1),
    )
    member = UserFactory(language="es", time_zone="Asia/Jakarta")
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    deliver_outbox(now=SOON)
    (message,) = smtp_server.wait_for(1)

    assert message["Content-Language"] == "es"
    assert message["Subject"] == f"Inscripción confirmada: {webinar.title}"
    text, html = _text(message), _html(message)
    for body in (text, html):
        assert "Su hora (Asia/Jakarta)" in body and "19:00" in body
        assert "Hora del anfitrión (America/Mexico_City)" in body and "06:00" in body
        assert "abril" in body
    assert '<html lang="es">' in html


# --- Preferences: sent at once or not at all ----------------------------------------


def test_webinar_kinds_cannot_go_into_a_digest(db):
    member = UserFactory()
    with pytest.raises(ValidationError):
        preferences_update(user=member, choices={emails.REMINDERS["1h"]: Frequency.DAILY})
    form = PreferencesForm(current={})
    choices = [value for value, _label in form.fields[emails.REMINDERS["1h"]].choices]
    assert choices == [Frequency.IMMEDIATELY, Frequency.OFF]

    # A digest choice stored some other way still counts as "immediately".
    Preference.objects.create(user=member, kind=emails.CONFIRMED, frequency=Frequency.WEEKLY)
    services.webinar_register(webinar=WebinarFactory(), user=member, now=NOW)
    notification = Notification.objects.get(recipient=member)
    assert notification.email_state == EmailState.PENDING
    assert notification.channel == Frequency.IMMEDIATELY


def test_a_member_who_turned_reminders_off_sees_them_on_the_site_only(smtp_server, db):
    starts_at = NOW + timedelta(days=2)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    member = UserFactory()
    preferences_update(user=member, choices={emails.REMINDERS["1h"]: Frequency.OFF})
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    deliver_outbox(now=SOON)
    smtp_server.wait_for(1)  # the confirmation
    smtp_server.messages.clear()

    due = starts_at - timedelta(minutes=59)
    assert services.reminders_notify_due(now=due) == 1
    assert deliver_outbox(now=due).sent == []
    reminder = Notification.objects.get(recipient=member, kind=emails.REMINDERS["1h"])
    assert reminder.email_state == EmailState.NONE and reminder.read_at is None
    assert smtp_server.messages == []


# --- In-app ---------------------------------------------------------------------------


def test_the_bell_and_the_list_show_webinar_notifications(client, db):
    webinar = WebinarFactory(title="Learning from failure")
    member = UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    webinar.status = webinar.Status.CANCELLED
    services.webinar_save(webinar=webinar, changed_fields=["status"], now=NOW)

    client.force_login(member)
    page = client.get("/").content.decode()
    assert "(2 unread)" in page
    listing = client.get("/notifications/").content.decode()
    assert "You are registered: Learning from failure" in listing
    assert "Cancelled: Learning from failure" in listing
    assert f'href="{webinar.get_absolute_url()}"' in listing
    assert listing.count("Webinars ·") == 2  # the module shown under each entry


def test_the_in_app_entry_escapes_the_title(client, db):
    webinar = WebinarFactory(title="<script>alert(1)</script> & co")
    member = UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    client.force_login(member)
    listing = client.get("/notifications/").content.decode()
    assert "<script>alert(1)" not in listing
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in listing


# --- At send time -----------------------------------------------------------------------


def test_preparing_a_batch_takes_one_query_whatever_its_size(db, django_assert_num_queries):
    webinars = WebinarFactory.create_batch(2, capacity=None)
    members = UserFactory.create_batch(6, password=None)
    for webinar in webinars:
        for member in members:
            services.webinar_register(webinar=webinar, user=member, now=NOW)
    rows = list(Notification.objects.select_related("recipient"))
    assert len(rows) == 12
    with django_assert_num_queries(1):
        prepared = emails.prepare(rows, now=SOON)
    assert all(extras is not None and extras.attachments for extras in prepared.values())


def test_reminders_are_not_mailed_after_the_start(smtp_server, db):
    starts_at = NOW + timedelta(days=2)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    member = UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    deliver_outbox(now=SOON)
    smtp_server.wait_for(1)
    smtp_server.messages.clear()

    services.reminders_notify_due(now=starts_at - timedelta(minutes=59))
    # The outbox could only deliver it once the webinar had started (a long outage).
    assert deliver_outbox(now=starts_at + timedelta(minutes=1)).sent == []
    assert smtp_server.messages == []


def test_a_webinar_notification_without_a_registration_is_not_mailed(smtp_server, db):
    webinar = WebinarFactory()
    stranger = UserFactory()
    with transaction.atomic():
        notify_many(
            recipients=[stranger],
            kind=emails.CONFIRMED,
            target=webinar,
            payload={"title": webinar.title, "url": webinar.get_absolute_url()},
            now=NOW,
        )
    assert deliver_outbox(now=SOON).sent == []
    assert Notification.objects.get().email_state == EmailState.NONE


def test_a_member_without_a_time_zone_sees_the_hosts_time_and_how_to_add_theirs(smtp_server, db):
    webinar = WebinarFactory(host_time_zone="America/Mexico_City")
    member = UserFactory(time_zone="")
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    deliver_outbox(now=SOON)
    (message,) = smtp_server.wait_for(1)
    for body in (_text(message), _html(message)):
        assert "Host's time (America/Mexico_City)" in body
        assert "Your time" not in body
        assert "/accounts/profile/" in body


def test_a_reminder_for_a_webinar_moved_later_since_is_not_mailed(smtp_server, db):
    starts_at = NOW + timedelta(days=2)
    webinar = WebinarFactory(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    member = UserFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    deliver_outbox(now=SOON)
    smtp_server.wait_for(1)  # the confirmation
    smtp_server.messages.clear()
    due = starts_at - timedelta(minutes=59)
    assert services.reminders_notify_due(now=due) == 1
    later = starts_at + timedelta(days=1)
    services.webinar_reschedule(
        webinar=webinar, starts_at=later, ends_at=later + timedelta(hours=1), now=due
    )
    assert len(deliver_outbox(now=due + timedelta(minutes=1)).sent) == 1
    assert_outbox_settled()
    smtp_server.exactly(1)
    # The new time is told; "starting in one hour" is not, and will be, a day later.
    assert [str(m["Subject"]) for m in _to(smtp_server, member)] == [f"New time: {webinar.title}"]
    assert services.reminders_notify_due(now=later - timedelta(minutes=59)) == 1
