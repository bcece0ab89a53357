"""Writes for the self-assessment and road map: start, answer, submit, adapt the road map."""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from . import scoring
from .models import Answer, Assessment, Hub, Question, Questionnaire, RoadmapStep
from .models.assessment import MAX_LEVEL
from .permissions import can_manage_assessment

ROADMAP_PILLARS = 3
ROADMAP_STEPS = 6


def _check(user: User, hub: Hub) -> None:
    if not can_manage_assessment(user, hub):
        raise PermissionDenied(
            _("Only this hub's editors and the curators can work on its self-assessment.")
        )


def active_questionnaire() -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(is_active=True).order_by("-version").first()
    if questionnaire is None:
        raise ValidationError(_("No questionnaire is active yet."))
    return questionnaire


@transaction.atomic
def assessment_start(*, hub: Hub, user: User, now: datetime | None = None) -> Assessment:
    """Start a new assessment with the active questionnaire, or return the one in progress."""
    _check(user, hub)
    Hub.objects.select_for_update().get(pk=hub.pk)
    draft = hub.assessments.filter(status=Assessment.Status.DRAFT).first()
    if draft:
        return draft
    try:
        return Assessment.objects.create(
            hub=hub,
            questionnaire=active_questionnaire(),
            started_by=user,
            created=now or timezone.now(),
        )
    except IntegrityError:
        raise ValidationError(_("This hub already has an assessment in progress.")) from None


def _locked_draft(assessment: Assessment, user: User) -> Assessment:
    assessment = Assessment.objects.select_for_update().select_related("hub").get(pk=assessment.pk)
    _check(user, assessment.hub)
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError(_("This assessment has been submitted and can no longer change."))
    return assessment


@transaction.atomic
def assessment_answer(*, assessment: Assessment, user: User, answers: dict[int, dict]) -> int:
    """Save answers (question id → level, evidence_note, evidence_url, evidence_file); returns how many."""
    assessment = _locked_draft(assessment, user)
    questions = set(
        Question.objects.filter(
            pillar__questionnaire=assessment.questionnaire, pk__in=answers
        ).values_list("pk", flat=True)
    )
    unknown = set(answers) - questions
    if unknown:
        raise ValidationError(
            _("Some answers are for questions that are not in this questionnaire.")
        )
    for question_id, values in answers.items():
        answer, _created = Answer.objects.get_or_create(
            assessment=assessment, question_id=question_id
        )
        answer.level = values.get("level")
        answer.evidence_note = values.get("evidence_note", answer.evidence_note) or ""
        answer.evidence_url = values.get("evidence_url", answer.evidence_url) or ""
        if values.get("evidence_file"):
            answer.evidence_file = values["evidence_file"]
        answer.full_clean()
        answer.save()
    return len(answers)


def structure(questionnaire: Questionnaire) -> dict[str, list[int]]:
    result: dict[str, list[int]] = {}
    for pillar_code, question_id in Question.objects.filter(
        pillar__questionnaire=questionnaire
    ).values_list("pillar__code", "pk"):
        result.setdefault(pillar_code, []).append(question_id)
    return result


def compute_scores(assessment: Assessment) -> dict[str, dict]:
    levels = dict(assessment.answers.values_list("question_id", "level"))
    return scoring.pillar_scores(structure(assessment.questionnaire), levels)


@transaction.atomic
def assessment_submit(
    *,
    assessment: Assessment,
    user: User,
    share_with_peers: bool = False,
    publish: bool = False,
    now: datetime | None = None,
) -> Assessment:
    """Freeze the scores, propose road-map steps from the weakest pillars."""
    assessment = _locked_draft(assessment, user)
    if not assessment.answers.exclude(level=None).exists():
        raise ValidationError(_("Answer at least one question before submitting."))
    assessment.scores = compute_scores(assessment)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = now or timezone.now()
    assessment.submitted_by = user
    assessment.share_with_peers = share_with_peers
    assessment.is_published = publish
    assessment.save()
    roadmap_propose(assessment=assessment)
    return assessment


@transaction.atomic
def assessment_set_visibility(
    *, assessment: Assessment, user: User, share_with_peers: bool, publish: bool
) -> Assessment:
    assessment = Assessment.objects.select_for_update().select_related("hub").get(pk=assessment.pk)
    _check(user, assessment.hub)
    if assessment.status != Assessment.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted assessment can be shared or published."))
    assessment.share_with_peers = share_with_peers
    assessment.is_published = publish
    assessment.save(update_fields=["share_with_peers", "is_published"])
    return assessment


def roadmap_propose(*, assessment: Assessment) -> list[RoadmapStep]:
    """Next steps from the weakest pillars: each moves one question to its next level."""
    scored = [
        (data["score"], code)
        for code, data in assessment.scores.items()
        if data["score"] is not None
    ]
    weakest = [code for _score, code in sorted(scored)[:ROADMAP_PILLARS]]
    open_questions = set(
        RoadmapStep.objects.filter(hub=assessment.hub)
        .exclude(status=RoadmapStep.Status.DONE)
        .exclude(question=None)
        .values_list("question__code", flat=True)
    )
    levels = dict(assessment.answers.values_list("question_id", "level"))
    questions = (
        Question.objects.filter(
            pillar__questionnaire=assessment.questionnaire, pillar__code__in=weakest
        )
        .select_related("pillar")
        .prefetch_related("levels")
    )
    candidates = []
    for question in questions:
        level = levels.get(question.pk)
        current = 0 if level is None else level
        if current >= MAX_LEVEL or question.code in open_questions:
            continue
        candidates.append(
            (weakest.index(question.pillar.code), current, question.position, question, current)
        )
    candidates.sort(key=lambda c: c[:3])
    position = (
        RoadmapStep.objects.filter(hub=assessment.hub).aggregate(m=Max("position"))["m"] or 0
    ) + 1
    steps = []
    for _pillar_rank, _level, _position, question, current in candidates[:ROADMAP_STEPS]:
        target = next((lvl for lvl in question.levels.all() if lvl.value == current + 1), None)
        steps.append(
            RoadmapStep(
                hub=assessment.hub,
                assessment=assessment,
                question=question,
                target_level=current + 1,
                title=question.text[:200],
                description=target.description if target else "",
                position=position,
            )
        )
        position += 1
    return RoadmapStep.objects.bulk_create(steps)


@transaction.atomic
def roadmap_step_save(
    *,
    hub: Hub,
    user: User,
    step: RoadmapStep | None = None,
    title: str,
    description: str = "",
    owner: str = "",
    due_date: date | None = None,
    status: str = RoadmapStep.Status.NOT_STARTED,
) -> RoadmapStep:
    """Add the hub's own step, or edit a step of its road map."""
    _check(user, hub)
    if step is None:
        last = RoadmapStep.objects.filter(hub=hub).aggregate(m=Max("position"))["m"] or 0
        step = RoadmapStep(hub=hub, position=last + 1)
    else:
        step = RoadmapStep.objects.select_for_update().get(pk=step.pk, hub=hub)
    step.title = title
    step.description = description
    step.owner = owner
    step.due_date = due_date
    step.status = status
    step.full_clean()
    step.save()
    return step


@transaction.atomic
def roadmap_step_move(*, hub: Hub, user: User, step: RoadmapStep, direction: str) -> None:
    """Swap a step with its neighbour ("up" or "down")."""
    _check(user, hub)
    if direction not in {"up", "down"}:
        raise ValidationError(_("Unknown direction."))
    steps = list(RoadmapStep.objects.select_for_update().filter(hub=hub).order_by("position", "pk"))
    index = next((i for i, s in enumerate(steps) if s.pk == step.pk), None)
    if index is None:
        raise ValidationError(_("This step is not on this hub's road map."))
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(steps):
        steps[index], steps[other] = steps[other], steps[index]
    for position, item in enumerate(steps, start=1):
        if item.position != position:
            RoadmapStep.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def roadmap_step_delete(*, hub: Hub, user: User, step: RoadmapStep) -> None:
    _check(user, hub)
    RoadmapStep.objects.filter(pk=step.pk, hub=hub).delete()
