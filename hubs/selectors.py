"""Reads for hub pages, with the joins each needs."""

from __future__ import annotations

from django.db.models import Prefetch

from .models import Hub, HubChange, HubProposal


def hub_directory(user):
    return Hub.objects.visible_to(user).with_card_data().order_by("name")


def hub_recent_changes(hub: Hub, limit: int | None = 10):
    changes = HubChange.objects.filter(hub=hub).select_related("author", "approved_by")
    return changes[:limit] if limit else changes


def pending_proposals():
    return (
        HubProposal.objects.filter(status=HubProposal.Status.PENDING)
        .select_related("hub", "author")
        .order_by("created")
    )


def hub_for_profile(queryset):
    return queryset.prefetch_related(
        "priority_areas",
        Prefetch("partner_hubs", queryset=Hub.objects.published().only("slug", "name", "acronym")),
    )
