from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST, require_safe
from django_countries import countries

from core.csv_export import csv_response
from hubs.models import Hub, PriorityArea

from . import search, selectors, services
from .forms import ReplicationForm
from .models import SDG, Modality, Solution, SolutionSearch
from .permissions import can_record_replication

PAGE_SIZE = 20
SORTS = {"relevance", "newest", "replicated"}


FACET_TITLES = {
    "area": _("Priority area"),
    "sdg": _("SDG"),
    "country": _("Country"),
    "hub": _("Provider hub"),
    "modality": _("Exchange modality"),
    "language": _("Language"),
    "tag": _("Tag"),
}


def _facet_labels(facets):
    areas = {a.slug: a.label for a in PriorityArea.objects.all()}
    sdgs = {str(s.number): str(s) for s in SDG.objects.all()}
    hub_slugs = {value for value, _n in facets.get("hub", [])}
    hubs = dict(Hub.objects.filter(slug__in=hub_slugs).values_list("slug", "acronym"))
    modalities = dict(Modality.choices)
    from django.conf.global_settings import LANGUAGES

    languages = dict(LANGUAGES)
    label = {
        "area": lambda v: areas.get(v, v),
        "sdg": lambda v: sdgs.get(v, v),
        "country": lambda v: countries.name(v) or v,
        "hub": lambda v: hubs.get(v) or v,
        "modality": lambda v: modalities.get(v, v),
        "language": lambda v: languages.get(v, v),
        "tag": lambda v: v.replace("-", " "),
    }
    return {
        name: [{"value": v, "label": str(label[name](v)), "count": n} for v, n in values]
        for name, values in facets.items()
    }


@require_safe
def catalogue(request):
    q = request.GET.get("q", "")[:200]
    sort = request.GET.get("sort", "relevance")
    sort = sort if sort in SORTS else "relevance"
    filters = {name: request.GET.get(name, "")[:100] for name in search.FACETS}
    result = search.search(q=q, filters=filters, sort=sort)
    page = Paginator(result.rows(), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "catalogue/search.html",
        {
            "q": q,
            "sort": sort,
            "filters": filters,
            "page": page,
            "facets": _facet_labels(result.facets),
            "suggestion": result.suggestion,
            "corrected": result.corrected,
            "query_string": params.urlencode(),
            "facet_titles": FACET_TITLES,
        },
    )


@require_safe
def detail(request, slug):
    found = selectors.solution_for_page(slug, request.user)
    if found is None:
        raise Http404
    solution, revision = found
    entry = SolutionSearch.objects.filter(pk=solution.pk).first()
    return render(
        request,
        "catalogue/detail.html",
        {
            "solution": solution,
            "revision": revision,
            "is_public_version": solution.published_id == revision.pk,
            "overdue": solution.is_overdue(timezone.localdate()),
            "modality_labels": [
                Modality(m).label for m in revision.modalities if m in Modality.values
            ],
            "related": search.related(entry) if entry else [],
            "can_record_replication": bool(solution.published_id)
            and can_record_replication(request.user, solution),
            "replication_form": ReplicationForm(),
        },
    )


@require_safe
def how_we_vet(request):
    return render(
        request, "catalogue/how_we_vet.html", {"criteria": selectors.published_criteria()}
    )


EXPORT_LIMIT = 5000
EXPORT_COLUMNS = [
    "slug",
    "title",
    "summary",
    "language",
    "country",
    "area",
    "sdgs",
    "hubs",
    "modalities",
    "tags",
    "vetted_at",
    "replications",
    "url",
]


def _export_rows(request):
    filters = {name: request.GET.get(name, "")[:100] for name in search.FACETS}
    result = search.search(
        q=request.GET.get("q", "")[:200], filters=filters, sort=request.GET.get("sort", "relevance")
    )
    for entry in result.rows(snippets=False)[:EXPORT_LIMIT]:
        yield {
            "slug": entry.slug,
            "title": entry.title,
            "summary": entry.summary,
            "language": entry.language,
            "country": entry.country,
            "area": entry.area,
            "sdgs": entry.sdgs,
            "hubs": entry.hubs,
            "modalities": entry.modalities,
            "tags": entry.tags,
            "vetted_at": entry.vetted_at.isoformat() if entry.vetted_at else None,
            "replications": entry.replications,
            "url": request.build_absolute_uri(reverse("catalogue:detail", args=[entry.slug])),
        }


@require_safe
def export_csv(request):
    rows = (
        {k: ";".join(map(str, v)) if isinstance(v, list) else v for k, v in row.items()}
        for row in _export_rows(request)
    )
    return csv_response(filename="solutions.csv", columns=EXPORT_COLUMNS, rows=rows)


@require_safe
def export_json(request):
    response = JsonResponse(
        {"solutions": list(_export_rows(request))}, json_dumps_params={"ensure_ascii": False}
    )
    response["Content-Disposition"] = 'attachment; filename="solutions.json"'
    return response


@login_required
@require_POST
def add_replication(request, slug):
    solution = get_object_or_404(Solution, slug=slug)
    if not can_record_replication(request.user, solution):
        raise PermissionDenied(
            _("Only the provider hub's editors and curators can record replications.")
        )
    form = ReplicationForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(solution)
    try:
        services.replication_add(solution=solution, user=request.user, data=form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The adaptation is recorded in the adoption history."))
    return redirect(solution)
