"""Reads for catalogue pages, with the joins they need."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import Criterion, Replication, Review, Solution, SolutionRevision, SolutionSearch
from .permissions import can_see_revision

REVISION_PARTS = (
    "blocks",
    "attachments",
    "figures",
    "sdgs",
    "tags",
    Prefetch(
        "reviews",
        queryset=Review.objects.filter(stage=Review.Stage.EXPERT)
        .select_related("reviewer")
        .prefetch_related("assessments__criterion"),
        to_attr="expert_reviews",
    ),
)


def solution_for_page(slug: str, user) -> tuple[Solution, SolutionRevision] | None:
    """The solution and the revision this viewer should see (the vetted one for the public)."""
    solution = (
        Solution.objects.filter(slug=slug)
        .select_related("published__priority_area", "published__decided_by")
        .prefetch_related(
            "hubs",
            Prefetch("replications", queryset=Replication.objects.select_related("exchange")),
        )
        .first()
    )
    if solution is None:
        return None
    if solution.published and not user.is_authenticated:
        revision = solution.published
    else:
        latest = (
            solution.revisions.order_by("-number")
            .select_related("priority_area", "decided_by")
            .first()
        )
        revision = latest if latest and can_see_revision(user, latest) else solution.published
    if revision is None:
        return None
    revision = (
        SolutionRevision.objects.prefetch_related(*REVISION_PARTS)
        .select_related("priority_area", "decided_by")
        .get(pk=revision.pk)
    )
    return solution, revision


def published_criteria():
    return Criterion.objects.filter(is_active=True)


def featured_solutions(*, limit: int = 3):
    """The most recently vetted solutions, for the home page."""
    return list(SolutionSearch.objects.exclude(vetted_at=None).order_by("-vetted_at")[:limit])
