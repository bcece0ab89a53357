"""Every e-mail about webinars, built in one place.

Each message is HTML with a plain-text alternative, in the registrant's language and
time zone (with the host's time beside it). The join link and the calendar attachment
with it go only to confirmed registrants. Until the notifications outbox exists these
are sent straight through Django's mailers; routing them through the outbox later means
changing ``send``/``connection`` here only.
"""

from __future__ import annotations

from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import ics
from .models import Registration, Webinar, WebinarReminder
from .timezones import dual_times

CALENDAR_TYPE = "text/calendar"


def connection():
    """One mailer connection for a batch (use as a context manager)."""
    return mail.mailers.default


def send(messages: list[EmailMultiAlternatives]) -> int:
    with connection() as conn:
        return conn.send_messages(messages) or 0


def _subject(kind: str, webinar: Webinar) -> str:
    title = webinar.title
    subjects = {
        "confirmed": _("You are registered: %(title)s"),
        "waitlisted": _("You are on the waiting list: %(title)s"),
        "promoted": _("A seat is yours: %(title)s"),
        "rescheduled": _("New time: %(title)s"),
        "cancelled": _("Cancelled: %(title)s"),
        "reminder_24h": _("Tomorrow: %(title)s"),
        "reminder_1h": _("Starting in one hour: %(title)s"),
    }
    prefix = getattr(settings, "ACCOUNT_EMAIL_SUBJECT_PREFIX", "")
    return prefix + subjects[kind] % {"title": title}


def _message(registration: Registration, kind: str, *, attach_calendar: bool):
    webinar, user = registration.webinar, registration.user
    show_join_link = registration.is_confirmed and webinar.status != Webinar.Status.CANCELLED
    join_url = webinar.join_url if show_join_link else ""
    zone = user.time_zone or webinar.host_time_zone
    with translation.override(user.language or settings.LANGUAGE_CODE), timezone.override(zone):
        context = {
            "kind": kind,
            "user": user,
            "webinar": webinar,
            "registration": registration,
            "join_url": join_url,
            "times": dual_times(webinar, zone),
            "page_url": settings.SITE_URL + webinar.get_absolute_url(),
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = _subject(kind, webinar)
        text = render_to_string("webinars/emails/message.txt", context)
        html = render_to_string("webinars/emails/message.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[user.email])
    message.attach_alternative(html, "text/html")
    if attach_calendar:
        message.attach(
            f"{webinar.slug}.ics",
            ics.webinar_calendar(webinar, join_url=join_url).decode(),
            CALENDAR_TYPE,
        )
    return message


def registration_message(registration: Registration, kind: str) -> EmailMultiAlternatives:
    """``kind``: confirmed, waitlisted or promoted. Confirmations carry the .ics."""
    return _message(registration, kind, attach_calendar=registration.is_confirmed)


def change_message(registration: Registration) -> EmailMultiAlternatives:
    """A new time, or the cancellation (with METHOD:CANCEL), for an active registrant."""
    cancelled = registration.webinar.status == Webinar.Status.CANCELLED
    return _message(
        registration,
        "cancelled" if cancelled else "rescheduled",
        attach_calendar=cancelled or registration.is_confirmed,
    )


def reminder_message(reminder: WebinarReminder) -> EmailMultiAlternatives:
    return _message(reminder.registration, f"reminder_{reminder.kind}", attach_calendar=False)
