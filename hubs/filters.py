"""The hub directory's filters, shared by the page, the API and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import Count, TextField, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Hub, PriorityArea


class HubFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=200)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Hub.Kind.choices)
    country = django_filters.ChoiceFilter(label=_("Country"), choices=countries)
    area = django_filters.ModelChoiceFilter(
        label=_("Priority area"),
        field_name="priority_areas",
        queryset=PriorityArea.objects.all(),
        to_field_name="slug",
    )
    model = django_filters.ChoiceFilter(
        label=_("Organisational model"),
        field_name="organisational_model",
        choices=Hub.OrganisationalModel.choices,
    )
    direction = django_filters.ChoiceFilter(label=_("Direction"), choices=Hub.Direction.choices)

    class Meta:
        model = Hub
        fields = ["q", "kind", "country", "area", "model", "direction"]

    def search(self, queryset, name, value):
        """Every word must appear (accent- and case-insensitively) in the hub's text."""
        text = Concat(
            "name",
            Value(" "),
            "acronym",
            Value(" "),
            "host_institution",
            Value(" "),
            "description",
            output_field=TextField(),
        )
        queryset = queryset.annotate(search_text=text)
        for term in value.split()[:8]:
            queryset = queryset.filter(search_text__unaccent__icontains=term)
        return queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("area"):
            queryset = queryset.distinct()
        return queryset


FACETS = {
    "kind": ("kind", dict(Hub.Kind.choices)),
    "country": ("country", None),
    "area": ("priority_areas__slug", None),
    "model": ("organisational_model", dict(Hub.OrganisationalModel.choices)),
    "direction": ("direction", dict(Hub.Direction.choices)),
}


def facet_counts(queryset, params) -> dict[str, list[dict]]:
    """For each facet, the values and their counts under all the *other* active filters."""
    areas = {area.slug: area.label for area in PriorityArea.objects.all()}
    result = {}
    for facet, (path, labels) in FACETS.items():
        others = params.copy()
        others.pop(facet, None)
        filtered = HubFilter(others, queryset=queryset)
        if not filtered.is_valid():
            result[facet] = {"entries": [], "active": False}
            continue
        rows = (
            filtered.qs.order_by()
            .exclude(**{f"{path}__isnull": True})
            .exclude(**{path: ""})
            .values(path)
            .annotate(count=Count("pk", distinct=True))
            .order_by("-count", path)
        )
        selected = params.get(facet)
        entries = []
        for row in rows:
            value = row[path]
            if facet == "country":
                name = countries.name(value) or value
            elif facet == "area":
                name = areas.get(value, value)
            else:
                name = labels.get(value, value)
            entries.append(
                {
                    "value": value,
                    "label": str(name),
                    "count": row["count"],
                    "selected": value == selected,
                }
            )
        result[facet] = {
            "entries": sorted(entries, key=lambda e: (-e["count"], e["label"])),
            "active": bool(selected),
        }
    return result
