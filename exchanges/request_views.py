"""Knowledge-request pages: the public list, posting, the request with its suggestions,
offers and matches, the curator's broker form and the hub editors' inbox.

Views parse input, call one service from exchanges.services and render; who may do what
is decided by exchanges.permissions (and checked again by the services).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from catalogue.models import Modality, Solution
from core.forms import add_service_errors, error_text
from core.permissions import is_verified_member, verified_member_required
from hubs.models import Hub

from . import permissions, services
from .models import Exchange, KnowledgeRequest, Match, Offer, Suggestion
from .request_forms import BrokerForm, OfferForm, RequestFilter, RequestForm

PAGE_SIZE = 20
MODALITY_LABELS = dict(Modality.choices)


def _modality_labels(values) -> list[str]:
    return [str(MODALITY_LABELS.get(value, value)) for value in values or ()]


def _visible_requests(user):
    return KnowledgeRequest.objects.filter(permissions.visible_requests_filter(user))


def _get_visible_request(request, slug) -> KnowledgeRequest:
    """The request, or 404 for anyone who may not see it (a restricted request stays hidden)."""
    return get_object_or_404(
        _visible_requests(request.user).select_related("requester", "hub", "priority_area"),
        slug=slug,
    )


# --- "Matched because …" ---------------------------------------------------------------------


def explain(reasons: dict, solutions_by_id: dict | None = None) -> list[dict]:
    """The reasons of a Suggestion as translated sentences, with links where there are some.

    Each item is {"text": str, "links": [(label, url), …]}.
    """
    solutions_by_id = solutions_by_id or {}
    lines = []
    if reasons.get("words"):
        lines.append({"text": _("words in common: %s") % ", ".join(reasons["words"]), "links": []})
    if reasons.get("area"):
        lines.append({"text": _("the same priority area"), "links": []})
    if reasons.get("sdgs"):
        numbers = ", ".join(str(n) for n in reasons["sdgs"])
        lines.append({"text": _("shared SDGs: %s") % numbers, "links": []})
    if reasons.get("modalities"):
        labels = ", ".join(_modality_labels(reasons["modalities"]))
        lines.append({"text": _("offers the desired modalities: %s") % labels, "links": []})
    if reasons.get("language"):
        lines.append({"text": _("works in the request’s language"), "links": []})
    if reasons.get("solutions"):
        links = [
            (
                solutions_by_id[pk].published.translated("title"),
                solutions_by_id[pk].get_absolute_url(),
            )
            for pk in reasons["solutions"]
            if pk in solutions_by_id and solutions_by_id[pk].published_id
        ]
        lines.append({"text": _("provides a suggested solution"), "links": links})
    return lines


def _suggestion_rows(suggestions) -> tuple[list[dict], list[dict]]:
    """Solution and hub suggestions with their explained reasons."""
    suggestions = list(suggestions)
    solutions_by_id = {s.solution_id: s.solution for s in suggestions if s.solution_id}
    solution_rows, hub_rows = [], []
    for suggestion in suggestions:
        row = {"suggestion": suggestion, "reasons": explain(suggestion.reasons, solutions_by_id)}
        (solution_rows if suggestion.solution_id else hub_rows).append(row)
    return solution_rows, hub_rows


def _suggestions_queryset():
    return Suggestion.objects.filter(
        Q(solution__published__isnull=False) | Q(hub__is_published=True)
    ).select_related("solution__published", "hub")


# --- List ------------------------------------------------------------------------------------


@require_safe
def request_list(request):
    queryset = (
        _visible_requests(request.user)
        .select_related("priority_area", "hub")
        .order_by("-created", "-pk")
    )
    request_filter = RequestFilter(request.GET or None, queryset=queryset)
    requests = request_filter.qs if request_filter.is_bound else queryset
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page.object_list:
        item.modality_labels = _modality_labels(item.modalities)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "exchanges/requests/list.html",
        {
            "filter": request_filter,
            "page": page,
            "query_string": params.urlencode(),
            "has_filters": any(params.values()),
            "can_post": permissions.can_post_request(request.user),
            "edits_hub": permissions.edits_any_hub(request.user),
        },
    )


# --- Post and edit ---------------------------------------------------------------------------


def _initial_from_solution(slug: str | None) -> tuple[dict, Solution | None]:
    """`?solution=<slug>` (from a solution page): start the request from that solution."""
    if not slug:
        return {}, None
    solution = (
        Solution.objects.filter(slug=slug, published__isnull=False)
        .select_related("published__priority_area")
        .first()
    )
    if solution is None:
        return {}, None
    revision = solution.published
    initial = {
        "title": _("Adapting “%(title)s”") % {"title": revision.translated("title")},
        "priority_area": revision.priority_area_id,
        "sdgs": list(revision.sdgs.values_list("pk", flat=True)),
        "modalities": list(revision.modalities or []),
    }
    return initial, solution


@verified_member_required
def request_new(request):
    initial, solution = _initial_from_solution(request.GET.get("solution"))
    form = RequestForm(
        request.POST if request.method == "POST" else None, initial=initial, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            knowledge_request = services.request_post(user=request.user, data=form.service_data())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Your request is posted. Here are the solutions and hubs that match it best."),
            )
            return redirect(knowledge_request)
    return render(
        request,
        "exchanges/requests/form.html",
        {"form": form, "from_solution": solution, "knowledge_request": None},
    )


@verified_member_required
def request_edit(request, slug):
    knowledge_request = _get_visible_request(request, slug)
    if not permissions.is_requester(request.user, knowledge_request):
        raise PermissionDenied(_("Only the person who posted this request can change it."))
    if knowledge_request.status != KnowledgeRequest.Status.OPEN:
        messages.error(request, _("Only an open request can be changed."))
        return redirect(knowledge_request)
    form = RequestForm(
        request.POST if request.method == "POST" else None,
        instance=knowledge_request,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_update(
                request=knowledge_request, user=request.user, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is updated and its suggestions refreshed."))
            return redirect(knowledge_request)
    return render(
        request,
        "exchanges/requests/form.html",
        {"form": form, "from_solution": None, "knowledge_request": knowledge_request},
    )


# --- Detail ----------------------------------------------------------------------------------


def _offer_hubs(user, knowledge_request) -> list:
    """The published hubs this member edits that may still offer for this request."""
    if knowledge_request.status != KnowledgeRequest.Status.OPEN:
        return []
    return list(
        Hub.objects.edited_by(user)
        .filter(is_published=True)
        .exclude(pk=knowledge_request.hub_id or 0)
        .exclude(offers__request=knowledge_request)
        .order_by("name")
    )


def _render_detail(request, knowledge_request, *, offer_form=None, status=200):
    user = request.user
    requester = permissions.is_requester(user, knowledge_request)
    curator = permissions.can_broker(user)
    sees_offers = requester or curator or permissions.edits_any_hub(user)
    solution_rows, hub_rows = _suggestion_rows(
        _suggestions_queryset().filter(request=knowledge_request)
    )
    if offer_form is None:
        hubs = _offer_hubs(user, knowledge_request) if is_verified_member(user) else []
        offer_form = OfferForm(hubs=hubs) if hubs else None
    offers = matches = ()
    if sees_offers:
        solutions = Prefetch("solutions", queryset=Solution.objects.select_related("published"))
        offers = (
            Offer.objects.filter(request=knowledge_request)
            .select_related("hub", "author")
            .prefetch_related(solutions)
        )
        matches = (
            Match.objects.filter(request=knowledge_request)
            .select_related("proposed_by", "exchange")
            .prefetch_related("hubs", solutions)
        )
        for item in offers:
            item.modality_labels = _modality_labels(item.modalities)
    exchanges = Exchange.objects.filter(request=knowledge_request).filter(
        permissions.visible_exchanges_filter(user)
    )
    return render(
        request,
        "exchanges/requests/detail.html",
        {
            "knowledge_request": knowledge_request,
            "modality_labels": _modality_labels(knowledge_request.modalities),
            "solution_suggestions": solution_rows,
            "hub_suggestions": hub_rows,
            "offers": offers,
            "matches": matches,
            "sees_offers": sees_offers,
            "offer_form": offer_form,
            "is_requester": requester,
            "is_curator": curator,
            "can_close": (requester or curator)
            and knowledge_request.status != KnowledgeRequest.Status.CLOSED,
            "can_edit": requester and knowledge_request.status == KnowledgeRequest.Status.OPEN,
            "exchanges": exchanges,
        },
        status=status,
    )


@require_safe
def request_detail(request, slug):
    return _render_detail(request, _get_visible_request(request, slug))


@verified_member_required
@require_POST
def request_close(request, slug):
    knowledge_request = _get_visible_request(request, slug)
    user = request.user
    if not (permissions.is_requester(user, knowledge_request) or permissions.can_broker(user)):
        raise PermissionDenied(_("Only the requester or a curator can close this request."))
    try:
        services.request_close(request=knowledge_request, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The request is closed. It no longer takes offers or matches."))
    return redirect(knowledge_request)


# --- Offers, brokering and decisions ---------------------------------------------------------


@verified_member_required
@require_POST
def offer(request, slug):
    knowledge_request = _get_visible_request(request, slug)
    hubs = _offer_hubs(request.user, knowledge_request)
    if not hubs:
        if knowledge_request.status != KnowledgeRequest.Status.OPEN:
            messages.error(request, _("This request is no longer open to offers."))
            return redirect(knowledge_request)
        raise PermissionDenied(
            _("Only an editor of a published hub that has not offered yet can offer.")
        )
    form = OfferForm(request.POST, hubs=hubs)
    if form.is_valid():
        try:
            services.offer_make(
                request=knowledge_request,
                hub=form.cleaned_data["hub"],
                user=request.user,
                message=form.cleaned_data["message"],
                solutions=form.cleaned_data["solutions"],
                modalities=form.cleaned_data["modalities"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Your offer has been sent. The requester and the curators can see it.")
            )
            return redirect(knowledge_request)
    return _render_detail(request, knowledge_request, offer_form=form, status=400)


def _broker_candidates(knowledge_request) -> tuple[list[int], list[int], list[int], list[int]]:
    """Hubs and solutions to list first and to preselect, from offers and suggestions."""
    offers = list(
        Offer.objects.filter(request=knowledge_request)
        .prefetch_related("solutions")
        .order_by("created")
    )
    suggestions = list(knowledge_request.suggestions.order_by("position"))
    offered_hubs = [o.hub_id for o in offers]
    offered_solutions = [s.pk for o in offers for s in o.solutions.all()]
    suggested_hubs = [s.hub_id for s in suggestions if s.hub_id]
    suggested_solutions = [s.solution_id for s in suggestions if s.solution_id]
    candidate_hubs = list(dict.fromkeys(offered_hubs + suggested_hubs))
    candidate_solutions = list(dict.fromkeys(offered_solutions + suggested_solutions))
    initial_hubs = offered_hubs or suggested_hubs[:1]
    initial_solutions = offered_solutions
    return candidate_hubs, candidate_solutions, initial_hubs, initial_solutions


@verified_member_required
def broker(request, slug):
    knowledge_request = _get_visible_request(request, slug)
    if not permissions.can_broker(request.user):
        raise PermissionDenied(_("Only curators can broker matches."))
    if knowledge_request.status == KnowledgeRequest.Status.CLOSED:
        messages.error(request, _("This request is closed."))
        return redirect(knowledge_request)
    candidate_hubs, candidate_solutions, initial_hubs, initial_solutions = _broker_candidates(
        knowledge_request
    )
    form = BrokerForm(
        request.POST if request.method == "POST" else None,
        initial={
            "hubs": initial_hubs,
            "solutions": initial_solutions,
            "modality": next(iter(knowledge_request.modalities), ""),
        },
        request_obj=knowledge_request,
        candidate_hubs=candidate_hubs,
        candidate_solutions=candidate_solutions,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.match_propose(
                request=knowledge_request,
                curator=request.user,
                hubs=form.cleaned_data["hubs"],
                solutions=form.cleaned_data["solutions"],
                modality=form.cleaned_data["modality"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The match is proposed to the requester."))
            return redirect(knowledge_request)
    return render(
        request,
        "exchanges/requests/broker.html",
        {
            "knowledge_request": knowledge_request,
            "form": form,
            "offers": Offer.objects.filter(request=knowledge_request).select_related("hub"),
        },
    )


def _get_match(request, slug, pk) -> Match:
    """A match of the request, for its requester only (who alone accepts or declines)."""
    knowledge_request = _get_visible_request(request, slug)
    if not permissions.is_requester(request.user, knowledge_request):
        raise PermissionDenied(_("Only the requester can accept or decline a match."))
    return get_object_or_404(
        Match.objects.select_related("request"), pk=pk, request=knowledge_request
    )


@verified_member_required
@require_POST
def match_accept(request, slug, pk):
    match = _get_match(request, slug, pk)
    try:
        exchange = services.match_accept(match=match, user=request.user)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(match.request)
    messages.success(
        request, _("You accepted the match. Plan the exchange together with the provider hubs.")
    )
    return redirect(exchange.get_absolute_url())


@verified_member_required
@require_POST
def match_decline(request, slug, pk):
    match = _get_match(request, slug, pk)
    reason = request.POST.get("reason", "").strip()[:2000]
    try:
        services.match_decline(match=match, user=request.user, reason=reason)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("You declined the match. A curator may propose another."))
    return redirect(match.request)


# --- For my hub ------------------------------------------------------------------------------


@verified_member_required
@require_safe
def for_my_hub(request):
    hub_ids = list(Hub.objects.edited_by(request.user).values_list("pk", flat=True))
    if not hub_ids:
        raise PermissionDenied(_("Only hub editors see the requests that match their hubs."))
    mine = Q(hub_id__in=hub_ids) | Q(solution__hubs__in=hub_ids)
    matching = Suggestion.objects.filter(mine, request=OuterRef("pk"))
    queryset = (
        _visible_requests(request.user)
        .filter(Exists(matching), status=KnowledgeRequest.Status.OPEN)
        .select_related("priority_area", "hub")
        .prefetch_related(
            Prefetch(
                "suggestions",
                queryset=_suggestions_queryset().filter(mine).distinct().order_by("position"),
                to_attr="my_suggestions",
            )
        )
        .order_by("-created", "-pk")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for item in page.object_list:
        item.modality_labels = _modality_labels(item.modalities)
        solution_rows, hub_rows = _suggestion_rows(item.my_suggestions)
        rows.append({"request": item, "suggestions": hub_rows + solution_rows})
    return render(
        request,
        "exchanges/requests/for_my_hub.html",
        {"page": page, "rows": rows, "query_string": ""},
    )
