"""Every write on requests and exchanges: one function per use case, each in one transaction.

    request_post ─▶ suggestions (matching) ─▶ offer_make (hub editors)
                                           ─▶ match_propose (curator) ─▶ match_accept / match_decline (requester)
    match_accept ─▶ Exchange (planned) ─▶ exchange_update / exchange_set_status ─▶ result_report
                                                                     ─▶ usefulness_rate ─▶ replication_from_exchange
    exchange_record: an exchange done outside the portal, recorded by a hub editor.

Each function checks who may act (exchanges.permissions), locks the row it changes,
checks its state, and writes; notifications go through the outbox in the same
transaction, so a rolled-back change tells no one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from catalogue.models import Replication, Solution
from catalogue.search import CONFIGS, index_solution
from core.slugs import unique_slug
from hubs.models import Hub
from hubs.permissions import is_hub_editor
from notifications.services import notify_many

from . import matching, permissions
from .models import (
    Exchange,
    ExchangeFinancing,
    ExchangeResult,
    FinancingSource,
    KnowledgeRequest,
    Match,
    Offer,
    Suggestion,
)

R = KnowledgeRequest.Status
E = Exchange.Status
REQUEST_FIELDS = (
    "title", "challenge", "tried", "institution", "hub", "country", "priority_area", "modalities",
    "timeline", "language", "visibility",
)  # fmt: skip
EXCHANGE_FIELDS = (
    "title", "provider_institution", "provider_country", "recipient_hub", "recipient_institution",
    "recipient_country", "priority_area", "modality", "start_date", "end_date", "participants",
    "participants_description", "objectives",
)  # fmt: skip
# Allowed status changes of an exchange.
TRANSITIONS = {
    E.PLANNED: {E.UNDER_WAY, E.CANCELLED},
    E.UNDER_WAY: {E.COMPLETED, E.CANCELLED},
    E.COMPLETED: set(),
    E.CANCELLED: set(),
}


def _users_editing(hub_ids) -> list[User]:
    return list(User.objects.filter(edited_hubs__in=list(hub_ids), is_active=True).distinct())


# --- Requests ------------------------------------------------------------------------------


def _index_request(request: KnowledgeRequest) -> None:
    """The request's search document: its words in its own language's configuration and in simple."""
    config = CONFIGS.get((request.language or "").split("-")[0], "simple")
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE exchanges_knowledgerequest SET document =
                setweight(to_tsvector(%s::regconfig, unaccent(title)), 'A')
             || setweight(to_tsvector('simple', unaccent(title)), 'A')
             || setweight(to_tsvector(%s::regconfig, unaccent(challenge || ' ' || tried)), 'B')
             || setweight(to_tsvector('simple', unaccent(challenge || ' ' || tried)), 'B')
            WHERE id = %s
            """,
            [config, config, request.pk],
        )


def _validate_request(request: KnowledgeRequest, user: User) -> None:
    request.full_clean(exclude=["requester", "slug", "document"])
    if request.hub_id and not is_hub_editor(user, request.hub):
        raise ValidationError(
            {"hub": _("You can only make a request on behalf of a hub you edit.")}
        )


def refresh_suggestions(request: KnowledgeRequest) -> list[Suggestion]:
    """Recompute and store the suggested solutions and hubs of a request."""
    solutions, hubs = matching.suggestions_for(request)
    request.suggestions.all().delete()
    rows = [
        Suggestion(request=request, solution_id=c.pk, score=c.score, reasons=c.reasons, position=i)
        for i, c in enumerate(solutions)
    ] + [
        Suggestion(request=request, hub_id=c.pk, score=c.score, reasons=c.reasons, position=i)
        for i, c in enumerate(hubs)
    ]
    return Suggestion.objects.bulk_create(rows)


def _tell_matching_hubs(request: KnowledgeRequest, suggestions: list[Suggestion]) -> None:
    hub_ids = {s.hub_id for s in suggestions if s.hub_id}
    recipients = [u for u in _users_editing(hub_ids) if u.pk != request.requester_id]
    notify_many(
        recipients=recipients,
        kind="exchanges.request_match",
        target=request,
        payload={"title": request.title, "url": request.get_absolute_url()},
    )


@transaction.atomic
def request_post(*, user: User, data: dict, now: datetime | None = None) -> KnowledgeRequest:
    """A verified member posts a knowledge request; the portal suggests solutions and hubs."""
    if not permissions.can_post_request(user):
        raise PermissionDenied(_("Only verified members can post knowledge requests."))
    request = KnowledgeRequest(requester=user, created=now or timezone.now())
    for name in REQUEST_FIELDS:
        if name in data:
            setattr(request, name, data[name])
    _validate_request(request, user)
    request.slug = unique_slug(KnowledgeRequest, request.title, fallback="request")
    request.save()
    if "sdgs" in data:
        request.sdgs.set(data["sdgs"])
    _index_request(request)
    suggestions = refresh_suggestions(request)
    _tell_matching_hubs(request, suggestions)
    return request


@transaction.atomic
def request_update(*, request: KnowledgeRequest, user: User, data: dict) -> KnowledgeRequest:
    """The requester edits an open request; its suggestions are recomputed."""
    request = KnowledgeRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.is_requester(user, request):
        raise PermissionDenied(_("Only the person who posted this request can change it."))
    if request.status != R.OPEN:
        raise ValidationError(_("Only an open request can be changed."))
    for name in REQUEST_FIELDS:
        if name in data:
            setattr(request, name, data[name])
    _validate_request(request, user)
    request.save()
    if "sdgs" in data:
        request.sdgs.set(data["sdgs"])
    _index_request(request)
    refresh_suggestions(request)
    Exchange.objects.filter(request=request).update(is_public=request.is_public)
    return request


@transaction.atomic
def request_close(*, request: KnowledgeRequest, user: User) -> KnowledgeRequest:
    """The requester (or a curator) closes a request: no more offers or matches."""
    request = KnowledgeRequest.objects.select_for_update().get(pk=request.pk)
    if not (permissions.is_requester(user, request) or permissions.can_broker(user)):
        raise PermissionDenied(_("Only the requester or a curator can close this request."))
    if request.status == R.CLOSED:
        raise ValidationError(_("This request is already closed."))
    request.status = R.CLOSED
    request.save(update_fields=["status", "updated"])
    request.matches.filter(status=Match.Status.PROPOSED).update(status=Match.Status.WITHDRAWN)
    return request


# --- Offers and matches --------------------------------------------------------------------


def _vetted(solutions, hubs=None) -> list[Solution]:
    solutions = list(solutions or [])
    for solution in solutions:
        if not solution.published_id:
            raise ValidationError(_("Only vetted solutions can be offered or matched."))
        if hubs is not None and not solution.hubs.filter(pk__in=[h.pk for h in hubs]).exists():
            raise ValidationError(
                _("“%(solution)s” is not a solution of the hubs in this match.")
                % {"solution": solution.slug}
            )
    return solutions


@transaction.atomic
def offer_make(
    *,
    request: KnowledgeRequest,
    hub: Hub,
    user: User,
    message: str,
    solutions=(),
    modalities=(),
    now: datetime | None = None,
) -> Offer:
    """A hub editor expresses the hub's interest in a request, with a short offer."""
    request = KnowledgeRequest.objects.select_for_update().get(pk=request.pk)
    if not permissions.can_see_request(user, request):
        raise PermissionDenied(_("You cannot see this request."))
    if request.status != R.OPEN:
        raise ValidationError(_("This request is no longer open to offers."))
    if not permissions.can_offer(user, request, hub):
        raise PermissionDenied(_("Only an editor of a published hub can offer for that hub."))
    if Offer.objects.filter(request=request, hub=hub).exists():
        raise ValidationError(_("Your hub has already made an offer for this request."))
    offer = Offer(
        request=request,
        hub=hub,
        author=user,
        message=message,
        modalities=list(modalities),
        created=now or timezone.now(),
    )
    offer.full_clean(exclude=["author"])
    offer.save()
    offer.solutions.set(_vetted(solutions, [hub]))
    notify_many(
        recipients=[request.requester],
        kind="exchanges.offer",
        target=offer,
        payload={
            "title": request.title,
            "hub": hub.display_name,
            "event": "offer",
            "url": request.get_absolute_url(),
        },
    )
    return offer


@transaction.atomic
def match_propose(
    *,
    request: KnowledgeRequest,
    curator: User,
    hubs,
    solutions=(),
    modality: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Match:
    """A curator brokers: proposes one or more provider hubs (and their solutions) to the requester."""
    if not permissions.can_broker(curator):
        raise PermissionDenied(_("Only curators can broker matches."))
    request = KnowledgeRequest.objects.select_for_update().get(pk=request.pk)
    if request.status == R.CLOSED:
        raise ValidationError(_("This request is closed."))
    hubs = list(hubs)
    if not hubs:
        raise ValidationError({"hubs": _("Choose at least one provider hub.")})
    if any(not hub.is_published for hub in hubs):
        raise ValidationError({"hubs": _("Only published hubs can be proposed.")})
    if request.hub_id and any(hub.pk == request.hub_id for hub in hubs):
        raise ValidationError({"hubs": _("The requesting hub cannot be its own provider.")})
    match = Match(
        request=request,
        modality=modality,
        note=note,
        proposed_by=curator,
        proposed_at=now or timezone.now(),
    )
    match.full_clean(exclude=["proposed_by"])
    match.save()
    match.hubs.set(hubs)
    match.solutions.set(_vetted(solutions, hubs))
    payload = {"title": request.title, "event": "proposed", "url": request.get_absolute_url()}
    notify_many(
        recipients=[request.requester], kind="exchanges.offer", target=match, payload=payload
    )
    return match


def _lock_match(match: Match) -> Match:
    match = Match.objects.select_for_update(of=("self",)).select_related("request").get(pk=match.pk)
    return match


@transaction.atomic
def match_accept(*, match: Match, user: User, now: datetime | None = None) -> Exchange:
    """The requester accepts a proposed match: it becomes a planned exchange."""
    now = now or timezone.now()
    match = _lock_match(match)
    request = KnowledgeRequest.objects.select_for_update().get(pk=match.request_id)
    if not permissions.is_requester(user, request):
        raise PermissionDenied(_("Only the requester can accept or decline a match."))
    if match.status != Match.Status.PROPOSED or request.status == R.CLOSED:
        raise ValidationError(_("This match can no longer be accepted."))
    match.status, match.decided_at = Match.Status.ACCEPTED, now
    match.save(update_fields=["status", "decided_at"])
    request.status = R.MATCHED
    request.save(update_fields=["status", "updated"])

    hubs = list(match.hubs.order_by("name"))
    solutions = list(match.solutions.all())
    first = hubs[0]
    modality = match.modality or next(iter(request.modalities), "") or "workshop"
    exchange = Exchange(
        slug=unique_slug(Exchange, request.title, fallback="exchange"),
        title=request.title,
        request=request,
        match=match,
        provider_institution=", ".join(h.host_institution or h.name for h in hubs)[:200],
        provider_country=first.country or request.country,
        recipient_hub=request.hub,
        recipient_institution=request.institution,
        recipient_country=request.country,
        priority_area=request.priority_area,
        modality=modality,
        objectives=request.challenge,
        is_public=request.is_public,
        created_by=user,
        created=now,
        is_sample=request.is_sample,
    )
    exchange.full_clean(exclude=["created_by", "match", "request"])
    exchange.save()
    exchange.provider_hubs.set(hubs)
    exchange.solutions.set(solutions)
    notify_many(
        recipients=_users_editing([h.pk for h in hubs]),
        kind="exchanges.match",
        target=exchange,
        payload={"title": exchange.title, "event": "accepted", "url": exchange.get_absolute_url()},
    )
    return exchange


@transaction.atomic
def match_decline(*, match: Match, user: User, reason: str = "", now=None) -> Match:
    match = _lock_match(match)
    if not permissions.is_requester(user, match.request):
        raise PermissionDenied(_("Only the requester can accept or decline a match."))
    if match.status != Match.Status.PROPOSED:
        raise ValidationError(_("This match can no longer be declined."))
    match.status, match.decided_at, match.decline_reason = (
        Match.Status.DECLINED,
        now or timezone.now(),
        reason,
    )
    match.full_clean(exclude=["proposed_by"])
    match.save(update_fields=["status", "decided_at", "decline_reason"])
    notify_many(
        recipients=[match.proposed_by, *_users_editing(match.hubs.values_list("pk", flat=True))],
        kind="exchanges.match",
        target=match,
        payload={
            "title": match.request.title,
            "event": "declined",
            "url": match.request.get_absolute_url(),
        },
    )
    return match


# --- Exchanges -----------------------------------------------------------------------------


def clean_financing(rows: list[dict]) -> list[dict]:
    """Validate a financing mix: known sources once each, an amount or a share, shares ≤ 100%."""
    seen, total, cleaned = set(), 0, []
    for row in rows:
        source = row.get("source")
        if source not in FinancingSource.values:
            raise ValidationError({"financing": _("Unknown financing source.")})
        if source in seen:
            raise ValidationError({"financing": _("Each financing source can appear only once.")})
        seen.add(source)
        amount, share = row.get("amount"), row.get("share")
        if amount in ("", None) and share in ("", None):
            raise ValidationError(
                {"financing": _("Give an amount or a share for each financing source.")}
            )
        if amount not in ("", None):
            amount = Decimal(str(amount))
            if amount < 0:
                raise ValidationError({"financing": _("Amounts cannot be negative.")})
        else:
            amount = None
        if share not in ("", None):
            share = int(share)
            if not 0 <= share <= 100:
                raise ValidationError({"financing": _("A share is between 0 and 100%.")})
            total += share
        else:
            share = None
        cleaned.append(
            {"source": source, "amount": amount, "share": share, "note": row.get("note", "")}
        )
    if total > 100:
        raise ValidationError({"financing": _("The shares add up to more than 100%.")})
    return cleaned


def _set_financing(exchange: Exchange, rows: list[dict]) -> None:
    exchange.financing.all().delete()
    for row in clean_financing(rows):
        item = ExchangeFinancing(exchange=exchange, **row)
        item.full_clean(exclude=["exchange"])
        item.save()


def _apply_exchange(exchange: Exchange, data: dict) -> None:
    for name in EXCHANGE_FIELDS:
        if name in data:
            setattr(exchange, name, data[name])
    exchange.full_clean(exclude=["created_by", "match", "request", "slug"])


@transaction.atomic
def exchange_record(*, user: User, data: dict, now: datetime | None = None) -> Exchange:
    """A hub editor records an exchange done outside the portal; their hub must take part."""
    if not permissions.can_record_exchange(user):
        raise PermissionDenied(_("Only hub editors and curators can record exchanges."))
    provider_hubs = list(data.get("provider_hubs") or [])
    recipient_hub = data.get("recipient_hub")
    own = set(Hub.objects.edited_by(user).values_list("pk", flat=True))
    taking_part = {h.pk for h in provider_hubs} | ({recipient_hub.pk} if recipient_hub else set())
    if not permissions.can_broker(user) and not (own & taking_part):
        raise PermissionDenied(_("You can only record exchanges your own hub takes part in."))
    status = data.get("status") or E.PLANNED
    if status not in E.values:
        raise ValidationError({"status": _("Unknown status.")})
    now = now or timezone.now()
    exchange = Exchange(created_by=user, created=now, status=status, is_public=True)
    _apply_exchange(exchange, data)
    exchange.slug = unique_slug(Exchange, exchange.title, fallback="exchange")
    if status == E.COMPLETED:
        exchange.completed_at = now
    exchange.save()
    exchange.provider_hubs.set(provider_hubs)
    exchange.solutions.set(_vetted(data.get("solutions") or []))
    if "financing" in data:
        _set_financing(exchange, data["financing"])
    return exchange


def _lock_exchange(exchange: Exchange) -> Exchange:
    return (
        Exchange.objects.select_for_update(of=("self",))
        .select_related("request")
        .get(pk=exchange.pk)
    )


@transaction.atomic
def exchange_update(*, exchange: Exchange, user: User, data: dict) -> Exchange:
    """Those taking part (or a curator) complete the plan: dates, participants, financing…"""
    exchange = _lock_exchange(exchange)
    if not permissions.can_manage_exchange(user, exchange):
        raise PermissionDenied(_("Only those taking part in this exchange can change it."))
    if exchange.status == E.CANCELLED:
        raise ValidationError(_("A cancelled exchange cannot be changed."))
    _apply_exchange(exchange, data)
    exchange.save()
    if "solutions" in data:
        exchange.solutions.set(_vetted(data["solutions"]))
    if "financing" in data:
        _set_financing(exchange, data["financing"])
    return exchange


@transaction.atomic
def exchange_set_status(
    *, exchange: Exchange, user: User, status: str, now: datetime | None = None
) -> Exchange:
    """planned → under way → completed; planned or under way → cancelled."""
    exchange = _lock_exchange(exchange)
    if not permissions.can_manage_exchange(user, exchange):
        raise PermissionDenied(_("Only those taking part in this exchange can change it."))
    if status not in TRANSITIONS.get(exchange.status, set()):
        raise ValidationError(
            _("An exchange that is “%(status)s” cannot become “%(new)s”.")
            % {"status": exchange.get_status_display(), "new": E(status).label}
            if status in E.values
            else _("Unknown status.")
        )
    now = now or timezone.now()
    exchange.status = status
    if status == E.COMPLETED:
        exchange.completed_at = now
        if exchange.end_date is None:
            exchange.end_date = timezone.localdate(now)
            if exchange.start_date and exchange.start_date > exchange.end_date:
                exchange.end_date = exchange.start_date
    if status == E.UNDER_WAY and exchange.start_date is None:
        exchange.start_date = timezone.localdate(now)
    exchange.save()
    people = _users_editing(exchange.provider_hubs.values_list("pk", flat=True))
    if exchange.recipient_hub_id:
        people += _users_editing([exchange.recipient_hub_id])
    if exchange.request_id:
        people.append(exchange.request.requester)
    notify_many(
        recipients=[p for p in {p.pk: p for p in people}.values() if p.pk != user.pk],
        kind="exchanges.match",
        target=exchange,
        payload={
            "title": exchange.title,
            "event": status,
            "status_label": str(exchange.get_status_display()),
            "url": exchange.get_absolute_url(),
        },
    )
    return exchange


@transaction.atomic
def result_report(
    *, exchange: Exchange, user: User, data: dict, now: datetime | None = None
) -> ExchangeResult:
    """One side reports an intermediate outcome, with evidence, during or after the exchange."""
    exchange = _lock_exchange(exchange)
    side = data.get("side", "")
    if not permissions.can_report_result(user, exchange, side):
        raise PermissionDenied(_("Only those taking part on that side can report its results."))
    if exchange.status not in (E.UNDER_WAY, E.COMPLETED):
        raise ValidationError(_("Results are reported once the exchange is under way."))
    result = ExchangeResult(
        exchange=exchange,
        side=side,
        outcome=data.get("outcome", ""),
        description=data.get("description", ""),
        evidence_url=data.get("evidence_url", ""),
        is_adoption=bool(data.get("is_adoption")),
        reported_by=user,
        reported_at=now or timezone.now(),
    )
    result.full_clean(exclude=["reported_by"])
    result.save()
    return result


@transaction.atomic
def usefulness_rate(*, exchange: Exchange, user: User, rating, comment: str = "") -> Exchange:
    """The recipient says how useful the exchange was (1–5), once it is completed."""
    exchange = _lock_exchange(exchange)
    if not permissions.recipient_side(user, exchange):
        raise PermissionDenied(_("Only the recipient can rate the usefulness of an exchange."))
    if exchange.status != E.COMPLETED:
        raise ValidationError(_("An exchange is rated once it is completed."))
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"usefulness": _("Choose a rating from 1 to 5.")})
    exchange.usefulness, exchange.usefulness_comment = rating, comment
    exchange.full_clean(exclude=["created_by", "match", "request"])
    exchange.save(update_fields=["usefulness", "usefulness_comment", "updated"])
    return exchange


@transaction.atomic
def replication_from_exchange(
    *, exchange: Exchange, user: User, solution: Solution, now: datetime | None = None
) -> Replication:
    """A completed exchange with an adoption result becomes a replication on the solution."""
    exchange = _lock_exchange(exchange)
    if not permissions.can_manage_exchange(user, exchange):
        raise PermissionDenied(_("Only those taking part in this exchange can do this."))
    if exchange.status != E.COMPLETED:
        raise ValidationError(_("Only a completed exchange can become a replication."))
    adoption = exchange.results.filter(is_adoption=True).order_by("reported_at").first()
    if adoption is None:
        raise ValidationError(_("Report an adoption result first."))
    if not exchange.solutions.filter(pk=solution.pk).exists():
        raise ValidationError(_("This solution is not part of the exchange."))
    solution = Solution.objects.select_for_update().get(pk=solution.pk)
    if not solution.published_id:
        raise ValidationError(_("Only a vetted solution has an adoption history."))
    if Replication.objects.filter(exchange=exchange, solution=solution).exists():
        raise ValidationError(_("This exchange is already in the solution's adoption history."))
    now = now or timezone.now()
    replication = Replication(
        solution=solution,
        institution=exchange.recipient_institution,
        country=exchange.recipient_country,
        year=(exchange.end_date or timezone.localdate(now)).year,
        result=adoption.description,
        evidence_url=adoption.evidence_url,
        exchange=exchange,
        recorded_by=user,
        created=now,
    )
    replication.full_clean()
    replication.save()
    index_solution(solution)
    return replication
