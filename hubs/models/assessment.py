"""The hub self-assessment: a versioned questionnaire, a hub's answers, its scores and road map."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.translation import TranslatedFields
from core.uploads import POLICIES, UserFileField

from .profiles import Hub

MAX_LEVEL = 4
EVIDENCE_MAX_BYTES = POLICIES["evidence"].max_bytes


class Questionnaire(models.Model):
    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    is_active = models.BooleanField(
        _("active"),
        default=False,
        help_text=_("New assessments use the active version with the highest number."),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Pillar(TranslatedFields, models.Model):
    class Kind(models.TextChoices):
        INSTITUTIONAL = "institutional", _("Institutional arrangements")
        OPERATIONAL = "operational", _("Operations")

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="pillars"
    )
    code = models.SlugField(_("code"))
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["questionnaire", "position"]
        unique_together = [("questionnaire", "code")]
        verbose_name = _("pillar")
        verbose_name_plural = _("pillars")

    def __str__(self) -> str:
        return self.title


class Question(TranslatedFields, models.Model):
    pillar = models.ForeignKey(Pillar, on_delete=models.CASCADE, related_name="questions")
    code = models.SlugField(_("code"), max_length=80)
    text = models.TextField(_("question"))
    help = models.TextField(_("guidance"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["pillar__position", "position"]
        unique_together = [("pillar", "code")]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text


class Level(TranslatedFields, models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField(_("level"), validators=[MaxValueValidator(MAX_LEVEL)])
    description = models.TextField(_("what it looks like"))
    translations = models.JSONField(_("translations"), default=dict, blank=True)

    class Meta:
        ordering = ["question", "value"]
        unique_together = [("question", "value")]
        verbose_name = _("answer level")
        verbose_name_plural = _("answer levels")

    def __str__(self) -> str:
        return f"{self.value}: {self.description[:60]}"


class AssessmentQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Published assessments for everyone; all of a hub's for its editors; all for curators."""
        from hubs.permissions import is_curator

        if is_curator(user):
            return self
        visible = Q(is_published=True, status=Assessment.Status.SUBMITTED)
        visible |= Q(hub__in=Hub.objects.edited_by(user))
        return self.filter(visible)


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        SUBMITTED = "submitted", _("Submitted")

    hub = models.ForeignKey("hubs.Hub", on_delete=models.CASCADE, related_name="assessments")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="assessments"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("started"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scores = models.JSONField(
        _("scores per pillar"),
        default=dict,
        blank=True,
        help_text=_("Frozen when submitted: {pillar code: {score, answered, total}}."),
    )
    share_with_peers = models.BooleanField(
        _("count in peer statistics"),
        default=False,
        help_text=_("Anonymous medians and quartiles only; your answers are never shown."),
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Anyone can see the scores and answers.")
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        constraints = [
            models.UniqueConstraint(
                fields=["hub"],
                condition=Q(status="draft"),
                name="one_draft_assessment_per_hub",
                violation_error_message=_("This hub already has an assessment in progress."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.hub} — {self.created:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        if self.status == self.Status.DRAFT:
            return reverse("hubs:assessment-take", kwargs={"slug": self.hub.slug, "pk": self.pk})
        return reverse("hubs:assessment-result", kwargs={"slug": self.hub.slug, "pk": self.pk})


def evidence_path(answer: Answer, filename: str) -> str:
    return f"hubs/evidence/{answer.assessment_id}/{filename}"


class Answer(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField(
        _("level"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_LEVEL)],
        help_text=_("Empty when not answered yet."),
    )
    evidence_note = models.TextField(_("evidence"), blank=True, max_length=2000)
    evidence_url = models.URLField(_("evidence link"), blank=True)
    evidence_file = UserFileField(
        _("evidence file"), policy="evidence", upload_to=evidence_path, blank=True
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        unique_together = [("assessment", "question")]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")

    def __str__(self) -> str:
        return f"{self.assessment_id}/{self.question_id}: {self.level}"


class RoadmapStep(models.Model):
    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    hub = models.ForeignKey("hubs.Hub", on_delete=models.CASCADE, related_name="roadmap_steps")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposed_steps"
    )
    question = models.ForeignKey(
        Question, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target_level = models.PositiveSmallIntegerField(
        _("target level"), null=True, blank=True, validators=[MaxValueValidator(MAX_LEVEL)]
    )
    title = models.CharField(_("step"), max_length=200)
    description = models.TextField(_("details"), blank=True, max_length=4000)
    owner = models.CharField(_("owner"), max_length=120, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["hub", "position", "pk"]
        verbose_name = _("road-map step")
        verbose_name_plural = _("road-map steps")

    def __str__(self) -> str:
        return self.title
