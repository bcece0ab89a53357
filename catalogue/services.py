"""The vetting workflow as a state machine, and every other write to the catalogue.

    draft ──submit──▶ submitted ──claim──▶ editorial_check ──pass──▶ expert_review ──decide──▶ vetted
      ▲                                        │ return                  │ review (criteria)    changes_requested
      └──────────── changes_requested ◀────────┘                         │                      rejected
                                                                         └─ feedback to the submitter at any stage

Each function checks who may act, locks the revision, checks its state, and writes in
one transaction. A substantive edit to a vetted solution is a new draft revision; the
vetted one stays public until the new one is vetted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.slugs import unique_slug
from hubs.models import Hub
from notifications.services import notify_many

from . import permissions, search
from .models import (
    Attachment,
    BuildingBlock,
    Criterion,
    CriterionAssessment,
    Feedback,
    Replication,
    ResultFigure,
    Review,
    Solution,
    SolutionRevision,
)

S = SolutionRevision.Status
CONTENT_FIELDS = (
    "title", "summary", "country", "region", "priority_area", "sector", "challenge", "beneficiaries",
    "description", "results", "sdg_targets", "where_applied", "modalities", "cost_and_financing",
    "preconditions", "lessons_learned", "what_failed", "contacts", "original_language", "translations",
    "licence",
)  # fmt: skip
MAX_ATTACHMENTS = 10
REQUIRED_TO_SUBMIT = ("title", "summary", "challenge", "description", "results", "lessons_learned")
EDITABLE = {S.DRAFT, S.CHANGES_REQUESTED}


def revalidation_period() -> timedelta:
    return timedelta(days=30 * getattr(settings, "CATALOGUE_REVALIDATION_MONTHS", 24))


def _lock(revision: SolutionRevision, *states: str) -> SolutionRevision:
    revision = (
        SolutionRevision.objects.select_for_update().select_related("solution").get(pk=revision.pk)
    )
    if states and revision.status not in states:
        raise ValidationError(
            _("This solution is “%(status)s”; that step is not possible now.")
            % {"status": revision.get_status_display()}
        )
    return revision


def _apply(revision: SolutionRevision, data: dict) -> None:
    for field in CONTENT_FIELDS:
        if field in data:
            setattr(revision, field, data[field])
    revision.full_clean(exclude=["solution", "created_by"])
    revision.save()
    if "sdgs" in data:
        revision.sdgs.set(data["sdgs"])
    if "tags" in data:
        revision.tags.set(data["tags"], clear=True)
    if "blocks" in data:
        revision.blocks.all().delete()
        for position, block in enumerate(data["blocks"]):
            item = BuildingBlock(revision=revision, position=position, **block)
            item.full_clean(exclude=["revision"])
            item.save()
    if "figures" in data:
        revision.figures.all().delete()
        for position, figure in enumerate(data["figures"]):
            item = ResultFigure(revision=revision, position=position, **figure)
            item.full_clean(exclude=["revision"])
            item.save()


@transaction.atomic
def solution_create(
    *, hub: Hub, user: User, data: dict, now: datetime | None = None
) -> SolutionRevision:
    """A hub editor starts a solution: a Solution and its first draft revision."""
    if not permissions.can_submit_for_hub(user, hub):
        raise PermissionDenied(_("Only this hub's editors can add solutions for it."))
    now = now or timezone.now()
    solution = Solution.objects.create(
        slug=unique_slug(Solution, data.get("title", ""), fallback="solution"),
        created_by=user,
        created=now,
    )
    solution.hubs.add(hub)
    revision = SolutionRevision(
        solution=solution, number=1, created_by=user, created=now, title=data.get("title", "")
    )
    _apply(revision, data)
    return revision


@transaction.atomic
def revision_update(*, revision: SolutionRevision, user: User, data: dict) -> SolutionRevision:
    """Save a draft (or a revision sent back for changes)."""
    revision = _lock(revision)
    if not permissions.is_solution_editor(user, revision.solution):
        raise PermissionDenied(_("Only the provider hub's editors can edit this solution."))
    if revision.status not in EDITABLE:
        raise ValidationError(
            _("This revision is under review or decided and can no longer be edited.")
        )
    _apply(revision, data)
    return revision


@transaction.atomic
def revision_start(
    *, solution: Solution, user: User, now: datetime | None = None
) -> SolutionRevision:
    """A substantive edit to a vetted solution: a new draft copied from the vetted revision."""
    solution = Solution.objects.select_for_update().get(pk=solution.pk)
    if not permissions.is_solution_editor(user, solution):
        raise PermissionDenied(_("Only the provider hub's editors can edit this solution."))
    open_revision = solution.revisions.exclude(
        status__in=[S.VETTED, S.SUPERSEDED, S.REJECTED]
    ).first()
    if open_revision:
        return open_revision
    source = solution.published or solution.revisions.order_by("-number").first()
    number = (solution.revisions.aggregate(m=Max("number"))["m"] or 0) + 1
    revision = SolutionRevision(
        solution=solution, number=number, created_by=user, created=now or timezone.now(),
        **{field: getattr(source, field) for field in CONTENT_FIELDS},
    )  # fmt: skip
    revision.save()
    revision.sdgs.set(source.sdgs.all())
    BuildingBlock.objects.bulk_create(
        BuildingBlock(revision=revision, position=b.position, title=b.title, description=b.description,
                      enabling_factors=b.enabling_factors, lessons_learned=b.lessons_learned)
        for b in source.blocks.all()
    )  # fmt: skip
    ResultFigure.objects.bulk_create(
        ResultFigure(revision=revision, position=f.position, figure=f.figure, description=f.description,
                     evidence_url=f.evidence_url)
        for f in source.figures.all()
    )  # fmt: skip
    Attachment.objects.bulk_create(
        Attachment(revision=revision, title=a.title, file=a.file.name, original_name=a.original_name,
                   content_type=a.content_type, size=a.size)
        for a in source.attachments.all()
    )  # fmt: skip
    revision.tags.set(source.tags.all())
    return revision


@transaction.atomic
def attachment_add(*, revision: SolutionRevision, user: User, file, title: str = "") -> Attachment:
    """Attach a document to a draft; checked by content, size and name."""
    from core.uploads import validate_document

    revision = _lock(revision, *EDITABLE)
    if not permissions.is_solution_editor(user, revision.solution):
        raise PermissionDenied(_("Only the provider hub's editors can add files."))
    content_type = validate_document(file)
    if revision.attachments.count() >= MAX_ATTACHMENTS:
        raise ValidationError(
            _("A solution can have at most %(count)d files.") % {"count": MAX_ATTACHMENTS}
        )
    attachment = Attachment(
        revision=revision, title=(title or file.name)[:200], original_name=file.name,
        content_type=content_type, size=file.size,
    )  # fmt: skip
    attachment.file.save(file.name, file, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def attachment_remove(*, attachment: Attachment, user: User) -> None:
    revision = _lock(attachment.revision, *EDITABLE)
    if not permissions.is_solution_editor(user, revision.solution):
        raise PermissionDenied(_("Only the provider hub's editors can remove files."))
    attachment.delete()


@transaction.atomic
def revision_submit(
    *, revision: SolutionRevision, user: User, now: datetime | None = None
) -> SolutionRevision:
    revision = _lock(revision, *EDITABLE)
    if not permissions.is_solution_editor(user, revision.solution):
        raise PermissionDenied(_("Only the provider hub's editors can submit this solution."))
    missing = [
        str(SolutionRevision._meta.get_field(f).verbose_name)
        for f in REQUIRED_TO_SUBMIT
        if not getattr(revision, f)
    ]
    if not revision.blocks.exists():
        missing.append(str(_("at least one building block")))
    if missing:
        raise ValidationError(
            _("Complete these before submitting: %(fields)s.") % {"fields": ", ".join(missing)}
        )
    revision.status = S.SUBMITTED
    revision.submitted_at = now or timezone.now()
    revision.save(update_fields=["status", "submitted_at"])
    return revision


def _check_reviewer(user: User, revision: SolutionRevision) -> None:
    if not permissions.is_reviewer(user):
        raise PermissionDenied(_("Only reviewers can review solutions."))
    if not permissions.can_review(user, revision):
        raise PermissionDenied(_("You cannot review a solution of a hub you edit."))


@transaction.atomic
def editorial_claim(*, revision: SolutionRevision, reviewer: User) -> SolutionRevision:
    """A reviewer takes a submitted revision for the editorial check (completeness, plain language)."""
    revision = _lock(revision, S.SUBMITTED)
    _check_reviewer(reviewer, revision)
    revision.status = S.EDITORIAL_CHECK
    revision.save(update_fields=["status"])
    return revision


@transaction.atomic
def editorial_decide(
    *,
    revision: SolutionRevision,
    reviewer: User,
    passed: bool,
    comment: str = "",
    now: datetime | None = None,
) -> SolutionRevision:
    revision = _lock(revision, S.EDITORIAL_CHECK)
    _check_reviewer(reviewer, revision)
    if not passed and not comment.strip():
        raise ValidationError({"comment": _("Say what should change.")})
    Review.objects.create(
        revision=revision, stage=Review.Stage.EDITORIAL, reviewer=reviewer, comment=comment.strip(),
        recommendation=Review.Recommendation.VET if passed else Review.Recommendation.CHANGES,
        created=now or timezone.now(),
    )  # fmt: skip
    revision.status = S.EXPERT_REVIEW if passed else S.CHANGES_REQUESTED
    revision.save(update_fields=["status"])
    _notify_editors(revision, comment=comment.strip())
    return revision


@transaction.atomic
def expert_review(
    *,
    revision: SolutionRevision,
    reviewer: User,
    assessments: dict[str, dict],
    recommendation: str,
    comment: str = "",
    now: datetime | None = None,
) -> Review:
    """A reviewer assesses every active criterion (met / partly / not met) with a justification."""
    revision = _lock(revision, S.EXPERT_REVIEW)
    _check_reviewer(reviewer, revision)
    if recommendation not in Review.Recommendation.values:
        raise ValidationError({"recommendation": _("Choose a recommendation.")})
    criteria = list(Criterion.objects.filter(is_active=True))
    missing = [c.title for c in criteria if c.slug not in assessments]
    if missing:
        raise ValidationError(
            _("Assess every criterion: %(missing)s.") % {"missing": ", ".join(missing)}
        )
    review = Review.objects.create(
        revision=revision, stage=Review.Stage.EXPERT, reviewer=reviewer, recommendation=recommendation,
        comment=comment.strip(), created=now or timezone.now(),
    )  # fmt: skip
    for criterion in criteria:
        values = assessments[criterion.slug]
        item = CriterionAssessment(
            review=review, criterion=criterion, rating=values.get("rating", ""),
            justification=(values.get("justification") or "").strip(), evidence_url=values.get("evidence_url", ""),
        )  # fmt: skip
        item.full_clean(exclude=["review"])
        item.save()
    return review


@transaction.atomic
def feedback_send(
    *, revision: SolutionRevision, user: User, message: str, now: datetime | None = None
) -> Feedback:
    """Reviewers write to the submitter (and the submitter answers) before the decision."""
    revision = _lock(revision, S.SUBMITTED, S.EDITORIAL_CHECK, S.EXPERT_REVIEW)
    if not permissions.can_send_feedback(user, revision):
        raise PermissionDenied(
            _("Only the reviewers and the provider hub's editors can write here.")
        )
    feedback = Feedback(
        revision=revision, author=user, message=message.strip(), created=now or timezone.now()
    )
    feedback.full_clean()
    feedback.save()
    if permissions.is_solution_editor(user, revision.solution):  # the submitter answers
        recipients = User.objects.filter(pk__in=revision.reviews.values("reviewer"))
    else:  # a reviewer writes to the provider hub's editors
        recipients = User.objects.filter(edited_hubs__solutions=revision.solution_id)
    notify_many(
        recipients=list(recipients.exclude(pk=user.pk).distinct()),
        kind="catalogue.feedback",
        target=revision,
        payload={
            "title": revision.title,
            "author": user.display_name,
            "message": feedback.message,
            "url": f"/solutions/review/{revision.pk}/",
        },
    )
    return feedback


@transaction.atomic
def revision_decide(
    *, revision: SolutionRevision, curator: User, decision: str, now: datetime | None = None
) -> SolutionRevision:
    """A curator decides after expert review: vet (publish), request changes, or reject."""
    revision = _lock(revision, S.EXPERT_REVIEW)
    if not permissions.can_decide(curator, revision):
        raise PermissionDenied(
            _("Only curators who do not edit this hub can decide on a solution.")
        )
    if not revision.reviews.filter(stage=Review.Stage.EXPERT).exists():
        raise ValidationError(_("An expert review with the criteria is needed before deciding."))
    outcomes = {"vet": S.VETTED, "changes": S.CHANGES_REQUESTED, "reject": S.REJECTED}
    if decision not in outcomes:
        raise ValidationError(_("Unknown decision."))
    now = now or timezone.now()
    revision.status = outcomes[decision]
    revision.decided_at = now
    revision.decided_by = curator
    revision.save(update_fields=["status", "decided_at", "decided_by"])
    if revision.status == S.VETTED:
        solution = Solution.objects.select_for_update().get(pk=revision.solution_id)
        if solution.published_id:
            SolutionRevision.objects.filter(pk=solution.published_id).update(status=S.SUPERSEDED)
        solution.published = revision
        solution.vetted_at = now
        solution.revalidation_due = (now + revalidation_period()).date()
        solution.save(update_fields=["published", "vetted_at", "revalidation_due"])
        search.index_solution(solution)
    _notify_editors(revision)
    return revision


@transaction.atomic
def replication_add(
    *, solution: Solution, user: User, data: dict, now: datetime | None = None
) -> Replication:
    """Record where a solution has been adapted (the provider's editors or a curator)."""
    solution = Solution.objects.get(pk=solution.pk)
    if not permissions.can_record_replication(user, solution):
        raise PermissionDenied(
            _("Only the provider hub's editors and curators can record replications.")
        )
    if not solution.published_id:
        raise ValidationError(_("Only a vetted solution has an adoption history."))
    replication = Replication(
        solution=solution, recorded_by=user, created=now or timezone.now(), **data
    )
    replication.full_clean()
    replication.save()
    search.index_solution(solution)
    return replication


def _notify_editors(revision: SolutionRevision, *, comment: str = "") -> None:
    """Tell the provider hubs' editors where their solution stands."""
    editors = User.objects.filter(edited_hubs__solutions=revision.solution_id).distinct()
    notify_many(
        recipients=list(editors),
        kind="catalogue.decision",
        target=revision,
        payload={
            "title": revision.title,
            "status": revision.status,
            "status_label": str(revision.get_status_display()),
            "comment": comment,
            "url": revision.solution.get_absolute_url()
            if revision.status == S.VETTED
            else f"/solutions/review/{revision.pk}/",
        },
    )
