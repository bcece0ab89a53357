"""Who may do what in the catalogue. Services, views, API and templates use these."""

from __future__ import annotations

from core.permissions import is_verified_member
from hubs.permissions import is_curator, is_hub_editor


def is_reviewer(user) -> bool:
    return is_verified_member(user) and user.has_perm("catalogue.review_solution")


def is_solution_editor(user, solution) -> bool:
    """An editor of one of the solution's provider hubs."""
    return solution.hubs.edited_by(user).exists()


def can_submit_for_hub(user, hub) -> bool:
    return is_hub_editor(user, hub)


def can_review(user, revision) -> bool:
    """Reviewers review, but never a solution of a hub they edit."""
    return is_reviewer(user) and not is_solution_editor(user, revision.solution)


def can_decide(user, revision) -> bool:
    return is_curator(user) and not is_solution_editor(user, revision.solution)


def can_send_feedback(user, revision) -> bool:
    """Reviewers write to the submitter, and the provider hub's editors answer."""
    return can_review(user, revision) or is_solution_editor(user, revision.solution)


def can_see_review(user, revision) -> bool:
    """The review page (content, named reviews, messages): editors, curators, and reviewers
    once the revision is submitted."""
    return (
        is_solution_editor(user, revision.solution)
        or can_decide(user, revision)
        or (can_review(user, revision) and revision.status != revision.Status.DRAFT)
    )


_REVIEW_ACTIONS = {
    "claim": can_review,
    "editorial": can_review,
    "expert": can_review,
    "decide": can_decide,
    "feedback": can_send_feedback,
}


def can_take_review_action(user, revision, action: str) -> bool:
    """May ``user`` take this action of the review page? An unknown one needs the page."""
    return _REVIEW_ACTIONS.get(action, can_see_review)(user, revision)


def can_record_replication(user, solution) -> bool:
    return is_solution_editor(user, solution) or is_curator(user)


def can_see_revision(user, revision) -> bool:
    """The published revision to anyone; a draft only to its hub's editors and curators;
    a revision once submitted to the reviewers too."""
    if revision.solution.published_id == revision.pk:
        return True
    if is_curator(user) or is_solution_editor(user, revision.solution):
        return True
    return is_reviewer(user) and revision.status != revision.Status.DRAFT
