from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from catalogue.models import SolutionSearch
from core.csv_export import csv_response
from core.forms import add_service_errors
from exchanges.exchange_selectors import hub_exchange_summary
from webinars.models import Webinar

from . import changes as hub_changes
from . import selectors, services
from .filters import HubFilter, facet_counts
from .forms import HubProfileForm, HubProposalForm, ReturnProposalForm
from .models import Hub, HubProposal
from .permissions import (
    can_propose_change,
    can_review_proposal,
    can_see_proposal,
    can_withdraw_proposal,
    is_curator,
    is_hub_editor,
)

PAGE_SIZE = 20


@require_safe
def directory(request):
    queryset = selectors.hub_directory(request.user)
    hub_filter = HubFilter(request.GET or None, queryset=queryset)
    hubs = hub_filter.qs if hub_filter.is_bound else queryset
    page = Paginator(hubs, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "hubs/directory.html",
        {
            "filter": hub_filter,
            "page": page,
            "facets": facet_counts(queryset, params)
            if hub_filter.is_valid() or not hub_filter.is_bound
            else {},
            "query_string": params.urlencode(),
            "has_filters": any(params.values()),
        },
    )


def _get_visible_hub(request, slug) -> Hub:
    return get_object_or_404(
        selectors.hub_for_profile(Hub.objects.visible_to(request.user)), slug=slug
    )


@require_safe
def detail(request, slug):
    hub = _get_visible_hub(request, slug)
    editor = is_hub_editor(request.user, hub)
    curator = is_curator(request.user)
    return render(
        request,
        "hubs/detail.html",
        {
            "hub": hub,
            "changes": _change_rows(selectors.hub_recent_changes(hub, 5)),
            "is_editor": editor,
            "is_curator": curator,
            "pending": hub.proposals.filter(status=HubProposal.Status.PENDING).count()
            if editor or curator
            else 0,
            "webinars": Webinar.objects.visible_to(request.user)
            .filter(host_hub=hub)
            .order_by("-starts_at")[:5],
            "solutions": SolutionSearch.objects.filter(hubs__contains=[hub.slug]).order_by(
                "-vetted_at"
            )[:10],
            "hub_exchanges": hub_exchange_summary(hub, request.user),
            "has_assessment": editor
            or curator
            or hub.assessments.filter(is_published=True, status="submitted").exists(),
        },
    )


def _change_rows(changes):
    return [
        {
            "change": change,
            "rows": hub_changes.rows(
                {field: values["new"] for field, values in change.fields.items()},
                {field: values["old"] for field, values in change.fields.items()},
            ),
        }
        for change in changes
    ]


@require_safe
def history(request, slug):
    hub = _get_visible_hub(request, slug)
    page = Paginator(selectors.hub_recent_changes(hub, None), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "hubs/history.html", {"hub": hub, "page": page, "changes": _change_rows(page)}
    )


@login_required
def propose(request, slug):
    hub = _get_visible_hub(request, slug)
    if not can_propose_change(request.user, hub):
        raise PermissionDenied(_("Only this hub's editors can propose changes to its profile."))
    form = HubProposalForm(request.POST or None, request.FILES or None, instance=hub)
    if request.method == "POST" and form.is_valid():
        try:
            proposal = services.hub_proposal_create(
                hub=hub,
                author=request.user,
                data=form.profile_data(),
                logo=form.cleaned_data.get("logo"),
                comment=form.cleaned_data.get("comment", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Thank you. A curator will review your proposal before it is published.")
            )
            return redirect(proposal)
    return render(request, "hubs/propose.html", {"hub": hub, "form": form, "curator_edit": False})


@login_required
def edit(request, slug):
    hub = _get_visible_hub(request, slug)
    if not is_curator(request.user):
        raise PermissionDenied(_("Only curators can edit hub profiles directly."))
    form = HubProfileForm(request.POST or None, request.FILES or None, instance=hub)
    if request.method == "POST" and form.is_valid():
        try:
            services.hub_update(
                hub=hub,
                curator=request.user,
                data=form.profile_data(),
                logo=form.cleaned_data.get("logo"),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("The profile has been updated and the change recorded in its history.")
            )
            return redirect(hub)
    return render(request, "hubs/propose.html", {"hub": hub, "form": form, "curator_edit": True})


@login_required
@require_safe
def proposal_queue(request):
    if not is_curator(request.user):
        raise PermissionDenied(_("Only curators can review proposals."))
    page = Paginator(selectors.pending_proposals(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "hubs/proposal_queue.html", {"page": page, "now": timezone.now()})


@login_required
def proposal_detail(request, pk):
    proposal = get_object_or_404(
        HubProposal.objects.select_related("hub", "author", "reviewed_by"), pk=pk
    )
    if not can_see_proposal(request.user, proposal):
        raise PermissionDenied(_("Only curators and the author can see this proposal."))
    curator = is_curator(request.user)
    return_form = ReturnProposalForm(request.POST or None) if curator else None
    current = hub_changes.current_values(proposal.hub)
    return render(
        request,
        "hubs/proposal_detail.html",
        {
            "proposal": proposal,
            "rows": hub_changes.rows(proposal.changes, proposal.previous, current),
            "is_curator": curator,
            "return_form": return_form,
        },
    )


@login_required
@require_POST
def proposal_review(request, pk):
    proposal = get_object_or_404(HubProposal.objects.select_related("hub"), pk=pk)
    if not can_see_proposal(request.user, proposal):
        raise PermissionDenied(_("Only curators and the author can see this proposal."))
    action = request.POST.get("action")
    allowed = {
        "approve": can_review_proposal(request.user),
        "return": can_review_proposal(request.user),
        "withdraw": can_withdraw_proposal(request.user, proposal),
    }
    if not allowed.get(action, True):
        raise PermissionDenied(
            _("Only curators can review proposals.")
            if action != "withdraw"
            else _("Only the author can withdraw a proposal.")
        )
    try:
        if action == "approve":
            services.hub_proposal_approve(proposal=proposal, curator=request.user)
            messages.success(request, _("The proposal is approved and the profile is updated."))
            return redirect(proposal.hub)
        if action == "return":
            form = ReturnProposalForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Say what should change before returning the proposal."))
                return redirect(proposal)
            services.hub_proposal_return(
                proposal=proposal, curator=request.user, comment=form.cleaned_data["review_comment"]
            )
            messages.success(request, _("The proposal has been returned to its author."))
            return redirect("hubs:proposals")
        if action == "withdraw":
            services.hub_proposal_withdraw(proposal=proposal, user=request.user)
            messages.success(request, _("Your proposal has been withdrawn."))
            return redirect(proposal.hub)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(proposal)
    messages.error(request, _("Unknown action."))
    return redirect(proposal)


EXPORT_FIELDS = [
    ("slug", "slug"),
    ("name", "name"),
    ("acronym", "acronym"),
    ("kind", "kind"),
    ("country", "country"),
    ("host_institution", "host_institution"),
    ("organisational_model", "organisational_model"),
    ("year_established", "year_established"),
    ("staff_exchange", "staff_exchange"),
    ("staff_total", "staff_total"),
    ("institutions_coordinated", "institutions_coordinated"),
    ("direction", "direction"),
    ("website", "website"),
]


CSV_COLUMNS = [key for key, _attr in EXPORT_FIELDS] + [
    "priority_areas",
    "languages",
    "financing",
    "partner_organisations",
    "url",
]


def _export_rows(request):
    queryset = Hub.objects.published().prefetch_related("priority_areas").order_by("name")
    hub_filter = HubFilter(request.GET or None, queryset=queryset)
    hubs = hub_filter.qs if hub_filter.is_bound else queryset
    for hub in hubs:
        row = {key: getattr(hub, attr) for key, attr in EXPORT_FIELDS}
        row["country"] = hub.country.code or ""
        row["priority_areas"] = [area.slug for area in hub.priority_areas.all()]
        row["languages"] = hub.languages
        row["financing"] = hub.financing
        row["partner_organisations"] = hub.partner_organisations
        row["url"] = request.build_absolute_uri(hub.get_absolute_url())
        yield row


@require_safe
def export_csv(request):
    rows = (
        {
            **row,
            "priority_areas": ";".join(row["priority_areas"]),
            "languages": ";".join(row["languages"]),
            "partner_organisations": ";".join(row["partner_organisations"]),
            "financing": ";".join(
                f"{item['source']}:{'' if item.get('share') is None else item['share']}"
                for item in row["financing"]
            ),
        }
        for row in _export_rows(request)
    )
    return csv_response(filename="knowledge-hubs.csv", columns=CSV_COLUMNS, rows=rows)


@require_safe
def export_json(request):
    response = JsonResponse(
        {"hubs": list(_export_rows(request))}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="knowledge-hubs.json"'
    return response
