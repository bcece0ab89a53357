"""Every e-mail about webinars, as kinds of the notifications outbox.

The services call ``notify_registration`` / ``notify_registrants`` inside the transaction
that changes a registration or the webinar, and the reminder sweep calls
``notify_registrants`` inside the transaction that marks its reminder rows: a rollback
leaves no notification, and the outbox delivers what was committed (see
``notifications``). Each notification targets the webinar; its payload holds only what
the in-app list shows (title, page).

What goes into the e-mail is built when it is sent (``prepare``), from the webinar and
the registration as they are *then*: the times in the member's zone and the host's, the
join link (only for a confirmed seat, never on the waiting list) and the calendar
invitation (``ics.invitation``: METHOD:REQUEST with the current SEQUENCE, or
METHOD:CANCEL), so a retried or late e-mail never carries a stale time or file. An
e-mail that no longer makes sense by then (the seat was given up, the webinar was
cancelled or is over, a reminder after the start) is not sent; the in-app entry stays.

The kinds are transactional: sent at once, never in a digest (a reminder or an
invitation a day late is useless), though a member may turn any of them off (they
still see them on the site and in their calendar feed).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.middleware import valid_time_zone
from notifications.kinds import Attachment, EmailExtras, Frequency, register_kind
from notifications.services import notify_many

from . import ics
from .models import REMINDER_OFFSETS, Registration, Webinar
from .timezones import dual_times

CONFIRMED = "webinars.confirmed"
WAITLISTED = "webinars.waitlisted"
PROMOTED = "webinars.promoted"
RESCHEDULED = "webinars.rescheduled"
CANCELLED = "webinars.cancelled"
WITHDRAWN = "webinars.withdrawn"  # the member cancelled their own registration
REMINDERS = {"24h": "webinars.reminder_24h", "1h": "webinars.reminder_1h"}

TEMPLATE = "webinars/notifications/message"
CALENDAR_TYPE = "text/calendar"

# Kinds whose e-mail carries the invitation when the member holds a seat.
_INVITING = {CONFIRMED, PROMOTED, RESCHEDULED}
_REMINDER_OFFSET_OF = {kind: offset for offset, kind in REMINDERS.items()}


def register_kinds() -> None:
    labels = {
        CONFIRMED: _("Your webinar registration is confirmed (with the calendar invitation)"),
        WAITLISTED: _("You are on a webinar's waiting list"),
        PROMOTED: _("A seat frees up for you at a webinar"),
        RESCHEDULED: _("A webinar you registered for changes time"),
        CANCELLED: _("A webinar you registered for is cancelled"),
        WITHDRAWN: _("You cancel your own webinar registration"),
        REMINDERS["24h"]: _("Reminders 24 hours before your webinars"),
        REMINDERS["1h"]: _("Reminders 1 hour before your webinars"),
    }
    for key, label in labels.items():
        register_kind(
            key,
            label=label,
            default=Frequency.IMMEDIATELY,
            template=TEMPLATE,
            digest=False,
            prepare=prepare,
        )


def _payload(webinar: Webinar) -> dict:
    return {"title": webinar.title, "url": webinar.get_absolute_url()}


def notify_withdrawal(registration: Registration, *, had_seat: bool, now: datetime | None = None):
    """Confirm to a member that their registration is cancelled, as they asked. Whoever
    had a seat (and so the invitation) gets the file that removes it from the calendar."""
    notify_registrants(
        webinar=registration.webinar,
        users=[registration.user],
        kind=WITHDRAWN,
        now=now,
        extra={"had_seat": had_seat},
    )


def notify_registration(registration: Registration, *, now: datetime | None = None) -> None:
    """Tell one member where their registration stands: confirmed or waiting list."""
    kind = CONFIRMED if registration.is_confirmed else WAITLISTED
    notify_registrants(webinar=registration.webinar, users=[registration.user], kind=kind, now=now)


def notify_registrants(
    *,
    webinar: Webinar,
    users: Iterable,
    kind: str,
    now: datetime | None = None,
    extra: dict | None = None,
) -> None:
    """One notification of ``kind`` to each of ``users`` about ``webinar`` (constant queries);
    ``extra``: more for the payload, for the e-mail built at send time."""
    payload = {**_payload(webinar), **(extra or {})}
    notify_many(recipients=users, kind=kind, target=webinar, payload=payload, now=now)


# --- At send time ---------------------------------------------------------------------


def _still_due(kind: str, registration: Registration, webinar: Webinar, now: datetime) -> bool:
    state = webinar.current_status(now)
    if kind == CANCELLED:
        return webinar.status == Webinar.Status.CANCELLED
    if kind == WITHDRAWN:  # not if the member has registered again since
        return registration.status == Registration.Status.CANCELLED
    if state in (Webinar.Status.CANCELLED, Webinar.Status.FINISHED):
        return False
    if kind in (CONFIRMED, PROMOTED):
        return registration.is_confirmed
    if kind == WAITLISTED:
        return registration.status == Registration.Status.WAITLISTED
    if kind == RESCHEDULED:
        return registration.status != Registration.Status.CANCELLED
    # A reminder: for a seat, before the start, and not for a time moved later since (its
    # reminder row was reset and will be due again).
    offset = REMINDER_OFFSETS[_REMINDER_OFFSET_OF[kind]]
    return (
        registration.is_confirmed
        and state == Webinar.Status.SCHEDULED
        and webinar.starts_at - now <= offset
    )


def _extras(
    kind: str, registration: Registration, user, now: datetime, payload: dict
) -> EmailExtras | None:
    webinar = registration.webinar
    if not _still_due(kind, registration, webinar, now):
        return None
    has_seat = registration.is_confirmed and webinar.status != Webinar.Status.CANCELLED
    join_url = webinar.join_url if has_seat and kind != WAITLISTED else ""
    # A member without a time zone sees the host's time (labelled) and how to add theirs.
    member_zone = valid_time_zone(user.time_zone)
    attachments = []
    withdrawn = kind == WITHDRAWN and payload.get("had_seat")
    if kind == CANCELLED or withdrawn or (kind in _INVITING and has_seat):
        content, method = ics.invitation(
            webinar, attendee=user.email, join_url=join_url, cancel=bool(withdrawn)
        )
        attachments.append(
            Attachment(
                filename=f"{webinar.slug}.ics",
                content=content,
                mimetype=f"{CALENDAR_TYPE}; method={method}",
            )
        )
    context = {
        "webinar": webinar,
        "registration": registration,
        "join_url": join_url,
        "times": dual_times(webinar, member_zone or webinar.host_time_zone),
        "zone_known": member_zone is not None,
        "profile_url": settings.SITE_URL + reverse("accounts:profile"),
        "page_url": settings.SITE_URL + webinar.get_absolute_url(),
        "has_invitation": bool(attachments),
    }
    return EmailExtras(context=context, attachments=attachments)


def prepare(rows, *, now: datetime) -> dict[int, EmailExtras | None]:
    """The outbox's hook: context and the calendar file for each row, from the current state.

    One query for the whole batch: the recipients' registrations for these webinars."""
    webinar_ids = {int(row.object_id) for row in rows if row.object_id.isdigit()}
    registrations = {
        (registration.webinar_id, registration.user_id): registration
        for registration in Registration.objects.filter(
            webinar_id__in=webinar_ids, user_id__in={row.recipient_id for row in rows}
        ).select_related("webinar")
    }
    prepared = {}
    for row in rows:
        webinar_id = int(row.object_id) if row.object_id.isdigit() else None
        registration = registrations.get((webinar_id, row.recipient_id))
        prepared[row.pk] = (
            None
            if registration is None
            else _extras(row.kind, registration, row.recipient, now, row.payload or {})
        )
    return prepared
