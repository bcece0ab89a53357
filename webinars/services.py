"""Every write about webinars: registration, the waiting list, changes, reminders, feedback.

Seats are guarded by locking the webinar row (``select_for_update``) and counting the
confirmed registrations again inside the lock, so concurrent requests from any number of
processes never confirm more than the capacity. E-mails are enqueued with
``transaction.on_commit``; reminders are rows, sent and marked in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Max, Q
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

logger = logging.getLogger(__name__)

# Changing one of these moves or renames the event in calendars: SEQUENCE grows.
CALENDAR_FIELDS = frozenset({"title", "starts_at", "ends_at", "status", "host_organisation"})
SCHEDULE_FIELDS = frozenset({"starts_at", "ends_at", "status"})


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


def _notify_on_commit(registration_ids: list[int]) -> None:
    if not registration_ids:
        return
    from . import tasks

    def enqueue():
        for registration_id in registration_ids:
            tasks.send_registration_email.delay(registration_id)

    transaction.on_commit(enqueue)


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
        registration.notified_status = ""
        registration.notified_sequence = webinar.sequence
        # The foreign keys were just read; the unique constraint is the database's to enforce.
        registration.full_clean(
            exclude=["webinar", "user"], validate_unique=False, validate_constraints=False
        )
        registration.save()
        if has_seat:
            _schedule_reminders([registration], webinar, now)
        _notify_on_commit([registration.pk])
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
    promoted = list(waiting.select_for_update())
    for registration in promoted:
        registration.status = Registration.Status.CONFIRMED
        registration.confirmed_at = now
    if promoted:
        Registration.objects.bulk_update(promoted, ["status", "confirmed_at"])
        _schedule_reminders(promoted, webinar, now)
        _notify_on_commit([registration.pk for registration in promoted])
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
        registration.notified_status = Registration.Status.CANCELLED
        registration.save(update_fields=["status", "cancelled_at", "notified_status"])
        registration.reminders.filter(sent_at__isnull=True).delete()
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
        if calendar_change and (changed & SCHEDULE_FIELDS):
            webinar_id = webinar.pk
            from . import tasks

            transaction.on_commit(lambda: tasks.notify_webinar_change.delay(webinar_id))
    return webinar


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


# --- Delivery (called by tasks) --------------------------------------------------------


def registration_notify(*, registration_id: int) -> bool:
    """Tell a member their registration's state (confirmed, waiting list, promoted) once."""
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("webinar", "user")
            .filter(pk=registration_id)
            .first()
        )
        if registration is None or registration.status == Registration.Status.CANCELLED:
            return False
        if registration.notified_status == registration.status:
            return False
        if registration.is_confirmed:
            # Promoted from the waiting list: confirmed later than registered.
            promoted = registration.confirmed_at != registration.queued_at
            kind = "promoted" if promoted else "confirmed"
        else:
            kind = "waitlisted"
        emails.send([emails.registration_message(registration, kind)])
        registration.notified_status = registration.status
        registration.notified_sequence = registration.webinar.sequence
        registration.save(update_fields=["notified_status", "notified_sequence"])
    return True


def webinar_change_notify(*, webinar_id: int) -> int:
    """Tell every active registrant about a new time or a cancellation, once per change."""
    webinar = Webinar.objects.filter(pk=webinar_id).first()
    if webinar is None:
        return 0
    delivered: list[int] = []
    failure: Exception | None = None
    with transaction.atomic():
        registrations = list(
            Registration.objects.active()
            .filter(webinar=webinar, notified_sequence__lt=webinar.sequence)
            .select_related("user")
            .select_for_update(of=("self",), skip_locked=True)
        )
        try:
            with emails.connection() as connection:
                for registration in registrations:
                    registration.webinar = webinar
                    connection.send_messages([emails.change_message(registration)])
                    delivered.append(registration.pk)
        except Exception as exc:  # noqa: BLE001 - keep what was delivered, then retry
            failure = exc
        Registration.objects.filter(pk__in=delivered).update(notified_sequence=webinar.sequence)
    if failure is not None:
        raise failure
    return len(delivered)


def reminders_send_due(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Send every reminder that is due, each exactly once.

    The reminder rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` and marked sent
    in the same transaction, so two workers (or a re-run) never send one twice. If the mail
    server fails half-way, the ones already delivered are still marked and the error is
    raised for the task to retry.
    """
    now = now or timezone.now()
    delivered: list[int] = []
    skipped: list[int] = []
    failure: Exception | None = None
    with transaction.atomic():
        reminders = list(
            WebinarReminder.objects.due(now=now)
            .select_related("registration__user", "registration__webinar")
            .select_for_update(of=("self",), skip_locked=True)
            .order_by("due_at", "pk")[:batch_size]
        )
        to_send = []
        for reminder in reminders:
            starts_at = reminder.registration.webinar.starts_at
            later_due = reminder.kind == WebinarReminder.Kind.DAY_BEFORE and now >= (
                starts_at - REMINDER_OFFSETS["1h"]
            )
            (skipped if later_due else to_send).append(reminder if not later_due else reminder.pk)
        try:
            if to_send:
                with emails.connection() as connection:
                    for reminder in to_send:
                        connection.send_messages([emails.reminder_message(reminder)])
                        delivered.append(reminder.pk)
        except Exception as exc:  # noqa: BLE001 - keep what was delivered, then retry
            failure = exc
            logger.warning("Reminder delivery stopped after %d: %s", len(delivered), exc)
        if delivered:
            WebinarReminder.objects.filter(pk__in=delivered).update(sent_at=now)
        if skipped:
            WebinarReminder.objects.filter(pk__in=skipped).update(sent_at=now, skipped=True)
    if failure is not None:
        raise failure
    return len(delivered)


def registrations_pending_notification(
    *, now: datetime | None = None, grace: timedelta = timedelta(minutes=2), limit: int = 1000
) -> list[int]:
    """Active registrations whose member has not yet been told their state."""
    now = now or timezone.now()
    return list(
        Registration.objects.active()
        .exclude(notified_status=F("status"))
        .filter(webinar__starts_at__gt=now, queued_at__lt=now - grace)
        .values_list("pk", flat=True)[:limit]
    )
