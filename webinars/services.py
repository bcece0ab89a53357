"""Every write about webinars: registration, the waiting list, changes, reminders, feedback.

Seats are guarded by locking the webinar row (``select_for_update``) and counting the
confirmed registrations again inside the lock, so concurrent requests from any number of
processes never confirm more than the capacity. Every e-mail is a notification of the
outbox (``emails``), written in the transaction that makes the change; reminders are
rows, turned into notifications and marked in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import emails
from .models import (
    REMINDER_OFFSETS,
    CalendarToken,
    Feedback,
    Registration,
    Webinar,
    WebinarReminder,
)
from .permissions import can_organise, can_register

# Changing one of these moves or renames the event in calendars: SEQUENCE grows.
CALENDAR_FIELDS = frozenset({"title", "starts_at", "ends_at", "status", "host_organisation"})


class RegistrationRefused(ValidationError):
    """A registration or cancellation that the webinar's state does not allow; nothing changed."""

    def __init__(self, message: str, code: str):
        super().__init__(message, code=code)
        self.reason = code


# --- Registration -------------------------------------------------------------------


def _refuse_unless_open(webinar: Webinar, now: datetime) -> None:
    state = webinar.current_status(now)
    if state == Webinar.Status.CANCELLED:
        raise RegistrationRefused(_("This webinar has been cancelled."), "cancelled")
    if state == Webinar.Status.FINISHED:
        raise RegistrationRefused(_("This webinar has already taken place."), "finished")
    if state == Webinar.Status.LIVE:
        raise RegistrationRefused(
            _("This webinar has started; registration is closed."), "window_closed"
        )
    if webinar.registration_opens_at and now < webinar.registration_opens_at:
        raise RegistrationRefused(_("Registration has not opened yet."), "window_not_open")
    if now >= webinar.registration_closes():
        raise RegistrationRefused(_("Registration for this webinar has closed."), "window_closed")


def _schedule_reminders(registrations: Iterable[Registration], webinar: Webinar, now: datetime):
    """One row per reminder still ahead; a reminder already due is covered by the e-mail."""
    rows = [
        WebinarReminder(registration=registration, kind=kind, due_at=webinar.starts_at - offset)
        for registration in registrations
        for kind, offset in REMINDER_OFFSETS.items()
        if webinar.starts_at - offset > now
    ]
    if rows:
        WebinarReminder.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["registration", "kind"],
            update_fields=["due_at"],
        )


def webinar_register(*, webinar: Webinar, user, now: datetime | None = None) -> Registration:
    """Register ``user``: a confirmed seat while any is free, otherwise the waiting list.

    Raises PermissionDenied for a visitor or unverified member, RegistrationRefused when
    the webinar is not open or the member is already registered; nothing is written then.
    """
    now = now or timezone.now()
    if not can_register(user):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    with transaction.atomic():
        # The lock is held until commit: keep the work inside it to a few statements.
        webinar = Webinar.objects.select_for_update(no_key=True).get(pk=webinar.pk)
        _refuse_unless_open(webinar, now)
        state = Registration.objects.filter(webinar=webinar).aggregate(
            confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
            mine=Max("pk", filter=Q(user=user)),
            mine_status=Max("status", filter=Q(user=user)),
        )
        registration = None
        if state["mine"] is not None:
            if state["mine_status"] != Registration.Status.CANCELLED:
                if state["mine_status"] == Registration.Status.CONFIRMED:
                    raise RegistrationRefused(
                        _("You are already registered for this webinar."), "already_registered"
                    )
                raise RegistrationRefused(
                    _("You are already on the waiting list for this webinar."),
                    "already_registered",
                )
            registration = Registration.objects.get(pk=state["mine"])
        has_seat = webinar.capacity is None or state["confirmed"] < webinar.capacity
        registration = registration or Registration(webinar=webinar, user=user)
        registration.status = (
            Registration.Status.CONFIRMED if has_seat else Registration.Status.WAITLISTED
        )
        registration.queued_at = now
        registration.confirmed_at = now if has_seat else None
        registration.cancelled_at = None
        registration.attended = None
        # The foreign keys were just read; the unique constraint is the database's to enforce.
        registration.full_clean(
            exclude=["webinar", "user"], validate_unique=False, validate_constraints=False
        )
        registration.save()
        if has_seat:
            _schedule_reminders([registration], webinar, now)
        registration.webinar, registration.user = webinar, user
        emails.notify_registration(registration, now=now)
    return registration


def _promote_waitlisted(webinar: Webinar, now: datetime) -> list[Registration]:
    """Fill free seats from the waiting list, earliest first. The webinar row must be locked."""
    if webinar.current_status(now) != Webinar.Status.SCHEDULED:
        return []
    waiting = Registration.objects.waitlisted().filter(webinar=webinar)
    if webinar.capacity is not None:
        confirmed = Registration.objects.confirmed().filter(webinar=webinar).count()
        free = webinar.capacity - confirmed
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting.select_related("user").select_for_update(of=("self",)))
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = now
    if promoted:
        Registration.objects.bulk_update(promoted, ["status", "confirmed_at"])
        _schedule_reminders(promoted, webinar, now)
        emails.notify_registrants(
            webinar=webinar,
            users=[registration.user for registration in promoted],
            kind=emails.PROMOTED,
            now=now,
        )
    return promoted


def registration_cancel(*, webinar: Webinar, user, now: datetime | None = None) -> Registration:
    """Cancel ``user``'s registration; a freed seat goes to the first on the waiting list."""
    now = now or timezone.now()
    if not can_register(user):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    with transaction.atomic():
        webinar = Webinar.objects.select_for_update(no_key=True).get(pk=webinar.pk)
        registration = (
            Registration.objects.select_for_update()
            .filter(webinar=webinar, user=user)
            .exclude(status=Registration.Status.CANCELLED)
            .first()
        )
        if registration is None:
            raise RegistrationRefused(
                _("You are not registered for this webinar."), "not_registered"
            )
        state = webinar.current_status(now)
        if state in (Webinar.Status.LIVE, Webinar.Status.FINISHED):
            raise RegistrationRefused(
                _("This webinar has already started; there is nothing to cancel."), "started"
            )
        was_confirmed = registration.is_confirmed
        registration.status = Registration.Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        registration.reminders.filter(sent_at__isnull=True).delete()
        emails.notify_withdrawal(registration, had_seat=was_confirmed, now=now)
        if was_confirmed:
            _promote_waitlisted(webinar, now)
    return registration


# --- Organisers -------------------------------------------------------------------------


def _require_organiser(actor, webinar: Webinar) -> None:
    if actor is not None and not can_organise(actor, webinar):
        raise PermissionDenied(_("Only the webinar's organisers can do that."))


def webinar_save(
    *,
    webinar: Webinar,
    changed_fields: Iterable[str],
    actor=None,
    now: datetime | None = None,
) -> Webinar:
    """Save an edited webinar (admin, organisers): bump SEQUENCE, move reminders, tell people.

    Active registrants (confirmed and waiting) are told, in the same transaction, about a
    new time (or a cancelled webinar being scheduled again) and about a cancellation.
    ``actor`` None means the system (demo data, commands).
    """
    now = now or timezone.now()
    changed = set(changed_fields)
    is_new = webinar.pk is None
    if not is_new:
        _require_organiser(actor, webinar)
    webinar.full_clean()
    with transaction.atomic():
        if is_new:
            webinar.save()
            return webinar
        previous = Webinar.objects.select_for_update().get(pk=webinar.pk)
        changed = {
            name
            for name in changed
            if getattr(previous, name, None) != getattr(webinar, name, None)
        }
        calendar_change = bool(changed & CALENDAR_FIELDS)
        webinar.sequence = previous.sequence + (1 if calendar_change else 0)
        webinar.save()
        if "starts_at" in changed:
            _reschedule_reminders(webinar, now)
        if "capacity" in changed or "status" in changed:
            _promote_waitlisted(webinar, now)
        kind = _change_kind(previous, webinar, changed)
        if kind:
            registrants = get_user_model().objects.filter(
                webinar_registrations__in=Registration.objects.active().filter(webinar=webinar)
            )
            emails.notify_registrants(webinar=webinar, users=registrants, kind=kind, now=now)
    return webinar


def _change_kind(previous: Webinar, webinar: Webinar, changed: set[str]) -> str | None:
    """What registrants must hear about this change, if anything."""
    if "status" in changed and webinar.status == Webinar.Status.CANCELLED:
        return emails.CANCELLED
    if webinar.status != Webinar.Status.SCHEDULED:
        return None  # live, finished, or still cancelled: nothing to tell
    reinstated = "status" in changed and previous.status == Webinar.Status.CANCELLED
    if reinstated or changed & {"starts_at", "ends_at"}:
        return emails.RESCHEDULED
    return None


def _reschedule_reminders(webinar: Webinar, now: datetime) -> None:
    """After a time change: move every reminder; one whose new time is ahead is sent again."""
    reminders = list(
        WebinarReminder.objects.filter(
            registration__webinar=webinar,
            registration__status=Registration.Status.CONFIRMED,
        ).select_for_update()
    )
    for reminder in reminders:
        reminder.due_at = webinar.starts_at - REMINDER_OFFSETS[reminder.kind]
        if reminder.due_at > now:
            reminder.sent_at = None
            reminder.skipped = False
    WebinarReminder.objects.bulk_update(reminders, ["due_at", "sent_at", "skipped"])
    confirmed = list(Registration.objects.confirmed().filter(webinar=webinar))
    _schedule_missing_reminders(confirmed, webinar, now)


def _schedule_missing_reminders(registrations, webinar: Webinar, now: datetime) -> None:
    rows = [
        WebinarReminder(registration=registration, kind=kind, due_at=webinar.starts_at - offset)
        for registration in registrations
        for kind, offset in REMINDER_OFFSETS.items()
        if webinar.starts_at - offset > now
    ]
    WebinarReminder.objects.bulk_create(rows, ignore_conflicts=True)


def webinar_reschedule(
    *, webinar: Webinar, starts_at: datetime, ends_at: datetime, actor=None, now=None
) -> Webinar:
    webinar.starts_at, webinar.ends_at = starts_at, ends_at
    return webinar_save(
        webinar=webinar, changed_fields=["starts_at", "ends_at"], actor=actor, now=now
    )


def webinar_cancel(*, webinar: Webinar, actor=None, now=None) -> Webinar:
    webinar.status = Webinar.Status.CANCELLED
    return webinar_save(webinar=webinar, changed_fields=["status"], actor=actor, now=now)


def attendance_mark(
    *, webinar: Webinar, actor, attended_ids: Iterable[int], now: datetime | None = None
) -> int:
    """Mark who attended among the confirmed registrants (the others as absent)."""
    now = now or timezone.now()
    _require_organiser(actor, webinar)
    if now < webinar.starts_at:
        raise ValidationError(_("Attendance can be marked once the webinar has started."))
    attended = {int(pk) for pk in attended_ids}
    with transaction.atomic():
        confirmed = Registration.objects.confirmed().filter(webinar=webinar)
        unknown = attended - set(confirmed.values_list("pk", flat=True))
        if unknown:
            raise ValidationError(_("Only confirmed registrants can be marked as attending."))
        confirmed.filter(pk__in=attended).update(attended=True)
        confirmed.exclude(pk__in=attended).update(attended=False)
    return len(attended)


def feedback_submit(
    *, webinar: Webinar, user, rating: int, comment: str = "", now: datetime | None = None
) -> Feedback:
    """A confirmed registrant rates the webinar after it took place; a second time updates."""
    from .permissions import can_leave_feedback

    now = now or timezone.now()
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update().filter(webinar=webinar, user=user).first()
        )
        if not can_register(user) or not can_leave_feedback(registration, webinar, now=now):
            raise PermissionDenied(
                _("Only confirmed registrants can leave feedback, after the webinar.")
            )
        feedback = Feedback.objects.filter(registration=registration).first() or Feedback(
            registration=registration
        )
        feedback.rating, feedback.comment = rating, comment
        feedback.full_clean(validate_unique=False)
        feedback.save()
    return feedback


# --- Calendar feed ------------------------------------------------------------------------


def calendar_token_get_or_create(*, user) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(user=user)
    return token


@transaction.atomic
def calendar_token_regenerate(*, user) -> CalendarToken:
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)


# --- Reminders (called by the beat task) ------------------------------------------------


def reminders_notify_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Turn every reminder that is due into an outbox notification, each exactly once.

    Batch by batch, the due reminder rows are claimed with ``SELECT … FOR UPDATE SKIP
    LOCKED``; in the same transaction the notifications are written (one ``notify_many``
    per webinar and kind) and the rows marked sent. So a re-run, a restart or a second
    worker never makes a second notification, and a rollback leaves the rows due; the
    outbox then delivers each notification. When both reminders are due (the scheduler
    was down), only the one-hour one is sent and the other is marked skipped.
    Returns the number of reminders notified.
    """
    now = now or timezone.now()
    total = 0
    while True:
        claimed, notified = _reminders_notify_batch(now=now, batch_size=batch_size)
        total += notified
        if claimed < batch_size:
            return total


def _reminders_notify_batch(*, now: datetime, batch_size: int) -> tuple[int, int]:
    with transaction.atomic():
        reminders = list(
            WebinarReminder.objects.due(now=now)
            .select_related("registration__user", "registration__webinar")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("due_at", "pk")[:batch_size]
        )
        groups: dict[tuple[int, str], list[WebinarReminder]] = defaultdict(list)
        skipped: list[int] = []
        for reminder in reminders:
            starts_at = reminder.registration.webinar.starts_at
            later_due = reminder.kind == WebinarReminder.Kind.DAY_BEFORE and now >= (
                starts_at - REMINDER_OFFSETS["1h"]
            )
            if later_due:
                skipped.append(reminder.pk)
            else:
                groups[(reminder.registration.webinar_id, reminder.kind)].append(reminder)
        notified: list[int] = []
        for (_webinar_id, kind), group in groups.items():
            emails.notify_registrants(
                webinar=group[0].registration.webinar,
                users=[reminder.registration.user for reminder in group],
                kind=emails.REMINDERS[kind],
                now=now,
            )
            notified.extend(reminder.pk for reminder in group)
        if notified:
            WebinarReminder.objects.filter(pk__in=notified).update(sent_at=now)
        if skipped:
            WebinarReminder.objects.filter(pk__in=skipped).update(sent_at=now, skipped=True)
    return len(reminders), len(notified)
