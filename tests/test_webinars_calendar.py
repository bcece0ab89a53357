"""Calendar files: the .ics download, the e-mail invitation, the member's feed.

The invitations inside e-mails are tested with the e-mails (``test_webinars_emails``)."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from django.utils import timezone

from webinars import ics, services
from webinars.models import CalendarToken, Webinar

from .webinars_support import NOW, WebinarFactory


def _event(body: bytes):
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_ics_has_the_fields_calendars_need(client, db):
    webinar = WebinarFactory(title="Transforming institutions", host_organisation="AMEXCID")
    response = client.get(f"/webinars/{webinar.slug}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar, event = _event(response.content)

    assert calendar["METHOD"] == "PUBLISH"
    assert str(event["UID"]) == f"webinar-{webinar.uid}@127.0.0.1"
    assert event.decoded("DTSTART") == webinar.starts_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event["DTSTART"].to_ical().endswith(b"Z")
    assert event.decoded("DTEND") == webinar.ends_at
    assert event["SEQUENCE"] == 0
    assert str(event["SUMMARY"]) == "Transforming institutions"
    assert str(event["ORGANIZER"]).startswith("mailto:")
    assert event["ORGANIZER"].params["CN"] == "AMEXCID"
    assert str(event["URL"]).endswith(f"/webinars/{webinar.slug}/")
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=30)
    assert str(alarm["ACTION"]) == "DISPLAY"
    # The public file never carries the join link.
    assert webinar.join_url.encode() not in response.content


def test_uid_is_stable_and_sequence_grows_with_each_change(client, db):
    webinar = WebinarFactory()
    _cal, first = _event(client.get(f"/webinars/{webinar.slug}/calendar.ics").content)

    later = webinar.starts_at + timedelta(hours=2)
    services.webinar_reschedule(
        webinar=webinar, starts_at=later, ends_at=later + timedelta(hours=1), now=NOW
    )
    _cal, second = _event(client.get(f"/webinars/{webinar.slug}/calendar.ics").content)
    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert second.decoded("DTSTART") == later

    webinar.refresh_from_db()
    webinar.title = "A clearer title"
    services.webinar_save(webinar=webinar, changed_fields=["title"], now=NOW)
    _cal, third = _event(client.get(f"/webinars/{webinar.slug}/calendar.ics").content)
    assert third["SEQUENCE"] == second["SEQUENCE"] + 1

    # Saving without a real change does not move the sequence.
    webinar.refresh_from_db()
    services.webinar_save(webinar=webinar, changed_fields=["title"], now=NOW)
    webinar.refresh_from_db()
    assert webinar.sequence == third["SEQUENCE"]


def test_cancelling_publishes_method_cancel(client, db):
    webinar = WebinarFactory()
    services.webinar_cancel(webinar=webinar, now=NOW)
    calendar, event = _event(client.get(f"/webinars/{webinar.slug}/calendar.ics").content)
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 1
    assert not event.walk("VALARM")


def test_member_feed_lists_confirmed_registrations_behind_a_secret(client, member_client, member):
    confirmed = WebinarFactory(capacity=5)
    full = WebinarFactory(capacity=0)
    services.webinar_register(webinar=confirmed, user=member, now=NOW)
    services.webinar_register(webinar=full, user=member, now=NOW)

    page = member_client.get("/webinars/calendar/")
    assert page.status_code == 200
    token = CalendarToken.objects.get(user=member).token
    assert token in page.content.decode()

    response = client.get(f"/webinars/calendar/{token}.ics")
    assert response.status_code == 200
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [ics.event_uid(confirmed)]
    assert confirmed.join_url in response.content.decode()
    assert full.join_url not in response.content.decode()

    assert client.get("/webinars/calendar/not-the-token.ics").status_code == 404
    # A new address retires the old one.
    member_client.post("/webinars/calendar/")
    assert client.get(f"/webinars/calendar/{token}.ics").status_code == 404


def test_calendar_page_needs_a_signed_in_member(client, db):
    response = client.get("/webinars/calendar/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("status", [Webinar.Status.SCHEDULED, Webinar.Status.CANCELLED])
def test_ics_of_an_unpublished_webinar_is_not_found(client, db, status):
    webinar = WebinarFactory(is_published=False, status=status)
    assert client.get(f"/webinars/{webinar.slug}/calendar.ics").status_code == 404


def test_dtstamp_and_times_are_utc_whatever_the_active_zone(db, settings):
    webinar = WebinarFactory(host_time_zone="Asia/Jakarta")
    with timezone.override("America/Santiago"):
        _cal, event = _event(ics.webinar_calendar(webinar))
    assert event["DTSTART"].to_ical().endswith(b"Z")
    assert event["DTSTAMP"].to_ical().endswith(b"Z")


def test_invitation_is_a_request_to_the_member_then_a_cancel(db):
    webinar = WebinarFactory()
    content, method = ics.invitation(
        webinar, attendee="member@example.org", join_url=webinar.join_url
    )
    calendar, event = _event(content)
    assert method == "REQUEST" and calendar["METHOD"] == "REQUEST"
    assert str(event["ATTENDEE"]) == "mailto:member@example.org"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"
    assert str(event["LOCATION"]) == webinar.join_url

    services.webinar_cancel(webinar=webinar, now=NOW)
    content, method = ics.invitation(webinar, attendee="member@example.org")
    calendar, event = _event(content)
    assert method == "CANCEL" and calendar["METHOD"] == "CANCEL"
    assert event["SEQUENCE"] == 1 and str(event["UID"]) == ics.event_uid(webinar)
    assert webinar.join_url.encode() not in content
