"""Every write of the notifications app: the outbox, delivery, read marks, preferences, digests.

Other apps call ``notify`` (one member) or ``notify_many`` (a fan-out) inside their own
transaction; see the package docstring (``notifications/__init__.py``) for the API.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.db import connection, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .kinds import DIGEST_FREQUENCIES, Frequency, get_kind
from .models import (
    AccountEmail,
    Digest,
    EmailState,
    Notification,
    Outgoing,
    Preference,
    Suppression,
)
from .tokens import DIGEST_PREFIX, InvalidToken, read_token

logger = logging.getLogger(__name__)

# The wait after each failed attempt (the n-th failure waits BACKOFF_SECONDS[n-1], the last
# value repeating). The early retries are short, so that a brief outage of the mail server
# costs seconds, not minutes; with NOTIFICATIONS_MAX_ATTEMPTS = 13 the last attempt comes
# 27.9 hours after the first, so an outage of hours never makes a message fail.
BACKOFF_SECONDS = (15, 30, 60, 120, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200)
# A retry due within this many seconds is queued by the delivery task for its own
# ``next_attempt_at``; a later one is left to the sweep. (Redis hands an unacknowledged
# task to another worker after its visibility timeout, an hour: a countdown longer than
# that would be delivered again and again.)
EXPLICIT_RETRY_LIMIT = 900
# Queued a little after the row is due, so the task never arrives just before it.
RETRY_MARGIN_SECONDS = 1


def _setting(name: str, default):
    return getattr(settings, name, default)


def batch_size() -> int:
    return _setting("NOTIFICATIONS_BATCH_SIZE", 100)


def claim_lease() -> timedelta:
    return timedelta(seconds=_setting("NOTIFICATIONS_CLAIM_LEASE", 300))


def sweep_after() -> timedelta:
    return timedelta(seconds=_setting("NOTIFICATIONS_SWEEP_AFTER", 120))


def max_attempts() -> int:
    return _setting("NOTIFICATIONS_MAX_ATTEMPTS", 13)


# --- Preferences ----------------------------------------------------------------------


def frequencies_for(*, user_ids: Iterable[int], kinds: Iterable[str]) -> dict[tuple[int, str], str]:
    """Each member's current frequency for each kind, defaults included (one query).

    A kind without digests (``digest=False``) is never answered with a digest frequency."""
    user_ids, kinds = list(user_ids), list(kinds)
    chosen = {
        (user_id, kind): frequency
        for user_id, kind, frequency in Preference.objects.filter(
            user_id__in=user_ids, kind__in=kinds
        ).values_list("user_id", "kind", "frequency")
    }
    defaults = {kind: _default_frequency(kind) for kind in kinds}
    return {
        (user_id, kind): _effective(kind, chosen.get((user_id, kind), defaults[kind]))
        for user_id in user_ids
        for kind in kinds
    }


def _default_frequency(kind: str) -> str:
    try:
        return get_kind(kind).default
    except LookupError:
        return Frequency.IMMEDIATELY


def _effective(kind: str, frequency: str) -> str:
    try:
        return get_kind(kind).effective(frequency)
    except LookupError:
        return frequency


@transaction.atomic
def preferences_update(*, user, choices: dict[str, str]) -> None:
    """Save the member's frequency per kind. Unknown kinds or values raise ValidationError."""
    errors = {}
    for kind, frequency in choices.items():
        try:
            declared = get_kind(kind)
        except LookupError:
            errors[kind] = _("Unknown kind of notification.")
            continue
        if frequency not in Frequency.values:
            errors[kind] = _("Choose one of the offered options.")
        elif frequency not in declared.frequencies:
            errors[kind] = _("These e-mails are sent at once or not at all, never in a digest.")
    if errors:
        raise ValidationError(errors)
    for kind, frequency in choices.items():
        Preference.objects.update_or_create(user=user, kind=kind, defaults={"frequency": frequency})


# --- The outbox -------------------------------------------------------------------------


def notify(
    *,
    recipient,
    kind: str,
    target: models.Model | None = None,
    payload: dict | None = None,
    now: datetime | None = None,
) -> Notification:
    """Record a notification for one member in the caller's transaction; deliver after commit."""
    return notify_many(recipients=[recipient], kind=kind, target=target, payload=payload, now=now)[
        0
    ]


def notify_many(
    *,
    recipients: Iterable,
    kind: str,
    target: models.Model | None = None,
    payload: dict | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Record the same notification for many members (one row each) and deliver after commit.

    Runs a constant number of queries whatever the number of members. Inactive members
    are skipped. E-mail goes only to a verified, non-suppressed address, and as the
    member's preference for ``kind`` says: now, in a digest, or not at all.
    """
    get_kind(kind)  # raises UnknownKind before anything is written
    now = now or timezone.now()
    payload = dict(payload or {})
    recipients = [user for user in recipients if user.is_active]
    if not recipients:
        return []
    with transaction.atomic():
        user_ids = [user.pk for user in recipients]
        frequencies = frequencies_for(user_ids=user_ids, kinds=[kind])
        mailable = _mailable_user_ids(recipients)
        content_type = ContentType.objects.get_for_model(target) if target is not None else None
        rows = []
        for user in recipients:
            frequency = frequencies[(user.pk, kind)]
            if user.pk not in mailable or frequency == Frequency.OFF:
                state = EmailState.NONE
            elif frequency in DIGEST_FREQUENCIES:
                state = EmailState.DIGEST
            else:
                state = EmailState.PENDING
            rows.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    content_type=content_type,
                    object_id=str(target.pk) if target is not None else "",
                    payload=payload,
                    created=now,
                    channel=frequency,
                    email_state=state,
                    next_attempt_at=now,
                )
            )
        created = Notification.objects.bulk_create(rows)
        due = [row.pk for row in created if row.email_state == EmailState.PENDING]
        if due:
            transaction.on_commit(partial(enqueue_email_delivery, due), robust=True)
    return created


def _mailable_user_ids(users: list) -> set[int]:
    """Members whose own address is verified and not suppressed."""
    by_id = {user.pk: user.email.lower() for user in users}
    verified = {
        (user_id, email.lower())
        for user_id, email in EmailAddress.objects.filter(
            user_id__in=by_id, verified=True
        ).values_list("user_id", "email")
    }
    suppressed = set(
        Suppression.objects.filter(email__in=set(by_id.values())).values_list("email", flat=True)
    )
    return {
        user_id
        for user_id, email in by_id.items()
        if (user_id, email) in verified and email not in suppressed
    }


def enqueue_email_delivery(ids: list[int], *, countdown: float | None = None) -> bool:
    """Queue delivery tasks in batches. A broker that is down is logged, not raised:
    the rows stay pending and ``outbox_sweep`` queues them again later."""
    from .tasks import deliver_emails

    return _enqueue(deliver_emails, ids, countdown=countdown)


def _enqueue(
    task, ids: list[int], *, countdown: float | None = None, queue: str | None = None
) -> bool:
    size = batch_size()
    options = {"queue": queue} if queue else {}
    try:
        for start in range(0, len(ids), size):
            task.apply_async(
                args=[ids[start : start + size]], countdown=countdown, retry=False, **options
            )
    except Exception:  # noqa: BLE001 - any broker failure: the sweep recovers
        logger.warning(
            "could not queue %s for %d row(s); the sweep will", task.name, len(ids), exc_info=True
        )
        return False
    return True


# --- In-app -----------------------------------------------------------------------------


def notification_mark_read(
    *, user, notification_id: int, now: datetime | None = None
) -> Notification:
    """Mark one of the member's notifications read. Another member's raises DoesNotExist."""
    notification = Notification.objects.get(pk=notification_id, recipient=user)
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user, now: datetime | None = None) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=now or timezone.now()
    )


# --- Unsubscribe ------------------------------------------------------------------------


@dataclass
class Unsubscribed:
    user: object
    kinds: list[str]


class TokenUsed(Exception):
    pass


def unsubscribe_token_check(*, token: str):
    """The member and the token's data, or InvalidToken/TokenUsed. Changes nothing."""
    from accounts.models import User

    data = read_token(token)
    user = User.objects.filter(pk=data.user_id, is_active=True).first()
    if user is None:
        raise InvalidToken
    if not data.is_digest:
        try:
            get_kind(data.kind)
        except LookupError:
            raise InvalidToken from None
    elif data.kind.removeprefix(DIGEST_PREFIX) not in DIGEST_FREQUENCIES:
        raise InvalidToken
    current = (
        Preference.objects.filter(user=user, kind=data.kind)
        .values_list("token_version", flat=True)
        .first()
    ) or 0
    if current != data.version:
        raise TokenUsed
    return user, data


@transaction.atomic
def unsubscribe(*, token: str) -> Unsubscribed:
    """Turn off e-mail for the token's kind (or every kind of the token's digest), once."""
    user, data = unsubscribe_token_check(token=token)
    marker, _created = Preference.objects.select_for_update().get_or_create(
        user=user, kind=data.kind, defaults={"frequency": Frequency.OFF}
    )
    if marker.token_version != data.version:
        raise TokenUsed  # a concurrent click won the race
    marker.token_version = F("token_version") + 1
    marker.frequency = Frequency.OFF
    marker.save(update_fields=["token_version", "frequency", "updated"])
    kinds = [data.kind]
    if data.is_digest:
        from .kinds import all_kinds

        frequency = data.kind.removeprefix(DIGEST_PREFIX)
        current = frequencies_for(user_ids=[user.pk], kinds=[k.key for k in all_kinds()])
        kinds = [kind for (_uid, kind), value in current.items() if value == frequency]
        for kind in kinds:
            Preference.objects.update_or_create(
                user=user, kind=kind, defaults={"frequency": Frequency.OFF}
            )
    # Nothing more of these kinds by e-mail, including what is already waiting.
    Notification.objects.filter(
        recipient=user,
        kind__in=kinds,
        email_state__in=[EmailState.PENDING, EmailState.DIGEST],
    ).update(email_state=EmailState.NONE)
    return Unsubscribed(user=user, kinds=kinds)


# --- Delivery ---------------------------------------------------------------------------

# What a failed SMTP exchange means for the message and the address.
TEMPORARY, PERMANENT, PERMANENT_ADDRESS, CONNECTION = (
    "temporary",
    "permanent",
    "address",
    "connection",
)


def classify_smtp_error(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return PERMANENT_ADDRESS if codes and all(code >= 500 for code in codes) else TEMPORARY
    if isinstance(error, smtplib.SMTPSenderRefused):
        return TEMPORARY  # our sender was refused: a configuration problem, not the member's
    if isinstance(error, smtplib.SMTPResponseException):
        return PERMANENT if error.smtp_code >= 500 else TEMPORARY
    if isinstance(error, ValueError):
        return PERMANENT  # an address Django cannot put on the wire
    return CONNECTION  # disconnected, refused, timed out, TLS…


@dataclass
class DeliveryReport:
    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def _claim(model: type[Outgoing], ids: list[int], now: datetime) -> list[int]:
    """Take the due rows among ``ids`` that no other worker holds; skip the rest.

    The claim records the attempt for the whole batch (``sending``, ``attempts + 1``)
    before anything is sent; each row is then marked ``sent`` on its own."""
    with transaction.atomic():
        claimed = list(
            model.objects.select_for_update(skip_locked=True)
            .filter(pk__in=ids, email_state=EmailState.PENDING, next_attempt_at__lte=now)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if claimed:
            model.objects.filter(pk__in=claimed).update(
                email_state=EmailState.SENDING,
                claimed_at=now,
                attempted_at=now,
                attempts=F("attempts") + 1,
            )
    return claimed


def _transition(model, pk: int, *, claimed_at: datetime, source: str, **changes) -> bool:
    """Move one row on, only if it is still ours (same claim) and in ``source`` state."""
    return bool(
        model.objects.filter(pk=pk, email_state=source, claimed_at=claimed_at).update(**changes)
    )


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1])


def _deliver(
    model: type[Outgoing],
    ids: list[int],
    build: Callable[[list], dict[int, object]],
    *,
    now: datetime | None = None,
) -> DeliveryReport:
    """Claim (recording the attempt), then for each row: hand the message over, mark it sent.

    One SMTP connection for the whole batch. ``build`` returns {pk: EmailMessage or None}
    for the claimed rows (None: no e-mail is due any more).
    """
    report = DeliveryReport()
    now = now or timezone.now()
    claimed_at = now
    claimed = _claim(model, ids, now)
    if not claimed:
        return report
    started = time.monotonic()

    def clock() -> datetime:
        """``now`` moved on by the time spent since the claim (a test's ``now`` stays its own)."""
        return now + timedelta(seconds=time.monotonic() - started)

    rows = list(model.objects.filter(pk__in=claimed).select_related("recipient").order_by("pk"))
    messages = build(rows)
    deadline = time.monotonic() + claim_lease().total_seconds() / 2
    backend = mailers.default
    connected = False
    _fast_commits(True)
    try:
        for index, row in enumerate(rows):
            message = messages.get(row.pk)
            if message is None:
                _transition(
                    model,
                    row.pk,
                    claimed_at=claimed_at,
                    source=EmailState.SENDING,
                    email_state=EmailState.NONE,
                    attempts=F("attempts") - 1,
                )
                report.skipped.append(row.pk)
                continue
            if time.monotonic() > deadline:
                _release(
                    model,
                    rows[index:],
                    claimed_at=claimed_at,
                    at=clock(),
                    delay=timedelta(0),
                    report=report,
                )
                break
            marked: list[bool] = []
            mark_sent = partial(_mark_sent, model, row.pk, claimed_at, marked)
            try:
                if not connected:
                    backend.open()
                    connected = True
                hand_over(backend, message, mark_sent)
                if not marked:
                    mark_sent()
            except (smtplib.SMTPException, OSError, ValueError) as error:
                if marked:  # refused after the end of data: it was not delivered after all
                    _transition(
                        model,
                        row.pk,
                        claimed_at=claimed_at,
                        source=EmailState.SENT,
                        email_state=EmailState.SENDING,
                        sent_at=None,
                    )
                outcome = classify_smtp_error(error)
                _record_failure(
                    model, row, error, outcome, claimed_at=claimed_at, at=clock(), report=report
                )
                if outcome == CONNECTION:
                    backend.close()
                    connected = False
                    _postpone(
                        model,
                        rows[index + 1 :],
                        error,
                        claimed_at=claimed_at,
                        at=clock(),
                        report=report,
                    )
                    break
                continue
            if marked[0]:
                report.sent.append(row.pk)
    finally:
        _fast_commits(False)
        backend.close()
    if report.sent:
        _server_reachable(now=clock())
    return report


def _fast_commits(on: bool) -> None:
    """Per-message state changes commit without waiting for the disk (``synchronous_commit
    off``): a worker that dies loses nothing, since PostgreSQL already has the change; only a
    crash of PostgreSQL itself within ~0.6 s could forget a mark, which can lead to a resend
    with the same Message-ID, never to a loss. The claim is committed normally."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off" if on else "RESET synchronous_commit")


def _mark_sent(model, pk: int, claimed_at: datetime, marked: list[bool]) -> None:
    marked.append(
        _transition(
            model,
            pk,
            claimed_at=claimed_at,
            source=EmailState.SENDING,
            email_state=EmailState.SENT,
            sent_at=timezone.now(),
            last_error="",
        )
    )


def hand_over(backend, message, data_sent: Callable[[], object]) -> None:
    """Give one message to the mail server, calling ``data_sent`` at the last moment.

    With Django's SMTP backend the SMTP transaction is driven here: MAIL, RCPT, DATA,
    the content and its final ``.``; *then* ``data_sent`` records the message sent, and
    only then is the server's reply read. A worker killed before the final ``.`` leaves a
    message the server discards (the row is still "sending" and is resent); killed after
    it, the row is already marked sent unless the kill fell within that one database
    round trip. Any other backend (console, in-memory) sends, then the caller marks.
    """
    from django.core.mail.backends.smtp import EmailBackend as SMTPBackend

    if not isinstance(backend, SMTPBackend) or backend.connection is None:
        backend.send_messages([message])
        return
    smtp = backend.connection
    sender = backend.prep_address(message.from_email)
    recipients = [backend.prep_address(address) for address in message.recipients()]
    data = message.message().as_bytes()
    smtp.ehlo_or_helo_if_needed()
    code, reply = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        raise smtplib.SMTPSenderRefused(code, reply, sender)
    refused = {}
    for recipient in recipients:
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = (code, reply)
    if len(refused) == len(recipients):
        smtp.rset()
        raise smtplib.SMTPRecipientsRefused(refused)
    smtp.putcmd("data")
    code, reply = smtp.getreply()
    if code != 354:
        smtp.rset()
        raise smtplib.SMTPDataError(code, reply)
    data = re.sub(rb"(?m)^\.", b"..", data)  # dot-stuffing (RFC 5321 4.5.2)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    smtp.send(data + b".\r\n")
    data_sent()
    code, reply = smtp.getreply()
    if code != 250:
        raise smtplib.SMTPDataError(code, reply)


def _release(
    model, rows, *, claimed_at, at: datetime, delay: timedelta, report: DeliveryReport
) -> None:
    """Give back claimed rows that were never handed over, due again after ``delay``."""
    pks = [row.pk for row in rows]
    model.objects.filter(pk__in=pks, email_state=EmailState.SENDING, claimed_at=claimed_at).update(
        email_state=EmailState.PENDING,
        next_attempt_at=at + delay,
        attempts=F("attempts") - 1,
    )
    report.retry.extend(pks)


# How the last error of a row that waits because the server could not be reached begins.
UNREACHABLE = "mail server unreachable: "
_UNREACHABLE_KEY = "notifications:mail-server-unreachable"


def _server_unreachable() -> None:
    """Remember (in the shared cache) that the mail server could not be reached."""
    from django.core.cache import cache

    cache.set(_UNREACHABLE_KEY, "1", timeout=None)


def _server_reachable(*, now: datetime) -> int:
    """The mail server took a message: if it had been unreachable, what waits for it is
    due now rather than at its backed-off time (after an outage of hours, a wait of
    hours), and is queued at once. One worker does it (whoever deletes the mark); the
    attempts already counted stay counted. Returns how many rows were brought forward."""
    from django.core.cache import cache

    if not cache.get(_UNREACHABLE_KEY) or not cache.delete(_UNREACHABLE_KEY):
        return 0  # never unreachable, or another worker is already at it (or no cache)
    moved = 0
    for model, task in _outbox_models():
        waiting = model.objects.filter(
            email_state=EmailState.PENDING,
            next_attempt_at__gt=now,
            last_error__startswith=UNREACHABLE,
        )
        pks = list(waiting.values_list("pk", flat=True))
        if pks:
            model.objects.filter(pk__in=pks, email_state=EmailState.PENDING).update(
                next_attempt_at=now
            )
            _enqueue(task, pks)
            moved += len(pks)
    if moved:
        logger.info("the mail server is back: %d waiting e-mail(s) queued now", moved)
    return moved


def _postpone(model, rows, error, *, claimed_at, at: datetime, report: DeliveryReport) -> None:
    """The server cannot be reached: the rest of the batch shares the failed row's fate.

    Each keeps the attempt its claim recorded and waits as its own attempt count says,
    so attempts are used at the pace of BACKOFF_SECONDS, never faster, however many
    batches meet the outage; the schedule outlasts an outage of hours. (A row marked
    failed here ran out of attempts exactly as if it had been tried.)"""
    text = f"{UNREACHABLE}not tried ({type(error).__name__}: {error})"[:500]
    by_attempts: dict[int, list[int]] = {}
    for row in rows:
        by_attempts.setdefault(row.attempts, []).append(row.pk)
    for attempts, pks in by_attempts.items():
        mine = model.objects.filter(
            pk__in=pks, email_state=EmailState.SENDING, claimed_at=claimed_at
        )
        if attempts >= max_attempts():
            mine.update(email_state=EmailState.FAILED, last_error=text)
            report.failed.extend(pks)
        else:
            mine.update(
                email_state=EmailState.PENDING,
                next_attempt_at=at + _backoff(attempts),
                last_error=text,
            )
            report.retry.extend(pks)


def _record_failure(
    model, row, error, outcome, *, claimed_at, at: datetime, report: DeliveryReport
) -> None:
    attempts = row.attempts  # loaded after the claim counted this attempt
    text = f"{type(error).__name__}: {error}"
    if outcome == CONNECTION:
        text = UNREACHABLE + text
        _server_unreachable()
    text = text[:500]
    if outcome == PERMANENT_ADDRESS:
        Suppression.objects.get_or_create(email=row.address.lower(), defaults={"reason": text})
    if outcome in (PERMANENT, PERMANENT_ADDRESS) or attempts >= max_attempts():
        _transition(
            model,
            row.pk,
            claimed_at=claimed_at,
            source=EmailState.SENDING,
            email_state=EmailState.FAILED,
            last_error=text,
        )
        report.failed.append(row.pk)
        logger.warning("%s %s failed for good: %s", model.__name__, row.pk, text)
    else:
        _transition(
            model,
            row.pk,
            claimed_at=claimed_at,
            source=EmailState.SENDING,
            email_state=EmailState.PENDING,
            last_error=text,
            next_attempt_at=at + _backoff(attempts),
        )
        report.retry.append(row.pk)
        logger.info("%s %s will be retried: %s", model.__name__, row.pk, text)


def emails_deliver(*, ids: list[int], now: datetime | None = None) -> DeliveryReport:
    """Send the immediate e-mails of these notifications (those still due)."""
    from .emails import build_notification_emails

    now = now or timezone.now()
    return _deliver(Notification, ids, partial(build_notification_emails, now=now), now=now)


def digests_deliver(*, ids: list[int], now: datetime | None = None) -> DeliveryReport:
    from .emails import build_digest_emails

    return _deliver(Digest, ids, build_digest_emails, now=now)


def account_emails_deliver(*, ids: list[int], now: datetime | None = None) -> DeliveryReport:
    """Send these account e-mails (those still due), then erase the bodies of those done."""
    from .emails import build_account_emails

    now = now or timezone.now()
    report = _deliver(AccountEmail, ids, partial(build_account_emails, now=now), now=now)
    done = report.sent + report.failed + report.skipped
    if done:
        _erase_account_emails(AccountEmail.objects.filter(pk__in=done))
    return report


def _erase_account_emails(queryset) -> int:
    """Forget the bodies (they hold a reset or verification link) of rows that are done."""
    return queryset.filter(
        email_state__in=[EmailState.SENT, EmailState.FAILED, EmailState.NONE]
    ).update(text="", html="")


def account_email_lifetime() -> timedelta:
    """How long an account e-mail is worth sending: as long as its links work."""
    from allauth.account import app_settings

    return max(
        timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        timedelta(days=app_settings.EMAIL_CONFIRMATION_EXPIRE_DAYS),
    )


def account_email_queue(
    *, message, template: str, language: str, user=None, now: datetime | None = None
) -> AccountEmail:
    """Put an account e-mail, already rendered (``message``: a Django EmailMessage), in
    the outbox in the caller's transaction; it is sent after commit, once.

    One row per recipient address of the message (allauth sends to one)."""
    now = now or timezone.now()
    text, html = message.body, ""
    if getattr(message, "content_subtype", "plain") == "html":
        text, html = "", message.body
    for content, mimetype in getattr(message, "alternatives", ()):
        if mimetype == "text/html":
            html = content
    rows = [
        AccountEmail(
            recipient=user if user is not None and user.pk else None,
            email=address,
            template=template[:200],
            language=language or "",
            from_email=str(message.from_email),
            subject=" ".join(str(message.subject).split()),
            text=text,
            html=html,
            headers={str(k): str(v) for k, v in (message.extra_headers or {}).items()},
            created=now,
            next_attempt_at=now,
            expires_at=now + account_email_lifetime(),
        )
        for address in message.to
    ]
    for row in rows:
        row.full_clean(exclude=["recipient"])
    with transaction.atomic():
        created = AccountEmail.objects.bulk_create(rows)
        transaction.on_commit(
            partial(enqueue_account_email_delivery, [row.pk for row in created]), robust=True
        )
    return created[0]


def enqueue_account_email_delivery(ids: list[int], *, countdown: float | None = None) -> bool:
    from .tasks import deliver_account_emails

    return _enqueue(deliver_account_emails, ids, countdown=countdown)


def retry_when_due(model: type[Outgoing], task, ids: list[int], *, queue: str | None = None) -> int:
    """Queue ``task`` again for the rows among ``ids`` that wait for another attempt,
    each group for its own ``next_attempt_at`` (on ``queue``: the one the failed task
    came from; None: the usual route). Waits longer than EXPLICIT_RETRY_LIMIT are left to
    the sweep. Returns how many rows were queued."""
    now = timezone.now()
    due: dict[datetime, list[int]] = {}
    for pk, at in model.objects.filter(pk__in=ids, email_state=EmailState.PENDING).values_list(
        "pk", "next_attempt_at"
    ):
        due.setdefault(at, []).append(pk)
    queued = 0
    for at, pks in sorted(due.items()):
        wait = (at - now).total_seconds()
        if wait > EXPLICIT_RETRY_LIMIT:
            continue
        countdown = max(wait, 0) + RETRY_MARGIN_SECONDS
        if _enqueue(task, sorted(pks), countdown=countdown, queue=queue):
            queued += len(pks)
    return queued


# --- Sweep ------------------------------------------------------------------------------


@dataclass
class SweepReport:
    in_doubt: int = 0
    queued: int = 0
    expired: int = 0
    erased: int = 0


def _outbox_models():
    from .tasks import deliver_account_emails, deliver_digests, deliver_emails

    return (
        (Notification, deliver_emails),
        (Digest, deliver_digests),
        (AccountEmail, deliver_account_emails),
    )


def mail_queue_backlog() -> int | None:
    """How many delivery tasks wait in the broker's ``mail`` queue (None: unknown)."""
    from .tasks import deliver_emails

    if deliver_emails.app.conf.task_always_eager:
        return 0  # tasks run where they are queued: there is no queue
    try:
        queue = deliver_emails.app.amqp.router.route({}, deliver_emails.name)["queue"].name
        with deliver_emails.app.connection_for_read() as conn:
            conn.ensure_connection(max_retries=1)
            return conn.default_channel.queue_declare(queue=queue, passive=True).message_count
    except Exception:  # noqa: BLE001 - broker down or queue not declared yet: unknown
        return None


def outbox_sweep(*, now: datetime | None = None, limit: int = 20_000) -> SweepReport:
    """Recover what a broker outage or a killed worker left behind, and queue it again.

    * claimed rows older than the lease that are not marked sent (the worker died) are
      sent again with the same Message-ID. Of those, only the one message that was in
      flight can have reached the server; the others never left. At least once, never
      lost: see the README on exactly-once;
    * rows pending for longer than ``NOTIFICATIONS_SWEEP_AFTER`` are queued again
      (retries due within EXPLICIT_RETRY_LIMIT are queued by the delivery task itself, for
      their own time; the sweep is the safety net, and the carrier of the longer waits).
      While the ``mail`` queue still holds more than a batch's worth of tasks per
      NOTIFICATIONS_BATCH_SIZE rows, the workers are behind, not idle: nothing is added,
      so a slow mail server never sees its queue flooded with copies;
    * account e-mails whose links have expired are given up, and the bodies of those that
      are done are erased.
    """
    now = now or timezone.now()
    report = SweepReport()
    backlog = None
    for model, task in _outbox_models():
        stale = now - claim_lease()
        in_doubt = model.objects.filter(email_state=EmailState.SENDING, claimed_at__lt=stale)
        exhausted = in_doubt.filter(attempts__gte=max_attempts()).update(
            email_state=EmailState.FAILED, last_error="no outcome recorded after the last attempt"
        )
        doubtful = in_doubt.update(email_state=EmailState.PENDING, next_attempt_at=now)
        if doubtful or exhausted:
            logger.warning(
                "%s: %d claimed row(s) of a dead worker will be sent again",
                model.__name__,
                doubtful,
            )
        report.in_doubt += doubtful
        if model is AccountEmail:
            report.expired += AccountEmail.objects.filter(
                email_state=EmailState.PENDING, expires_at__lte=now
            ).update(email_state=EmailState.FAILED, last_error="expired before it could be sent")
            report.erased += _erase_account_emails(AccountEmail.objects.exclude(text="", html=""))
        overdue = list(
            model.objects.filter(
                email_state=EmailState.PENDING, next_attempt_at__lte=now - sweep_after()
            )
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if overdue:
            if backlog is None:
                backlog = mail_queue_backlog() or 0
            if backlog * batch_size() >= len(overdue):
                logger.info(
                    "%s: %d overdue row(s) wait; %d task(s) still queued, none added",
                    model.__name__,
                    len(overdue),
                    backlog,
                )
                overdue = []
        # Rows just taken back from a dead worker are due now: queue them in any case.
        overdue += list(
            model.objects.filter(email_state=EmailState.PENDING, next_attempt_at=now)
            .exclude(pk__in=overdue)
            .values_list("pk", flat=True)[:limit]
        )
        if overdue and _enqueue(task, overdue):
            # Due again only after another NOTIFICATIONS_SWEEP_AFTER: a long queue is not
            # flooded with a copy of every waiting row on every sweep.
            model.objects.filter(pk__in=overdue, email_state=EmailState.PENDING).update(
                next_attempt_at=now
            )
            report.queued += len(overdue)
    return report


# --- Digests ----------------------------------------------------------------------------


def member_zone(user) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.time_zone) if user.time_zone else zoneinfo.ZoneInfo("UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def digest_period(*, user, frequency: str, now: datetime) -> str | None:
    """The period a digest run at ``now`` belongs to, or None when it is not yet time
    (before NOTIFICATIONS_DIGEST_HOUR in the member's time zone; weekly: from Monday)."""
    local = now.astimezone(member_zone(user))
    hour = _setting("NOTIFICATIONS_DIGEST_HOUR", 7)
    if frequency == Frequency.DAILY:
        return local.date().isoformat() if local.hour >= hour else None
    if local.weekday() == 0 and local.hour < hour:
        return None
    year, week, _day = local.isocalendar()
    return f"{year}-W{week:02d}"


def digest_build(*, user, frequency: str, now: datetime | None = None) -> Digest | None:
    """Gather the member's waiting notifications into this period's digest, once.

    Returns None when it is not yet time, when this period's digest already exists, or
    when nothing is waiting — so a second run sends nothing.
    """
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"not a digest frequency: {frequency!r}")
    now = now or timezone.now()
    period = digest_period(user=user, frequency=frequency, now=now)
    if period is None:
        return None
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(recipient=user, email_state=EmailState.DIGEST, created__lte=now)
            .values_list("pk", "kind")
        )
        if not waiting:
            return None
        current = frequencies_for(user_ids=[user.pk], kinds={kind for _pk, kind in waiting})
        include, drop = [], []
        for pk, kind in waiting:
            value = current[(user.pk, kind)]
            if value == frequency or value == Frequency.IMMEDIATELY:
                include.append(pk)
            elif value == Frequency.OFF:
                drop.append(pk)
        if drop:
            Notification.objects.filter(pk__in=drop).update(email_state=EmailState.NONE)
        if (
            not include
            or Digest.objects.filter(recipient=user, frequency=frequency, period=period).exists()
        ):
            return None
        if user.pk not in _mailable_user_ids([user]):
            Notification.objects.filter(pk__in=include).update(email_state=EmailState.NONE)
            return None
        digest = Digest.objects.create(
            recipient=user, frequency=frequency, period=period, created=now, next_attempt_at=now
        )
        Notification.objects.filter(pk__in=include).update(
            email_state=EmailState.DIGESTED, digest=digest
        )
        transaction.on_commit(partial(enqueue_digest_delivery, [digest.pk]), robust=True)
    return digest


def enqueue_digest_delivery(ids: list[int]) -> bool:
    from .tasks import deliver_digests

    return _enqueue(deliver_digests, ids)


def digests_build_due(*, now: datetime | None = None) -> list[Digest]:
    """Build every digest that is due now, for every member with something waiting."""
    from accounts.models import User

    now = now or timezone.now()
    waiting = Notification.objects.filter(email_state=EmailState.DIGEST).values("recipient_id")
    built = []
    for user in User.objects.filter(pk__in=waiting, is_active=True).iterator(chunk_size=500):
        for frequency in DIGEST_FREQUENCIES:
            digest = digest_build(user=user, frequency=frequency, now=now)
            if digest is not None:
                built.append(digest)
    return built
