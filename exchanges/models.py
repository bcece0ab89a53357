"""Knowledge requests, matchmaking, exchanges and their results: demand → match → exchange → evidence.

    KnowledgeRequest ──suggestions (computed)──▶ Solution / Hub
          │  Offer (a hub's interest)
          │  Match (a curator's proposal) ──accepted──▶ Exchange ──▶ ExchangeResult
          │                                               │ financing (ExchangeFinancing)
          └── status: open → matched → closed             └──▶ catalogue.Replication

Every write goes through exchanges.services; who may see or do what is in
exchanges.permissions.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from catalogue.models import Modality


class KnowledgeRequest(models.Model):
    """An institution describes a challenge and asks peers for a solution."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MATCHED = "matched", _("Matched")
        CLOSED = "closed", _("Closed")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        RESTRICTED = "restricted", _("Curators and hub editors only")

    slug = models.SlugField(_("address"), unique=True, max_length=120)
    title = models.CharField(_("title"), max_length=200)
    challenge = models.TextField(
        _("the challenge, in your words"),
        max_length=5000,
        help_text=_("What problem are you facing, for whom, and why now? Markdown."),
    )
    tried = models.TextField(_("what has been tried"), max_length=3000, blank=True)
    institution = models.CharField(_("institution"), max_length=200)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        on_delete=models.PROTECT,
        related_name="knowledge_requests",
    )
    hub = models.ForeignKey(
        "hubs.Hub",
        verbose_name=_("requesting hub"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests_made",
        help_text=_("When the request is made on behalf of a hub you edit."),
    )
    country = CountryField(_("country"))
    priority_area = models.ForeignKey(
        "hubs.PriorityArea",
        verbose_name=_("priority area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sdgs = models.ManyToManyField("catalogue.SDG", verbose_name=_("SDGs"), blank=True)
    modalities = ArrayField(
        models.CharField(max_length=20, choices=Modality.choices),
        verbose_name=_("desired modalities"),
        default=list,
        blank=True,
    )
    timeline = models.CharField(
        _("timeline"), max_length=200, blank=True, help_text=_("For example: first half of 2027.")
    )
    language = models.CharField(
        _("language of the request"), max_length=10, choices=ALL_LANGUAGES, default="en"
    )
    visibility = models.CharField(
        _("who can see it"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created = models.DateTimeField(_("posted"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    is_sample = models.BooleanField(
        _("sample record"), default=False, help_text=_("Invented for demonstration.")
    )
    document = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("knowledge request")
        verbose_name_plural = _("knowledge requests")
        indexes = [
            GinIndex(fields=["document"], name="request_document"),
            models.Index(fields=["visibility", "status", "-created"], name="request_listing"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("requests:detail", kwargs={"slug": self.slug})

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class Suggestion(models.Model):
    """A solution or hub the portal suggests for a request, with why ("matched because …").

    Computed by exchanges.matching when the request is posted or changed, and stored so
    that hub editors can find the requests that match their hub in one indexed query.
    """

    request = models.ForeignKey(
        KnowledgeRequest, on_delete=models.CASCADE, related_name="suggestions"
    )
    solution = models.ForeignKey(
        "catalogue.Solution", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    hub = models.ForeignKey(
        "hubs.Hub", on_delete=models.CASCADE, null=True, blank=True, related_name="suggestions"
    )
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=dict)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["request", "position"]
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        constraints = [
            models.CheckConstraint(
                condition=Q(solution__isnull=False, hub__isnull=True)
                | Q(solution__isnull=True, hub__isnull=False),
                name="suggestion_is_a_solution_or_a_hub",
            ),
            models.UniqueConstraint(
                fields=["request", "solution"],
                condition=Q(solution__isnull=False),
                name="suggestion_unique_solution",
            ),
            models.UniqueConstraint(
                fields=["request", "hub"],
                condition=Q(hub__isnull=False),
                name="suggestion_unique_hub",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.solution or self.hub}"


class Offer(models.Model):
    """A hub's expression of interest in a request, with a short offer."""

    request = models.ForeignKey(KnowledgeRequest, on_delete=models.CASCADE, related_name="offers")
    hub = models.ForeignKey(
        "hubs.Hub", verbose_name=_("hub"), on_delete=models.CASCADE, related_name="offers"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("your offer"), max_length=2000)
    solutions = models.ManyToManyField(
        "catalogue.Solution", verbose_name=_("solutions offered"), blank=True, related_name="+"
    )
    modalities = ArrayField(
        models.CharField(max_length=20, choices=Modality.choices),
        verbose_name=_("modalities offered"),
        default=list,
        blank=True,
    )
    created = models.DateTimeField(_("offered"), default=timezone.now)

    class Meta:
        ordering = ["request", "created"]
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        constraints = [models.UniqueConstraint(fields=["request", "hub"], name="one_offer_per_hub")]

    def __str__(self) -> str:
        return f"{self.hub} → {self.request}"


class Match(models.Model):
    """A curator's proposal: this request with these provider hubs and solutions."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    request = models.ForeignKey(KnowledgeRequest, on_delete=models.CASCADE, related_name="matches")
    hubs = models.ManyToManyField(
        "hubs.Hub", verbose_name=_("provider hubs"), related_name="matches"
    )
    solutions = models.ManyToManyField(
        "catalogue.Solution", verbose_name=_("solutions"), blank=True, related_name="+"
    )
    modality = models.CharField(
        _("proposed modality"), max_length=20, choices=Modality.choices, blank=True
    )
    note = models.TextField(_("note to the requester"), max_length=3000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(_("proposed"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), max_length=2000, blank=True)

    class Meta:
        ordering = ["request", "-proposed_at"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")

    def __str__(self) -> str:
        return f"{self.request} ({self.get_status_display()})"


class Exchange(models.Model):
    """A knowledge exchange between a provider and a recipient, planned, run and evaluated."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    slug = models.SlugField(_("address"), unique=True, max_length=120)
    title = models.CharField(_("title"), max_length=200)
    request = models.ForeignKey(
        KnowledgeRequest,
        verbose_name=_("request"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchanges",
    )
    match = models.OneToOneField(
        Match, on_delete=models.SET_NULL, null=True, blank=True, related_name="exchange"
    )
    provider_hubs = models.ManyToManyField(
        "hubs.Hub", verbose_name=_("provider hubs"), blank=True, related_name="exchanges_given"
    )
    provider_institution = models.CharField(_("provider institution"), max_length=200)
    provider_country = CountryField(_("provider country"))
    recipient_hub = models.ForeignKey(
        "hubs.Hub",
        verbose_name=_("recipient hub"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="exchanges_received",
    )
    recipient_institution = models.CharField(_("recipient institution"), max_length=200)
    recipient_country = CountryField(_("recipient country"))
    solutions = models.ManyToManyField(
        "catalogue.Solution", verbose_name=_("solutions"), blank=True, related_name="exchanges"
    )
    priority_area = models.ForeignKey(
        "hubs.PriorityArea",
        verbose_name=_("priority area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    modality = models.CharField(_("modality"), max_length=20, choices=Modality.choices)
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("number of participants"), null=True, blank=True)
    participants_description = models.TextField(_("who takes part"), max_length=2000, blank=True)
    objectives = models.TextField(_("objectives"), max_length=5000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("False when it comes from a request visible only to curators and hub editors."),
    )
    usefulness = models.PositiveSmallIntegerField(
        _("usefulness for the recipient"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    usefulness_comment = models.TextField(_("comment on usefulness"), max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    is_sample = models.BooleanField(
        _("sample record"), default=False, help_text=_("Invented for demonstration.")
    )

    class Meta:
        ordering = ["-start_date", "-created", "-pk"]
        verbose_name = _("exchange")
        verbose_name_plural = _("exchanges")
        indexes = [
            models.Index(fields=["is_public", "status"], name="exchange_listing"),
            models.Index(fields=["provider_country", "recipient_country"], name="exchange_flow"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="exchange_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exchanges:detail", kwargs={"slug": self.slug})

    @property
    def year(self) -> int:
        return (self.start_date or self.created.date()).year


class FinancingSource(models.TextChoices):
    NATIONAL = "national", _("National resources")
    INTERNATIONAL = "international", _("International support")
    COST_SHARING = "cost_sharing", _("Cost-sharing")
    PRIVATE = "private", _("Private sector")


class ExchangeFinancing(models.Model):
    """One source in an exchange's financing mix: an amount (US dollars), a share, or both."""

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="financing")
    source = models.CharField(_("source"), max_length=20, choices=FinancingSource.choices)
    amount = models.DecimalField(
        _("amount (US$)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    share = models.PositiveSmallIntegerField(
        _("share (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["exchange", "source"]
        verbose_name = _("financing source")
        verbose_name_plural = _("financing mix")
        constraints = [
            models.UniqueConstraint(fields=["exchange", "source"], name="one_row_per_source"),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | Q(share__isnull=False),
                name="financing_has_amount_or_share",
            ),
        ]

    def __str__(self) -> str:
        return self.get_source_display()


class Outcome(models.TextChoices):
    NEW_KNOWLEDGE = "new_knowledge", _("New knowledge")
    ENHANCED_SKILLS = "enhanced_skills", _("Enhanced skills")
    IMPROVED_CONSENSUS = "improved_consensus", _("Improved consensus")
    STRONGER_CONNECTIONS = "stronger_connections", _("Stronger connections")
    NEW_ACTIONS = "new_actions", _("New or improved actions")
    OTHER = "other", _("Other")


class ExchangeResult(models.Model):
    """An intermediate outcome reported by one side of an exchange, with its evidence."""

    class Side(models.TextChoices):
        PROVIDER = "provider", _("Provider")
        RECIPIENT = "recipient", _("Recipient")

    exchange = models.ForeignKey(Exchange, on_delete=models.CASCADE, related_name="results")
    side = models.CharField(_("reported by the"), max_length=10, choices=Side.choices)
    outcome = models.CharField(_("outcome"), max_length=24, choices=Outcome.choices)
    description = models.TextField(_("what changed"), max_length=3000)
    evidence_url = models.URLField(_("evidence"), blank=True)
    is_adoption = models.BooleanField(
        _("the recipient adopted or adapted the solution"),
        default=False,
        help_text=_("An adoption result can become a replication on the solution."),
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        ordering = ["exchange", "reported_at", "pk"]
        verbose_name = _("result")
        verbose_name_plural = _("results")

    def __str__(self) -> str:
        return f"{self.exchange}: {self.get_outcome_display()}"
