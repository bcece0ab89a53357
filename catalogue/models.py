"""Vetted solutions: the record, its revisions, the vetting workflow and adoption history.

A Solution is the stable identity (address, provider hubs). Its content lives in
SolutionRevisions: the public sees only the revision that was last vetted
(``Solution.published``); a substantive edit is a new revision that goes through review
while the vetted one stays public.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.global_settings import LANGUAGES as ALL_LANGUAGES
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Func, OrderBy
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from taggit.managers import TaggableManager

from core.highlight import marked
from core.translation import TranslatedFields, in_viewer_language
from core.uploads import UserFileField


class SDG(models.Model):
    """One of the 17 Sustainable Development Goals (reference data)."""

    number = models.PositiveSmallIntegerField(
        _("number"), primary_key=True, validators=[MinValueValidator(1), MaxValueValidator(17)]
    )
    title = models.CharField(_("title"), max_length=200)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("Sustainable Development Goal")
        verbose_name_plural = _("Sustainable Development Goals")

    def __str__(self) -> str:
        return f"{self.number}. {self.label}"

    @property
    def label(self) -> str:
        return in_viewer_language(self.translations, self.title)


class Criterion(models.Model):
    """A published vetting criterion (managed by curators)."""

    slug = models.SlugField(_("code"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("what reviewers look for"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("vetting criterion")
        verbose_name_plural = _("vetting criteria")

    def __str__(self) -> str:
        return self.title


class Modality(models.TextChoices):
    FIELD_VISIT = "field_visit", _("Field visit")
    WORKSHOP = "workshop", _("Workshop")
    JOINT_STUDY = "joint_study", _("Joint study")
    SECONDMENT = "secondment", _("Expert secondment")
    VIDEOCONFERENCE = "videoconference", _("Videoconference")
    ONLINE_COURSE = "online_course", _("Online course")
    JOINT_FUND = "joint_fund", _("Joint fund")


class Solution(models.Model):
    slug = models.SlugField(_("address"), unique=True, max_length=120)
    hubs = models.ManyToManyField(
        "hubs.Hub", verbose_name=_("provider hubs"), related_name="solutions"
    )
    published = models.OneToOneField(
        "SolutionRevision",
        verbose_name=_("vetted revision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The revision the public sees; empty until one is vetted."),
    )
    vetted_at = models.DateTimeField(_("vetted on"), null=True, blank=True)
    revalidation_due = models.DateField(_("re-validation due"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    is_sample = models.BooleanField(_("sample record"), default=False)

    class Meta:
        ordering = ["-vetted_at", "pk"]
        verbose_name = _("solution")
        verbose_name_plural = _("solutions")
        permissions = [("review_solution", _("Can review submitted solutions"))]

    def __str__(self) -> str:
        return self.slug

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", kwargs={"slug": self.slug})

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return bool(self.revalidation_due and self.revalidation_due < today)


class SolutionRevision(TranslatedFields, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        EDITORIAL_CHECK = "editorial_check", _("Editorial check")
        EXPERT_REVIEW = "expert_review", _("Expert review")
        VETTED = "vetted", _("Vetted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded by a newer vetted revision")

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1500, blank=True)
    country = CountryField(_("country"), blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    priority_area = models.ForeignKey(
        "hubs.PriorityArea",
        verbose_name=_("priority area"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    challenge = models.TextField(_("challenge addressed"), blank=True)
    beneficiaries = models.TextField(_("who benefits"), blank=True)
    description = models.TextField(_("what the solution is"), blank=True)
    results = models.TextField(_("results and impacts"), blank=True)
    sdgs = models.ManyToManyField(SDG, verbose_name=_("SDGs"), blank=True)
    sdg_targets = ArrayField(
        models.CharField(max_length=8),
        verbose_name=_("SDG targets"),
        default=list,
        blank=True,
        help_text=_("Target codes such as 3.2 or 6.b."),
    )
    where_applied = ArrayField(
        models.CharField(max_length=2),
        verbose_name=_("countries where applied"),
        default=list,
        blank=True,
    )
    modalities = ArrayField(
        models.CharField(max_length=20, choices=Modality.choices),
        verbose_name=_("exchange modalities offered"),
        default=list,
        blank=True,
    )
    cost_and_financing = models.TextField(_("cost and financing options"), blank=True)
    preconditions = models.TextField(_("preconditions for adaptation"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)
    what_failed = models.TextField(_("what did not work"), blank=True)
    contacts = models.TextField(_("contacts"), blank=True)
    original_language = models.CharField(
        _("original language"), max_length=10, choices=ALL_LANGUAGES, default="en"
    )
    translations = models.JSONField(
        _("translations"),
        default=dict,
        blank=True,
        help_text=_('Per field and language, e.g. {"title": {"es": "…"}}.'),
    )
    licence = models.CharField(_("licence"), max_length=40, default="CC-BY-4.0")
    tags = TaggableManager(_("tags"), blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["solution", "-number"]
        unique_together = [("solution", "number")]
        verbose_name = _("solution revision")
        verbose_name_plural = _("solution revisions")
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.title} (r{self.number}, {self.get_status_display()})"


class BuildingBlock(models.Model):
    """A part of a solution a peer can adapt on its own."""

    revision = models.ForeignKey(SolutionRevision, on_delete=models.CASCADE, related_name="blocks")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    enabling_factors = models.TextField(_("enabling factors"), blank=True)
    lessons_learned = models.TextField(_("lessons learned"), blank=True)

    class Meta:
        ordering = ["revision", "position", "pk"]
        verbose_name = _("building block")
        verbose_name_plural = _("building blocks")

    def __str__(self) -> str:
        return self.title


class ResultFigure(models.Model):
    revision = models.ForeignKey(SolutionRevision, on_delete=models.CASCADE, related_name="figures")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    figure = models.CharField(_("figure"), max_length=100, help_text=_("e.g. 220 milk banks, −30%"))
    description = models.CharField(_("what it measures"), max_length=300)
    evidence_url = models.URLField(_("evidence"), blank=True)

    class Meta:
        ordering = ["revision", "position", "pk"]
        verbose_name = _("result figure")
        verbose_name_plural = _("result figures")

    def __str__(self) -> str:
        return f"{self.figure} — {self.description}"


def attachment_path(attachment: Attachment, filename: str) -> str:
    # The file name is already random (with the detected type's extension); the member's
    # own name is kept in original_name, only for the download.
    return f"solutions/{attachment.revision.solution_id}/{filename}"


class Attachment(models.Model):
    """A document attached to a revision, served only as a download."""

    revision = models.ForeignKey(
        SolutionRevision, on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("title"), max_length=200)
    file = UserFileField(_("file"), policy="attachment", upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("size"))
    created = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        ordering = ["revision", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class Review(models.Model):
    """One reviewer's work on a revision at one stage, with its criteria assessments."""

    class Stage(models.TextChoices):
        EDITORIAL = "editorial", _("Editorial check")
        EXPERT = "expert", _("Expert review")

    class Recommendation(models.TextChoices):
        VET = "vet", _("Vet")
        CHANGES = "changes", _("Request changes")
        REJECT = "reject", _("Reject")

    revision = models.ForeignKey(SolutionRevision, on_delete=models.CASCADE, related_name="reviews")
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recommendation = models.CharField(
        _("recommendation"), max_length=10, choices=Recommendation.choices, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=5000)
    created = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["revision", "created"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")

    def __str__(self) -> str:
        return f"{self.revision} — {self.get_stage_display()}"


class CriterionAssessment(models.Model):
    class Rating(models.TextChoices):
        MET = "met", _("Met")
        PARTLY = "partly", _("Partly met")
        NOT_MET = "not_met", _("Not met")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="assessments")
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices)
    justification = models.TextField(_("justification"), max_length=3000)
    evidence_url = models.URLField(_("evidence"), blank=True)

    class Meta:
        unique_together = [("review", "criterion")]
        ordering = ["review", "criterion__position"]
        verbose_name = _("criterion assessment")
        verbose_name_plural = _("criterion assessments")

    def __str__(self) -> str:
        return f"{self.criterion}: {self.get_rating_display()}"


class Feedback(models.Model):
    """A message between reviewers and the submitter, before the decision."""

    revision = models.ForeignKey(
        SolutionRevision, on_delete=models.CASCADE, related_name="feedback"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField(_("message"), max_length=5000)
    created = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        ordering = ["revision", "created"]
        verbose_name = _("review feedback")
        verbose_name_plural = _("review feedback")

    def __str__(self) -> str:
        return f"{self.author} → {self.revision}"


class Replication(models.Model):
    """Where a solution has been adapted: its adoption history."""

    solution = models.ForeignKey(Solution, on_delete=models.CASCADE, related_name="replications")
    institution = models.CharField(_("adapted by"), max_length=200)
    country = CountryField(_("country"))
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(1950)])
    result = models.TextField(_("result"), max_length=2000)
    evidence_url = models.URLField(_("evidence"), blank=True)
    exchange = models.ForeignKey(
        "exchanges.Exchange",
        verbose_name=_("exchange"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replications",
        help_text=_("The exchange on the portal that led to this adaptation, if any."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["solution", "-year", "-pk"]
        verbose_name = _("replication")
        verbose_name_plural = _("replications")

    def __str__(self) -> str:
        return f"{self.institution} ({self.country}, {self.year})"


class TitleOf(Func):
    """The title (A) part of a weighted document (its title, summary and tags part too)."""

    function = "ts_filter"
    template = "%(function)s(%(expressions)s, '{a}')"
    output_field = SearchVectorField()


class FactsCodes(Func):
    """The facet codes in SearchFacts.packed, as an int[] (SQL function of migration 0012)."""

    function = "catalogue_search_codes"
    output_field = ArrayField(models.IntegerField())


class SolutionSearch(TranslatedFields, models.Model):
    """The search row of a vetted solution: its weighted multilingual document and facet values.

    Written by catalogue.search.index_solution() in the transaction that vets (or
    changes) the solution, never by hand. Only vetted solutions have one, so search can
    never show anything else.
    """

    solution = models.OneToOneField(
        Solution, on_delete=models.CASCADE, primary_key=True, related_name="search"
    )
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=10)
    country = models.CharField(max_length=2, blank=True)
    area = models.CharField(max_length=50, blank=True)
    sdgs = ArrayField(models.PositiveSmallIntegerField(), default=list)
    hubs = ArrayField(models.CharField(max_length=80), default=list)
    modalities = ArrayField(models.CharField(max_length=20), default=list)
    tags = ArrayField(models.CharField(max_length=100), default=list)
    vetted_at = models.DateTimeField(null=True)
    replications = models.PositiveIntegerField(default=0)
    is_sample = models.BooleanField(default=False)
    translations = models.JSONField(default=dict, blank=True)
    document = SearchVectorField(null=True)
    # The title (A), summary and tags (B) of the document: what the ranking weighs. Kept
    # apart because a document is mostly stored out of line (TOAST) and read back whole,
    # while this short one stays in the row, so ranking thousands of matches stays cheap.
    # Written by a trigger from the document (migration 0010), never by Python; stored in
    # the row, not in TOAST (0011).
    rank_document = SearchVectorField(null=True, editable=False)
    # Every facet value above as one integer code (SearchFacetValue.code): the filters are
    # one GIN-indexed containment test and the facet counts one pass over small integers.
    facet_codes = ArrayField(models.IntegerField(), default=list)

    class Meta:
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [
            GinIndex(fields=["document"], name="solution_search_document"),
            GinIndex(fields=["facet_codes"], name="solution_search_facets"),
            GinIndex(fields=["hubs"], name="solution_search_hubs"),  # a hub's own page
            # The relevance tiers (catalogue.search._tiers): title, then summary and tags.
            GinIndex(TitleOf(F("rank_document")), name="solution_search_title"),
            GinIndex(fields=["rank_document"], name="solution_search_rank"),
            models.Index(fields=["-vetted_at"], name="solution_search_vetted"),
            # The catalogue's "newest first" order, so a page of it is read from the index.
            models.Index(
                OrderBy(F("vetted_at"), descending=True, nulls_last=True),
                F("solution_id"),
                name="solution_search_newest",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("catalogue:detail", kwargs={"slug": self.slug})

    @cached_property
    def snippet(self):
        """The summary as the viewer reads it, the search's words in <mark> (safe HTML).

        None unless the row comes from SearchResult.with_snippets() with words that
        occur in that summary.
        """
        return marked(getattr(self, "summary_headline", None), max_words=40)

    @cached_property
    def title_snippet(self):
        """The title likewise: safe HTML with the matched words in <mark>, or None."""
        return marked(getattr(self, "title_headline", None))


class SearchFacts(models.Model):
    """What a search counts and orders, for one search row, in a row a tenth as wide.

    A broad search finds every row its words match, to count the facets and order the
    results. Found in SolutionSearch, that is about one page per row (titles, summaries
    and the ranking text are wide); here some sixty rows share a page, and each gives
    catalogue.search its id. The `packed` words (the id, vetting time, replications and
    facet codes) are what each process reads once to keep every row's facts in memory.

    Written by a trigger on SolutionSearch (migration 0012) in the writing transaction,
    never by Python. Each write is a numbered change (SearchFactsChange), so that the
    copy of every row's facts that catalogue.search keeps in memory can follow.
    """

    entry = models.OneToOneField(
        SolutionSearch,
        on_delete=models.CASCADE,
        primary_key=True,
        db_column="solution_id",
        related_name="facts",
    )
    # The id, vetted_at, replications and facet codes as tagged 32-bit words (0012).
    packed = models.BinaryField(editable=False)
    document = SearchVectorField(null=True)  # the search row's, stored out of line
    version = models.BigIntegerField(default=0, db_index=True)  # the change that wrote it
    # Zero bytes that make PostgreSQL toast a row whose document is short (migration 0013):
    # it moves values out of line only from rows over about 2 kB, so a document just under
    # that would stay in the row and make it fifteen times as wide. Compressed, they take
    # about 30 bytes.
    filler = models.BinaryField(null=True, editable=False)

    class Meta:
        verbose_name = _("search facts")
        verbose_name_plural = _("search facts")
        indexes = [
            GinIndex(fields=["document"], name="search_facts_document"),
            # The filters: the codes as an int[] (catalogue_search_codes, migration 0012),
            # indexed without being stored, which keeps the row narrow.
            GinIndex(FactsCodes(F("packed")), name="search_facts_codes"),
        ]

    def __str__(self) -> str:
        return str(self.pk)


class SearchFactsChange(models.Model):
    """One numbered change to SearchFacts: the facts it wrote carry its version, and the
    ids of the facts it removed are listed here.

    Versions come from a sequence, taken under the lock every search writer holds until
    it commits, so they are in commit order: a reader that has seen version n and reads
    the facts and removals above n has every change since. A version is never reused
    (a rolled-back one just goes missing), so a reader whose version is gone starts
    over. Written by the triggers of migration 0013, which keep the last thousand.
    """

    version = models.BigIntegerField(primary_key=True)
    removed = ArrayField(models.BigIntegerField(), default=list, blank=True)

    class Meta:
        verbose_name = _("search facts change")
        verbose_name_plural = _("search facts changes")

    def __str__(self) -> str:
        return str(self.version)


class SearchFacetValue(models.Model):
    """A facet value ("country" "BR", "sdg" "6", "hub" <slug>…) and its integer code.

    The code is the facet's number (catalogue.search.FACET_NUMBERS) in the high bits
    and this row's id in the low 24 bits, so SQL can tell a code's facet by a shift.
    Rows are only ever added (by catalogue.search.index_solution), never renumbered.
    """

    id = models.AutoField(primary_key=True)
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=120)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["facet", "value"], name="search_facet_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"


class SearchFacetTotal(models.Model):
    """How many search rows carry a facet code (code 0: all rows), over the whole catalogue.

    Kept by a trigger on SolutionSearch (migration 0008) in the writing transaction, so
    it is always exact: the catalogue without words or filters reads its facets here.
    """

    code = models.IntegerField(primary_key=True)
    n = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.code}: {self.n}"


class SearchTerm(models.Model):
    """The catalogue's vocabulary, for "did you mean …?" (trigram similarity)."""

    word = models.CharField(max_length=100, primary_key=True)

    class Meta:
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="search_term_trgm")]

    def __str__(self) -> str:
        return self.word
