"""Notifications: one row per event per member, which is at once the outbox and the in-app list.

A row is written in the same transaction as the change that causes it (see
``services.notify``). Its ``email_state`` says what is left to do by e-mail:

``pending``   an immediate e-mail is due at ``next_attempt_at``
``sending``   a worker has claimed it (``claimed_at``) and recorded the attempt
              (``attempts``, ``attempted_at``); the message is being handed over
``sent``      the whole message was handed to the mail server (``sent_at``)
``digest``    waiting for the member's daily or weekly digest
``digested``  included in a digest (``digest``)
``none``      no e-mail: the member turned the kind off, or has no usable address
``failed``    the mail server refused it for good, or it ran out of attempts

``AccountEmail`` rows (verification, password reset… from allauth) use the same states
but never ``digest``/``digested``: they are transactional, sent at once whatever the
member's preferences.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .kinds import Frequency


class EmailState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    DIGEST = "digest", _("Waiting for a digest")
    DIGESTED = "digested", _("Sent in a digest")
    NONE = "none", _("No e-mail")
    FAILED = "failed", _("Failed")


class Outgoing(models.Model):
    """What every e-mail the outbox delivers carries: state, attempts and a stable Message-ID."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email_state = models.CharField(
        _("e-mail state"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    attempted_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        abstract = True

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so that a resent copy is recognisably the same."""
        from urllib.parse import urlsplit

        host = urlsplit(settings.SITE_URL).hostname or "localhost"
        return f"<{self.uuid}.{self._meta.model_name}@{host}>"

    @property
    def address(self) -> str:
        """The address the e-mail goes to (what a permanent refusal suppresses)."""
        return self.recipient.email


class NotificationQuerySet(models.QuerySet):
    def for_member(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def with_list_data(self):
        return self.select_related("content_type").order_by("-created", "-id")


class Notification(Outgoing):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.CharField(max_length=64, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    channel = models.CharField(
        _("e-mail channel"),
        max_length=12,
        choices=Frequency.choices,
        help_text=_("The member's preference for this kind when the notification was made."),
    )
    digest = models.ForeignKey(
        "Digest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("digest"),
    )

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["recipient", "-created", "-id"], name="notif_recipient_created"),
            models.Index(
                fields=["recipient"], condition=Q(read_at__isnull=True), name="notif_unread"
            ),
            models.Index(
                fields=["email_state", "next_attempt_at"],
                condition=Q(email_state__in=["pending", "sending"]),
                name="notif_email_due",
            ),
            models.Index(
                fields=["recipient", "kind"],
                condition=Q(email_state="digest"),
                name="notif_digest_waiting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.created:%Y-%m-%d %H:%M})"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def url(self) -> str:
        return str(self.payload.get("url") or "")

    @property
    def link(self) -> str:
        """The absolute address of what it is about, for e-mails."""
        url = self.url
        return settings.SITE_URL + url if url.startswith("/") else url


class Digest(Outgoing):
    """One daily or weekly e-mail gathering a member's waiting notifications across modules.

    Unique per member, frequency and period (the member's local date, or ISO week), so a
    second run in the same period creates nothing.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_digests",
        verbose_name=_("recipient"),
    )
    frequency = models.CharField(
        _("frequency"),
        max_length=12,
        choices=[
            (Frequency.DAILY, Frequency.DAILY.label),
            (Frequency.WEEKLY, Frequency.WEEKLY.label),
        ],
    )
    period = models.CharField(_("period"), max_length=10)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("digest")
        verbose_name_plural = _("digests")
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "frequency", "period"], name="digest_once_per_period"
            )
        ]
        indexes = [
            models.Index(
                fields=["email_state", "next_attempt_at"],
                condition=Q(email_state__in=["pending", "sending"]),
                name="digest_email_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} {self.period} → {self.recipient_id}"


class AccountEmail(Outgoing):
    """An account e-mail (allauth: verification, password reset, change notices…).

    Rendered in the request, in the recipient's language, and written in the request's
    transaction; delivered like any other outbox row. It is transactional: no digest, no
    preference, and suppression does not stop it (the person asked for it just now). The
    bodies hold a reset or verification link, so they are erased once the message is sent,
    has failed for good, or has expired (``expires_at``: its links no longer work).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_emails",
        verbose_name=_("member"),
    )
    email = models.EmailField(_("e-mail address"))
    template = models.CharField(_("template"), max_length=200)
    language = models.CharField(_("language"), max_length=10, blank=True)
    from_email = models.CharField(_("from"), max_length=320)
    subject = models.CharField(_("subject"), max_length=998)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("HTML"), blank=True)
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))

    class Meta:
        verbose_name = _("account e-mail")
        verbose_name_plural = _("account e-mails")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(
                fields=["email_state", "next_attempt_at"],
                condition=Q(email_state__in=["pending", "sending"]),
                name="account_email_due",
            ),
            models.Index(
                fields=["email_state"],
                condition=Q(email_state__in=["sent", "failed", "none"]) & ~Q(text="", html=""),
                name="account_email_to_erase",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.email} ({self.created:%Y-%m-%d %H:%M})"

    @property
    def address(self) -> str:
        return self.email


class Preference(models.Model):
    """A member's choice for one kind. No row means the kind's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("member"),
    )
    kind = models.CharField(_("kind"), max_length=64)
    frequency = models.CharField(_("frequency"), max_length=12, choices=Frequency.choices)
    # Bumped by each unsubscribe, so that an unsubscribe link works once.
    token_version = models.PositiveIntegerField(default=0, editable=False)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.frequency}"


class Suppression(models.Model):
    """An address the mail server refused for good (5xx): nothing more is sent to it."""

    email = models.EmailField(_("e-mail address"), unique=True)
    reason = models.CharField(_("reason"), max_length=500)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.email
