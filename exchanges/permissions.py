"""Who may see and do what with requests and exchanges. Services, views, API and templates use these.

- A public request is visible to everyone; a restricted one to its requester, the
  curators and the editors of any hub.
- Any verified member may post a request; only its requester edits, withdraws or
  accepts and declines matches.
- Editors of a published hub (other than the requesting hub) may offer.
- Curators broker matches.
- An exchange is seen like its request (or by everyone when recorded directly). It is
  managed (plan, status) by the editors of the hubs taking part, its requester and the
  curators; each side reports its own results.
"""

from __future__ import annotations

from django.db.models import Q

from core.permissions import is_verified_member
from hubs.models import Hub
from hubs.permissions import is_curator, is_hub_editor


def edits_any_hub(user) -> bool:
    return Hub.objects.edited_by(user).exists()


# --- Requests ------------------------------------------------------------------------------


def can_see_request(user, request) -> bool:
    if request.is_public:
        return True
    if not is_verified_member(user):
        return False
    return request.requester_id == user.pk or is_curator(user) or edits_any_hub(user)


def visible_requests_filter(user) -> Q:
    """A Q object over KnowledgeRequest for the requests ``user`` may see."""
    public = Q(visibility="public")
    if not is_verified_member(user):
        return public
    if is_curator(user) or edits_any_hub(user):
        return Q()
    return public | Q(requester=user)


def can_post_request(user) -> bool:
    return is_verified_member(user)


def is_requester(user, request) -> bool:
    return is_verified_member(user) and request.requester_id == user.pk


def can_offer(user, request, hub) -> bool:
    return (
        request.status == request.Status.OPEN
        and hub.is_published
        and hub.pk != request.hub_id
        and is_hub_editor(user, hub)
    )


def can_broker(user) -> bool:
    return is_curator(user)


# --- Exchanges -----------------------------------------------------------------------------


def visible_exchanges_filter(user) -> Q:
    public = Q(is_public=True)
    if not is_verified_member(user):
        return public
    if is_curator(user) or edits_any_hub(user):
        return Q()
    return public | Q(request__requester=user) | Q(created_by=user)


def can_see_exchange(user, exchange) -> bool:
    if exchange.is_public:
        return True
    if not is_verified_member(user):
        return False
    return (
        is_curator(user)
        or edits_any_hub(user)
        or exchange.created_by_id == user.pk
        or (exchange.request_id is not None and exchange.request.requester_id == user.pk)
    )


def provider_side(user, exchange) -> bool:
    """An editor of one of the exchange's provider hubs."""
    return exchange.provider_hubs.edited_by(user).exists()


def recipient_side(user, exchange) -> bool:
    """The requester, or an editor of the recipient hub."""
    if not is_verified_member(user):
        return False
    if exchange.request_id is not None and exchange.request.requester_id == user.pk:
        return True
    return exchange.recipient_hub_id is not None and is_hub_editor(user, exchange.recipient_hub)


def can_manage_exchange(user, exchange) -> bool:
    return is_curator(user) or provider_side(user, exchange) or recipient_side(user, exchange)


def can_report_result(user, exchange, side: str) -> bool:
    if side == "provider":
        return provider_side(user, exchange)
    if side == "recipient":
        return recipient_side(user, exchange)
    return False


def can_record_exchange(user) -> bool:
    """Hub editors record exchanges done outside the portal (for a hub they edit)."""
    return edits_any_hub(user) or is_curator(user)
