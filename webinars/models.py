"""Webinars: speakers, registrations with a waiting list, reminders, feedback.

Times are stored in UTC; ``host_time_zone`` says where the host is, so pages can show both
the viewer's and the host's local times. Themes, chapters and host hubs arrive with their
issues; until then the host is an organisation name.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from core.uploads import POLICIES, UserFileField

REMINDER_OFFSETS = {"24h": timedelta(hours=24), "1h": timedelta(hours=1)}


SPEAKER_PHOTO_MAX_BYTES = POLICIES["speaker_photo"].max_bytes


class Speaker(models.Model):
    class Sector(models.TextChoices):
        PUBLIC = "public", _("Public sector")
        PRIVATE = "private", _("Private sector")
        MULTILATERAL = "multilateral", _("Multilateral")
        CIVIL_SOCIETY = "civil_society", _("Civil society")
        ACADEMIA = "academia", _("Academia")

    name = models.CharField(_("name"), max_length=150)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    bio = models.TextField(_("bio"), blank=True, help_text=_("Markdown."))
    photo = UserFileField(_("photo"), policy="speaker_photo", upload_to="speakers/", blank=True)
    is_sample = models.BooleanField(_("sample record"), default=False)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "organisation"], name="speaker_unique_name_org")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class WebinarQuerySet(models.QuerySet):
    def visible_to(self, user) -> WebinarQuerySet:
        """Published webinars for everyone; unpublished ones for staff and their organisers."""
        if user is not None and user.is_authenticated:
            if user.is_staff:
                return self
            # A subquery, not a join: a join would repeat rows and inflate annotated counts.
            organised = Webinar.organisers.through.objects.filter(user=user).values("webinar_id")
            return self.filter(Q(is_published=True) | Q(pk__in=organised))
        return self.filter(is_published=True)

    def listed(self) -> WebinarQuerySet:
        return self.filter(is_published=True).exclude(status=Webinar.Status.CANCELLED)

    def upcoming(self, *, now: datetime | None = None) -> WebinarQuerySet:
        now = now or timezone.now()
        return (
            self.filter(ends_at__gt=now)
            .exclude(status=Webinar.Status.FINISHED)
            .order_by("starts_at", "pk")
        )

    def past_with_recordings(self, *, now: datetime | None = None) -> WebinarQuerySet:
        now = now or timezone.now()
        return (
            self.filter(Q(ends_at__lte=now) | Q(status=Webinar.Status.FINISHED))
            .exclude(recording_url="")
            .order_by("-starts_at", "-pk")
        )

    def with_card_data(self, *, viewer=None) -> WebinarQuerySet:
        """Speakers, the confirmed count and (for a signed-in viewer) their registration."""
        qs = (
            self.select_related("theme", "chapter", "host_hub")
            .prefetch_related(
                Prefetch(
                    "webinarspeaker_set",
                    queryset=WebinarSpeaker.objects.select_related("speaker").order_by(
                        "order", "pk"
                    ),
                    to_attr="speaker_links",
                )
            )
            .annotate(
                confirmed_count=Count(
                    "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
                )
            )
        )
        if viewer is not None and viewer.is_authenticated:
            qs = qs.prefetch_related(
                Prefetch(
                    "registrations",
                    queryset=Registration.objects.filter(user=viewer),
                    to_attr="viewer_registrations",
                )
            )
        return qs


class Webinar(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Cancelled")

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    host_organisation = models.CharField(
        _("host organisation"),
        max_length=200,
        help_text=_("The name of the hosting hub or organisation, as it should be shown."),
    )
    host_hub = models.ForeignKey(
        "hubs.Hub",
        verbose_name=_("host hub"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webinars",
    )
    theme = models.ForeignKey(
        "community.Theme",
        verbose_name=_("monthly theme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webinars",
    )
    chapter = models.ForeignKey(
        "community.Chapter",
        verbose_name=_("regional chapter"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webinars",
    )
    host_time_zone = models.CharField(
        _("host's time zone"),
        max_length=64,
        validators=[validate_time_zone],
        help_text=_("An IANA time zone name such as America/Santiago."),
    )
    speakers = models.ManyToManyField(
        Speaker, through="WebinarSpeaker", related_name="webinars", blank=True
    )
    language = models.CharField(_("language"), max_length=10, choices=ALL_LANGUAGES, default="en")
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for unlimited seats.")
    )
    registration_opens_at = models.DateTimeField(
        _("registration opens at"), null=True, blank=True, help_text=_("Empty: open now.")
    )
    registration_closes_at = models.DateTimeField(
        _("registration closes at"), null=True, blank=True, help_text=_("Empty: at the start.")
    )
    join_url = models.URLField(
        _("join link"), blank=True, help_text=_("Shown only to confirmed registrants.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED
    )
    recording_url = models.URLField(_("recording link"), blank=True)
    materials = models.TextField(
        _("materials"), blank=True, help_text=_("Markdown: slides, links, readings.")
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="organised_webinars",
        blank=True,
        verbose_name=_("organisers"),
    )
    is_published = models.BooleanField(_("published"), default=True)
    is_sample = models.BooleanField(
        _("sample record"), default=False, help_text=_("Invented demonstration data.")
    )
    sequence = models.PositiveIntegerField(
        _("calendar sequence"),
        default=0,
        editable=False,
        help_text=_("Grows on each change that calendar applications must pick up."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebinarQuerySet.as_manager()

    class Meta:
        verbose_name = _("webinar")
        verbose_name_plural = _("webinars")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="webinar_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("webinars:detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        errors = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must be after the start.")
        if (
            self.registration_opens_at
            and self.registration_closes_at
            and self.registration_closes_at <= self.registration_opens_at
        ):
            errors["registration_closes_at"] = _("Registration must close after it opens.")
        if errors:
            raise ValidationError(errors)

    # --- State ---------------------------------------------------------------------

    def current_status(self, now: datetime | None = None) -> str:
        """The status as the clock sees it: a scheduled webinar past its end is finished."""
        now = now or timezone.now()
        if self.status in (self.Status.CANCELLED, self.Status.FINISHED):
            return self.status
        if now >= self.ends_at:
            return self.Status.FINISHED
        if now >= self.starts_at:
            return self.Status.LIVE
        return self.status

    def registration_closes(self) -> datetime:
        return self.registration_closes_at or self.starts_at

    def registration_is_open(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.current_status(now) != self.Status.SCHEDULED:
            return False
        if self.registration_opens_at and now < self.registration_opens_at:
            return False
        return now < self.registration_closes()

    def seats_left(self) -> int | None:
        """Needs ``confirmed_count`` (from ``with_card_data``) or counts."""
        if self.capacity is None:
            return None
        confirmed = getattr(self, "confirmed_count", None)
        if confirmed is None:
            confirmed = self.registrations.filter(status=Registration.Status.CONFIRMED).count()
        return max(self.capacity - confirmed, 0)

    def ordered_speakers(self) -> list[Speaker]:
        links = getattr(self, "speaker_links", None)
        if links is None:
            links = self.webinarspeaker_set.select_related("speaker").order_by("order", "pk")
        return [link.speaker for link in links]

    def viewer_registration(self):
        """The viewer's registration, from ``with_card_data(viewer=…)``; None otherwise."""
        registrations = getattr(self, "viewer_registrations", None)
        return registrations[0] if registrations else None


class WebinarSpeaker(models.Model):
    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE)
    speaker = models.ForeignKey(Speaker, on_delete=models.CASCADE)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["webinar", "speaker"], name="webinar_speaker_once")
        ]

    def __str__(self) -> str:
        return str(self.speaker)


class RegistrationQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Registration.Status.CONFIRMED)

    def waitlisted(self):
        return self.filter(status=Registration.Status.WAITLISTED).order_by("queued_at", "pk")

    def active(self):
        return self.filter(
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
        )


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")

    webinar = models.ForeignKey(Webinar, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webinar_registrations"
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    queued_at = models.DateTimeField(
        _("registered at"), help_text=_("Waiting-list order: earliest first.")
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    attended = models.BooleanField(_("attended"), null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["queued_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["webinar", "user"], name="registration_once"),
        ]
        indexes = [models.Index(fields=["webinar", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.webinar} ({self.get_status_display()})"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class WebinarReminderQuerySet(models.QuerySet):
    def due(self, *, now: datetime):
        return self.filter(
            sent_at__isnull=True,
            due_at__lte=now,
            registration__status=Registration.Status.CONFIRMED,
            registration__webinar__starts_at__gt=now,
            registration__webinar__status__in=[Webinar.Status.SCHEDULED, Webinar.Status.LIVE],
        )


class WebinarReminder(models.Model):
    """One reminder to one confirmed registrant. ``sent_at`` is set in the transaction that
    writes its notification to the outbox, which then delivers the e-mail."""

    class Kind(models.TextChoices):
        DAY_BEFORE = "24h", _("24 hours before")
        HOUR_BEFORE = "1h", _("1 hour before")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices)
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    skipped = models.BooleanField(
        _("skipped"), default=False, help_text=_("Not sent because a later reminder was due.")
    )

    objects = WebinarReminderQuerySet.as_manager()

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["registration", "kind"], name="reminder_once"),
        ]
        indexes = [
            models.Index(
                fields=["due_at"], condition=Q(sent_at__isnull=True), name="reminder_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.registration}"


class Feedback(models.Model):
    registration = models.OneToOneField(
        Registration, on_delete=models.CASCADE, related_name="feedback"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")

    def __str__(self) -> str:
        return f"{self.rating}/5 — {self.registration}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarToken(models.Model):
    """The secret in a member's personal calendar feed address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webinar_calendar_token"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return str(self.user)
