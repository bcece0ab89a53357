"""Reads for the exchanges dashboard: the filters and one GROUP BY query per figure.

    visible_exchanges(user) ─▶ ExchangeFilter (year, area, region, hub) ─▶ Figures
        flows()       provider country → recipient country
        by_area()     per year and priority area
        by_modality() per year and modality
        financing()   total US$ and average share per source
        hub_balance() exchanges given (provider hub) and received (recipient hub) per hub

Every figure counts the exchanges the viewer may see, cancelled ones excluded. The
number of queries does not depend on the number of exchanges. The page, the CSV
downloads and the API share the filters.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalogue.models import Modality
from hubs.models import Hub, PriorityArea

from . import permissions
from .models import Exchange, ExchangeFinancing, FinancingSource
from .regions import Region, countries_in

# The year of an exchange: its start, or the day it was recorded (UTC, like Exchange.year).
YEAR = Coalesce(ExtractYear("start_date"), ExtractYear("created", tzinfo=datetime.UTC))
TOP_FLOWS = 15
TOP_HUBS = 20  # hubs drawn and listed on the page (the most active); the CSV has them all
FIRST_YEAR, LAST_YEAR = 1945, 2100


def visible_exchanges(user):
    """The exchanges ``user`` may see, without the cancelled ones."""
    return (
        Exchange.objects.filter(permissions.visible_exchanges_filter(user))
        .exclude(status=Exchange.Status.CANCELLED)
        .order_by()
    )


def with_year(queryset):
    return queryset.annotate(exchange_year=YEAR)


@extend_schema_field(OpenApiTypes.INT)
class YearFilter(django_filters.Filter):
    field_class = forms.IntegerField


@extend_schema_field(OpenApiTypes.STR)
class HubSlugFilter(django_filters.ModelChoiceFilter):
    """A hub's address."""


class ExchangeFilter(django_filters.FilterSet):
    """The dashboard's filters; the API adds status and modality."""

    year = YearFilter(
        label=gettext_lazy("Year"),
        method="filter_year",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        help_text=gettext_lazy("Of the start, or of the day it was recorded."),
    )
    area = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Priority area"),
        field_name="priority_area",
        queryset=PriorityArea.objects.all(),
        to_field_name="slug",
        empty_label=gettext_lazy("All areas"),
    )
    region = django_filters.ChoiceFilter(
        label=gettext_lazy("Region"),
        choices=Region.choices,
        method="filter_region",
        empty_label=gettext_lazy("All regions"),
        help_text=gettext_lazy("The provider or the recipient country is in the region."),
    )
    hub = HubSlugFilter(
        label=gettext_lazy("Hub"),
        queryset=Hub.objects.published().order_by("name"),
        to_field_name="slug",
        method="filter_hub",
        empty_label=gettext_lazy("All hubs"),
        help_text=gettext_lazy("Giving or receiving."),
    )

    class Meta:
        model = Exchange
        fields = ["year", "area", "region", "hub"]

    def filter_year(self, queryset, name, value):
        return with_year(queryset).filter(exchange_year=value)

    def filter_region(self, queryset, name, value):
        codes = countries_in(value)
        return queryset.filter(Q(provider_country__in=codes) | Q(recipient_country__in=codes))

    def filter_hub(self, queryset, name, value):
        given = Exchange.provider_hubs.through.objects.filter(hub=value).values("exchange_id")
        return queryset.filter(Q(pk__in=given) | Q(recipient_hub=value))


def error_messages(filterset) -> list[str]:
    """The filter errors as sentences: “Region: Select a valid choice…”."""
    messages = []
    for name, errors in filterset.errors.items():
        label = filterset.form.fields[name].label if name in filterset.form.fields else name
        messages.extend(f"{label}: {error}" for error in errors)
    return messages


def years_with_exchanges(user) -> list[int]:
    rows = (
        with_year(visible_exchanges(user))
        .values_list("exchange_year", flat=True)
        .distinct()
        .order_by("-exchange_year")
    )
    return list(rows)


# --- Figures -------------------------------------------------------------------------------


def _country(code: str) -> str:
    return str(countries.name(code) or code)


def flows(queryset) -> list[dict]:
    """Exchanges per (provider country, recipient country), most first."""
    rows = (
        queryset.values("provider_country", "recipient_country")
        .annotate(count=Count("pk"))
        .order_by("-count", "provider_country", "recipient_country")
    )
    return [
        {
            "provider": row["provider_country"],
            "provider_name": _country(row["provider_country"]),
            "recipient": row["recipient_country"],
            "recipient_name": _country(row["recipient_country"]),
            "count": row["count"],
        }
        for row in rows
    ]


def _per_year(queryset, field: str) -> list[dict]:
    rows = (
        with_year(queryset)
        .values("exchange_year", field)
        .annotate(count=Count("pk"))
        .order_by("exchange_year", field)
    )
    return [
        {"year": row["exchange_year"], "key": row[field] or "", "count": row["count"]}
        for row in rows
    ]


def by_area(queryset) -> dict:
    """Exchanges per year and priority area (exchanges without an area under “”)."""
    rows = _per_year(queryset, "priority_area__slug")
    names = {area.slug: area.label for area in PriorityArea.objects.all()}
    order = list(names)
    keys = sorted({row["key"] for row in rows}, key=lambda k: order.index(k) if k else len(order))
    return _series(rows, keys, {**names, "": _("No area stated")})


def by_modality(queryset) -> dict:
    rows = _per_year(queryset, "modality")
    names = dict(Modality.choices)
    order = list(names)
    keys = sorted({row["key"] for row in rows}, key=lambda k: order.index(k) if k in order else 99)
    return _series(rows, keys, {k: str(v) for k, v in names.items()})


def _series(rows: list[dict], keys: list[str], names: dict[str, str]) -> dict:
    """Rows of (year, key, count) as a table: years × keys, with labels and totals."""
    years = sorted({row["year"] for row in rows})
    counts = {(row["year"], row["key"]): row["count"] for row in rows}
    return {
        "keys": [{"key": key, "label": str(names.get(key, key))} for key in keys],
        "years": [
            {
                "year": year,
                "counts": [counts.get((year, key), 0) for key in keys],
                "total": sum(counts.get((year, key), 0) for key in keys),
            }
            for year in years
        ],
        "total": sum(counts.values()),
    }


def financing(queryset) -> dict:
    """Per source: the total stated in US$ and the average share.

    The average share of a source is the sum of the shares stated for it divided by the
    number of exchanges that state at least one share (a source an exchange does not use
    counts as 0%), so the averages add up to at most 100%.
    """
    items = ExchangeFinancing.objects.filter(exchange__in=queryset.values("pk")).order_by()
    rows = {
        row["source"]: row
        for row in items.values("source").annotate(
            total_amount=Sum("amount"),
            share_sum=Sum("share"),
            with_amount=Count("amount"),
            with_share=Count("share"),
        )
    }
    stating = items.filter(share__isnull=False).aggregate(n=Count("exchange", distinct=True))["n"]
    sources = []
    for value, label in FinancingSource.choices:
        row = rows.get(value)
        if row is None:
            continue
        sources.append(
            {
                "source": value,
                "label": str(label),
                "amount": row["total_amount"] or Decimal(0),
                "with_amount": row["with_amount"],
                "with_share": row["with_share"],
                "average_share": round((row["share_sum"] or 0) / stating, 1) if stating else None,
            }
        )
    stated = sum(s["average_share"] or 0 for s in sources)
    return {
        "sources": sources,
        "exchanges_with_shares": stating,
        "not_stated_share": round(max(0.0, 100 - stated), 1) if stating else None,
        "total_amount": sum((s["amount"] for s in sources), Decimal(0)),
    }


def hub_balance(queryset) -> list[dict]:
    """Per published hub: exchanges it gave (as a provider hub) and received (as the recipient)."""
    ids = queryset.values("pk")
    given = dict(
        Exchange.provider_hubs.through.objects.filter(exchange_id__in=ids)
        .values_list("hub_id")
        .annotate(count=Count("exchange_id"))
        .order_by()
    )
    received = dict(
        queryset.filter(recipient_hub__isnull=False)
        .values_list("recipient_hub_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    hubs = Hub.objects.published().filter(pk__in=set(given) | set(received))
    rows = [
        {
            "slug": hub.slug,
            "name": hub.display_name,
            "full_name": hub.name,
            "given": given.get(hub.pk, 0),
            "received": received.get(hub.pk, 0),
        }
        for hub in hubs.only("pk", "slug", "name", "acronym")
    ]
    for row in rows:
        row["balance"] = row["given"] - row["received"]
    return sorted(rows, key=lambda r: (-(r["given"] + r["received"]), r["name"]))


@dataclass
class Figures:
    flows: list[dict]
    by_area: dict
    by_modality: dict
    financing: dict
    hub_balance: list[dict]
    total: int


CHARTS = ("flows", "areas", "modalities", "financing", "hubs")


def figure(queryset, chart: str):
    return {
        "flows": flows,
        "areas": by_area,
        "modalities": by_modality,
        "financing": financing,
        "hubs": hub_balance,
    }[chart](queryset)


def figures(queryset) -> Figures:
    return Figures(
        flows=flows(queryset),
        by_area=by_area(queryset),
        by_modality=by_modality(queryset),
        financing=financing(queryset),
        hub_balance=hub_balance(queryset),
        total=queryset.count(),
    )


def exchange_list(queryset):
    """The exchanges under the charts, newest first, with what a row shows."""
    return queryset.select_related("priority_area").order_by(
        F("start_date").desc(nulls_last=True), "-created", "-pk"
    )
