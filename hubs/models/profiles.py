"""Knowledge hubs: national and sector institutions that organise knowledge exchange."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from accounts.models import validate_languages
from core.translation import in_viewer_language
from core.uploads import POLICIES, UserFileField

LOGO_MAX_BYTES = POLICIES["logo"].max_bytes


class PriorityArea(models.Model):
    """The shared vocabulary of priority areas (also used by the catalogue)."""

    slug = models.SlugField(_("code"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('Name per language code, e.g. {"es": "Salud", "fr": "Santé"}.'),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("priority area")
        verbose_name_plural = _("priority areas")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return in_viewer_language(self.translations, self.name)


def validate_year_established(value: int) -> None:
    if value > timezone.now().year:
        raise ValidationError(
            _("The year established cannot be in the future."), code="future_year"
        )


class HubQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def edited_by(self, user):
        """The hubs ``user`` edits: none for anonymous, inactive or unverified members.

        The one rule for "is an editor": ``hubs.permissions.is_hub_editor`` asks it of one
        hub, and ``solution.hubs.edited_by(user).exists()`` of any of a set of hubs.
        """
        from core.permissions import is_verified_member

        if not is_verified_member(user):
            return self.none()
        return self.filter(editors=user)

    def published_or_edited_by(self, user):
        """Published hubs, and the member's own even before they are published."""
        return self.filter(Q(is_published=True) | Q(pk__in=Hub.objects.edited_by(user)))

    def visible_to(self, user):
        """The public sees published hubs; editors also see their own; curators see all."""
        from hubs.permissions import is_curator

        if is_curator(user):
            return self
        return self.published_or_edited_by(user)

    def with_card_data(self):
        return self.prefetch_related("priority_areas")


class Hub(models.Model):
    class Kind(models.TextChoices):
        NATIONAL = "national", _("National hub")
        SECTOR = "sector", _("Sector hub")

    class OrganisationalModel(models.TextChoices):
        FOREIGN_AFFAIRS_AGENCY = "mfa_agency", _("Agency within a foreign-affairs ministry")
        COORDINATING_TEAM = "coordinating_team", _("Inter-ministerial coordinating team")
        PUBLIC_COMPANY = "public_company", _("Public company / limited guarantee company")
        LINE_MINISTRY_SECRETARIAT = "line_ministry", _("Secretariat within a line ministry")
        RESEARCH_CORPORATION = "research", _("Research corporation")
        CROSS_COUNTRY_PLATFORM = "platform", _("Cross-country platform")
        OTHER = "other", _("Other")

    class Direction(models.TextChoices):
        PROVIDER = "provider", _("Provider")
        RECEIVER = "receiver", _("Receiver")
        BOTH = "both", _("Provider and receiver")

    class FinancingSource(models.TextChoices):
        NATIONAL_BUDGET = "national_budget", _("National budget")
        INTERNATIONAL_PARTNERS = "international_partners", _("International partners")
        COST_SHARING = "cost_sharing", _("Cost-sharing")
        FEES_FOR_SERVICE = "fees_for_service", _("Fees for service")
        MEMBERSHIP_FEES = "membership_fees", _("Membership fees")
        FOUNDATIONS_PRIVATE = "foundations_private", _("Foundations / private sector")

    slug = models.SlugField(_("address"), unique=True, max_length=80)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    country = CountryField(_("country"), blank=True)
    host_institution = models.CharField(_("host institution"), max_length=200, blank=True)
    organisational_model = models.CharField(
        _("organisational model"), max_length=20, choices=OrganisationalModel.choices, blank=True
    )
    year_established = models.PositiveSmallIntegerField(
        _("year established"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), validate_year_established],
    )
    staff_exchange = models.PositiveIntegerField(
        _("staff dedicated to knowledge exchange"), null=True, blank=True
    )
    staff_total = models.PositiveIntegerField(_("total staff"), null=True, blank=True)
    institutions_coordinated = models.PositiveIntegerField(
        _("institutions coordinated"), null=True, blank=True
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, blank=True
    )
    financing = models.JSONField(
        _("financing mix"),
        default=list,
        blank=True,
        help_text=_(
            'Sources with an optional share, e.g. [{"source": "membership_fees", "share": 40}].'
        ),
    )
    financing_note = models.CharField(_("financing note"), max_length=300, blank=True)
    priority_areas = models.ManyToManyField(
        PriorityArea, verbose_name=_("priority areas"), blank=True, related_name="hubs"
    )
    languages = ArrayField(
        models.CharField(max_length=10),
        verbose_name=_("languages"),
        default=list,
        blank=True,
        validators=[validate_languages],
    )
    partner_hubs = models.ManyToManyField(
        "self", verbose_name=_("partner hubs"), blank=True, symmetrical=True
    )
    partner_organisations = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("partners and networks"),
        default=list,
        blank=True,
        help_text=_("Named organisations and networks the hub works with."),
    )
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    logo = UserFileField(_("logo"), policy="logo", upload_to="hubs/logos/", blank=True)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    original_language = models.CharField(
        _("original language"), max_length=10, choices=ALL_LANGUAGES, default="en"
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("editors"),
        blank=True,
        related_name="edited_hubs",
    )
    is_published = models.BooleanField(_("published"), default=False)
    is_sample = models.BooleanField(
        _("sample record"), default=False, help_text=_("Invented for demonstration.")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    objects = HubQuerySet.as_manager()

    # Fields a complete profile should have (the completeness indicator).
    RECOMMENDED_FIELDS = (
        "acronym",
        "country",
        "host_institution",
        "organisational_model",
        "year_established",
        "staff_exchange",
        "staff_total",
        "direction",
        "financing",
        "priority_areas",
        "languages",
        "website",
        "contact_email",
        "logo",
        "description",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("knowledge hub")
        verbose_name_plural = _("knowledge hubs")
        permissions = [("curate_hub", _("Can review proposals and publish hub profiles"))]
        indexes = [models.Index(fields=["kind", "is_published"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    def get_absolute_url(self) -> str:
        return reverse("hubs:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        return self.acronym or self.name

    def clean(self):
        super().clean()
        self.financing = clean_financing(self.financing)
        if (
            self.staff_exchange is not None
            and self.staff_total is not None
            and self.staff_exchange > self.staff_total
        ):
            raise ValidationError(
                {"staff_exchange": _("Staff dedicated to exchange cannot exceed the total staff.")}
            )

    # --- reading helpers -------------------------------------------------------------

    def financing_rows(self) -> list[dict]:
        labels = dict(self.FinancingSource.choices)
        return [
            {
                "source": row["source"],
                "label": labels.get(row["source"], row["source"]),
                "share": row.get("share"),
            }
            for row in self.financing
        ]

    def missing_fields(self) -> list[str]:
        """Verbose names of the recommended fields this profile lacks."""
        missing = []
        for name in self.RECOMMENDED_FIELDS:
            field = self._meta.get_field(name)
            if field.many_to_many:
                empty = not self.priority_areas.all()
            else:
                value = getattr(self, name)
                empty = value in (None, "", [], {}) or (hasattr(value, "name") and not value.name)
            if empty:
                missing.append(str(field.verbose_name))
        return missing

    def completeness(self) -> int:
        total = len(self.RECOMMENDED_FIELDS)
        return round(100 * (total - len(self.missing_fields())) / total)


def clean_financing(value) -> list[dict]:
    """Validate a financing mix: known sources, once each, shares 0–100 summing to at most 100."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        raise ValidationError({"financing": _("The financing mix must be a list of sources.")})
    known = set(Hub.FinancingSource.values)
    cleaned, seen, total = [], set(), Decimal(0)
    for row in value:
        if not isinstance(row, dict) or row.get("source") not in known:
            raise ValidationError({"financing": _("Unknown financing source.")})
        if row["source"] in seen:
            raise ValidationError({"financing": _("Each financing source may appear only once.")})
        seen.add(row["source"])
        share = row.get("share")
        if share in (None, ""):
            share = None
        else:
            try:
                share = Decimal(str(share))
            except ArithmeticError:
                raise ValidationError({"financing": _("A share must be a number.")}) from None
            if not share.is_finite() or share < 0 or share > 100:
                raise ValidationError({"financing": _("Each share must be between 0 and 100%.")})
            total += share
            share = int(share) if share == share.to_integral_value() else float(share)
        cleaned.append({"source": row["source"], "share": share})
    if total > 100:
        raise ValidationError(
            {
                "financing": ValidationError(
                    _("The financing shares add up to %(total)s%%, more than 100%%."),
                    params={"total": total.normalize()},
                )
            }
        )
    return cleaned


class HubProposal(models.Model):
    """A change set proposed by a hub editor, reviewed field by field by a curator."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved and published")
        RETURNED = "returned", _("Returned with a comment")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    hub = models.ForeignKey(
        Hub, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("hub")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="hub_proposals",
        verbose_name=_("proposed by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    changes = models.JSONField(_("proposed values"), default=dict, blank=True)
    previous = models.JSONField(_("values when proposed"), default=dict, blank=True)
    logo = UserFileField(_("proposed logo"), policy="logo", upload_to="hubs/proposals/", blank=True)
    comment = models.TextField(_("note to the curators"), blank=True, max_length=2000)
    created = models.DateTimeField(_("proposed at"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("curator's comment"), blank=True, max_length=2000)

    class Meta:
        ordering = ["created"]
        verbose_name = _("hub change proposal")
        verbose_name_plural = _("hub change proposals")
        indexes = [models.Index(fields=["status", "created"])]

    def __str__(self) -> str:
        return f"{self.hub} — {self.get_status_display()} ({self.created:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("hubs:proposal", kwargs={"pk": self.pk})


class HubChange(models.Model):
    """One published change to a hub profile: who, when, which fields (old and new values)."""

    hub = models.ForeignKey(
        Hub, on_delete=models.CASCADE, related_name="changes", verbose_name=_("hub")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("changed by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    proposal = models.ForeignKey(
        HubProposal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(_("published at"), default=timezone.now)
    fields = models.JSONField(_("changed fields"), default=dict)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("hub profile change")
        verbose_name_plural = _("hub profile history")
        indexes = [models.Index(fields=["hub", "-created"])]

    def __str__(self) -> str:
        return f"{self.hub} — {self.created:%Y-%m-%d %H:%M}"
