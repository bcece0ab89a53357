"""iCalendar (RFC 5545) for webinars, made with the ``icalendar`` library.

One event per webinar with a stable UID (from the webinar's UUID), times in UTC, SEQUENCE
from the webinar (it grows on every change), ORGANIZER, URL and a display alarm 30 minutes
before. A cancelled webinar is published with METHOD:CANCEL and STATUS:CANCELLED.

Downloads and feeds use METHOD:PUBLISH; e-mails carry an iTIP invitation (RFC 5546,
``invitation``): METHOD:REQUEST naming the member as ATTENDEE, or METHOD:CANCEL, so that
mail clients add, move or remove the event (same UID, higher SEQUENCE).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.utils import timezone

from .models import Webinar

PRODID = "-//Knowledge Hubs Portal//Webinars//EN"
ALARM_BEFORE = timedelta(minutes=30)


def _domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def event_uid(webinar: Webinar) -> str:
    return f"webinar-{webinar.uid}@{_domain()}"


def _event(
    webinar: Webinar, *, join_url: str = "", attendee: str = "", cancelled: bool = False
) -> icalendar.Event:
    url = settings.SITE_URL + webinar.get_absolute_url()
    event = icalendar.Event()
    event.add("uid", event_uid(webinar))
    event.add("dtstamp", (webinar.updated_at or timezone.now()).astimezone(UTC))
    event.add("dtstart", webinar.starts_at.astimezone(UTC))
    event.add("dtend", webinar.ends_at.astimezone(UTC))
    event.add("sequence", webinar.sequence)
    event.add("summary", webinar.title)
    description = [webinar.host_organisation, url]
    if join_url:
        description.append(join_url)
        event.add("location", join_url)
    event.add("description", "\n".join(part for part in description if part))
    event.add("url", url)
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{address or 'noreply@localhost'}")
    organizer.params["cn"] = icalendar.vText(webinar.host_organisation or settings.SITE_NAME)
    event.add("organizer", organizer)
    if attendee:
        guest = icalendar.vCalAddress(f"mailto:{attendee}")
        guest.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        guest.params["partstat"] = icalendar.vText("ACCEPTED")
        guest.params["rsvp"] = icalendar.vText("FALSE")
        event.add("attendee", guest)
    if cancelled or webinar.status == Webinar.Status.CANCELLED:
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", webinar.title)
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    return event


def _calendar(method: str, name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def webinar_calendar(webinar: Webinar, *, join_url: str = "") -> bytes:
    """The .ics for one webinar. Pass ``join_url`` only for a confirmed registrant."""
    method = "CANCEL" if webinar.status == Webinar.Status.CANCELLED else "PUBLISH"
    calendar = _calendar(method)
    calendar.add_component(_event(webinar, join_url=join_url))
    return calendar.to_ical()


def invitation(
    webinar: Webinar, *, attendee: str, join_url: str = "", cancel: bool = False
) -> tuple[bytes, str]:
    """The .ics for an e-mail to ``attendee`` and its METHOD (REQUEST, or CANCEL once the
    webinar is cancelled, or with ``cancel`` when the attendee withdrew). Pass
    ``join_url`` only for a confirmed registrant."""
    cancelled = cancel or webinar.status == Webinar.Status.CANCELLED
    method = "CANCEL" if cancelled else "REQUEST"
    calendar = _calendar(method)
    calendar.add_component(
        _event(webinar, join_url=join_url, attendee=attendee, cancelled=cancelled)
    )
    return calendar.to_ical(), method


def member_calendar(registrations: Iterable, *, name: str) -> bytes:
    """A member's feed: one event per confirmed registration, with its join link."""
    calendar = _calendar("PUBLISH", name)
    for registration in registrations:
        calendar.add_component(_event(registration.webinar, join_url=registration.webinar.join_url))
    return calendar.to_ical()
