"""Who may do what with hub profiles. Views, API, services and templates all use these."""

from __future__ import annotations


def is_curator(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_active and user.has_perm("hubs.curate_hub")
    )


def is_hub_editor(user, hub) -> bool:
    """A verified member among the hub's editors (see ``HubQuerySet.edited_by``)."""
    from .models import Hub

    return Hub.objects.edited_by(user).filter(pk=hub.pk).exists()


def can_propose_change(user, hub) -> bool:
    return is_hub_editor(user, hub)


def can_see_proposal(user, proposal) -> bool:
    """A proposal is seen by the curators and by its author."""
    return is_curator(user) or bool(
        user and user.is_authenticated and proposal.author_id == user.pk
    )


def can_review_proposal(user) -> bool:
    return is_curator(user)


def can_withdraw_proposal(user, proposal) -> bool:
    return bool(user and user.is_authenticated and proposal.author_id == user.pk)


def can_see_hub(user, hub) -> bool:
    return hub.is_published or is_curator(user) or is_hub_editor(user, hub)


def can_manage_assessment(user, hub) -> bool:
    """Take the self-assessment and adapt the road map: the hub's editors and the curators."""
    return is_curator(user) or is_hub_editor(user, hub)


def can_view_assessment(user, assessment) -> bool:
    published = assessment.is_published and assessment.status == assessment.Status.SUBMITTED
    return published or can_manage_assessment(user, assessment.hub)


def can_see_proposal_logo(user, proposal) -> bool:
    """A proposed logo is not public: its proposer and the curators see it."""
    if not (user and user.is_authenticated):
        return False
    return proposal.author_id == user.pk or is_curator(user)


def can_see_evidence(user, answer) -> bool:
    """Evidence goes with its assessment: a draft's to the hub's editors and the curators."""
    assessment = answer.assessment
    return can_see_hub(user, assessment.hub) and can_view_assessment(user, assessment)
