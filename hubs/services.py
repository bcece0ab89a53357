"""Every write to a hub profile: proposals, reviews, direct edits, publishing.

Each function checks permission, validates with full_clean() and writes in one
transaction; a published change is always logged as a HubChange row.
"""

from __future__ import annotations

import copy
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.services import notify

from . import changes as hub_changes
from .models import Hub, HubChange, HubProposal, PriorityArea
from .permissions import can_propose_change, is_curator


def _validated_candidate(hub: Hub, values: dict) -> Hub:
    """Apply values to a copy of the hub and validate it, without saving anything."""
    candidate = copy.copy(hub)
    for field, value in values.items():
        if field not in hub_changes.M2M_FIELDS:
            setattr(candidate, field, value)
    candidate.full_clean(exclude=["logo", "slug"])
    if "priority_areas" in values:
        known = set(
            PriorityArea.objects.filter(slug__in=values["priority_areas"]).values_list(
                "slug", flat=True
            )
        )
        unknown = set(values["priority_areas"]) - known
        if unknown:
            raise ValidationError({"priority_areas": _("Unknown priority area.")})
    return candidate


def _publish(
    *,
    hub: Hub,
    values: dict,
    author: User,
    approved_by: User | None,
    logo=None,
    proposal: HubProposal | None = None,
    now: datetime,
) -> HubChange | None:
    """Write validated values to the (locked) hub and log the change."""
    before = hub_changes.current_values(hub)
    changed = {field: value for field, value in values.items() if value != before[field]}
    if not changed and not logo:
        return None
    candidate = _validated_candidate(hub, changed)
    for field in changed:
        if field not in hub_changes.M2M_FIELDS:
            setattr(hub, field, getattr(candidate, field))
    if logo:
        hub.logo = logo
        hub.full_clean(exclude=["slug"])
    hub.save()
    if "priority_areas" in changed:
        hub.priority_areas.set(PriorityArea.objects.filter(slug__in=changed["priority_areas"]))
    fields = {field: {"old": before[field], "new": value} for field, value in changed.items()}
    if logo:
        fields["logo"] = {"old": None, "new": hub.logo.name}
    return HubChange.objects.create(
        hub=hub,
        author=author,
        approved_by=approved_by,
        proposal=proposal,
        created=now,
        fields=fields,
    )


@transaction.atomic
def hub_proposal_create(
    *,
    hub: Hub,
    author: User,
    data: dict,
    logo: UploadedFile | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> HubProposal:
    """A hub editor proposes changes to their own hub; nothing is public until approved."""
    if not can_propose_change(author, hub):
        raise PermissionDenied(_("Only this hub's editors can propose changes to its profile."))
    proposed = hub_changes.diff(hub, data)
    if not proposed and not logo:
        raise ValidationError(_("The proposal does not change anything."))
    _validated_candidate(hub, proposed)
    current = hub_changes.current_values(hub)
    proposal = HubProposal(
        hub=hub,
        author=author,
        changes=proposed,
        previous={field: current[field] for field in proposed},
        comment=comment,
        created=now or timezone.now(),
    )
    if logo:
        proposal.logo = logo
    proposal.full_clean()
    proposal.save()
    return proposal


def _locked_pending(proposal: HubProposal) -> HubProposal:
    proposal = HubProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != HubProposal.Status.PENDING:
        raise ValidationError(_("This proposal has already been reviewed."))
    return proposal


@transaction.atomic
def hub_proposal_approve(
    *, proposal: HubProposal, curator: User, now: datetime | None = None
) -> HubChange | None:
    """A curator publishes a proposal: its values go live and into the history."""
    if not is_curator(curator):
        raise PermissionDenied(_("Only curators can publish changes to hub profiles."))
    now = now or timezone.now()
    proposal = _locked_pending(proposal)
    hub = Hub.objects.select_for_update().get(pk=proposal.hub_id)
    change = _publish(
        hub=hub,
        values=proposal.changes,
        author=proposal.author,
        approved_by=curator,
        logo=proposal.logo or None,
        proposal=proposal,
        now=now,
    )
    proposal.status = HubProposal.Status.APPROVED
    proposal.reviewed_by = curator
    proposal.reviewed_at = now
    proposal.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _notify_author(proposal)
    return change


def _notify_author(proposal: HubProposal) -> None:
    notify(
        recipient=proposal.author,
        kind="hubs.proposal_reviewed",
        target=proposal,
        payload={
            "hub": proposal.hub.name,
            "approved": proposal.status == HubProposal.Status.APPROVED,
            "comment": proposal.review_comment,
            "url": proposal.get_absolute_url(),
        },
    )


@transaction.atomic
def hub_proposal_return(
    *, proposal: HubProposal, curator: User, comment: str, now: datetime | None = None
) -> HubProposal:
    """A curator sends a proposal back to its author with a comment; nothing is published."""
    if not is_curator(curator):
        raise PermissionDenied(_("Only curators can review proposals."))
    if not comment.strip():
        raise ValidationError({"review_comment": _("Say what should change before returning it.")})
    proposal = _locked_pending(proposal)
    proposal.status = HubProposal.Status.RETURNED
    proposal.review_comment = comment.strip()
    proposal.reviewed_by = curator
    proposal.reviewed_at = now or timezone.now()
    proposal.full_clean()
    proposal.save()
    _notify_author(proposal)
    return proposal


@transaction.atomic
def hub_proposal_withdraw(*, proposal: HubProposal, user: User) -> HubProposal:
    proposal = _locked_pending(proposal)
    if proposal.author_id != user.pk:
        raise PermissionDenied(_("Only the author can withdraw a proposal."))
    proposal.status = HubProposal.Status.WITHDRAWN
    proposal.save(update_fields=["status"])
    return proposal


@transaction.atomic
def hub_update(
    *,
    hub: Hub,
    curator: User,
    data: dict,
    logo: UploadedFile | None = None,
    now: datetime | None = None,
) -> HubChange | None:
    """A curator edits a profile directly; the change is published and logged at once."""
    if not is_curator(curator):
        raise PermissionDenied(_("Only curators can edit hub profiles directly."))
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    values = {
        field: hub_changes.to_json(field, value)
        for field, value in data.items()
        if field in hub_changes.EDITABLE_FIELDS
    }
    return _publish(
        hub=hub,
        values=values,
        author=curator,
        approved_by=curator,
        logo=logo,
        now=now or timezone.now(),
    )


@transaction.atomic
def hub_create(*, curator: User, data: dict, slug: str, now: datetime | None = None) -> Hub:
    """A curator adds a hub (unpublished until hub_set_published)."""
    if not is_curator(curator):
        raise PermissionDenied(_("Only curators can add hubs."))
    hub = Hub(slug=slug, kind=data.get("kind") or Hub.Kind.NATIONAL, name=data.get("name") or "")
    hub.full_clean(exclude=["logo"])
    hub.save()
    _publish(
        hub=hub,
        values={
            f: hub_changes.to_json(f, v)
            for f, v in data.items()
            if f in hub_changes.EDITABLE_FIELDS
        },
        author=curator,
        approved_by=curator,
        now=now or timezone.now(),
    )
    return hub


@transaction.atomic
def hub_set_published(
    *, hub: Hub, curator: User, published: bool, now: datetime | None = None
) -> Hub:
    if not is_curator(curator):
        raise PermissionDenied(_("Only curators can publish hub profiles."))
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    if hub.is_published != published:
        hub.is_published = published
        hub.save(update_fields=["is_published", "updated"])
        HubChange.objects.create(
            hub=hub,
            author=curator,
            approved_by=curator,
            created=now or timezone.now(),
            fields={"is_published": {"old": not published, "new": published}},
        )
    return hub
