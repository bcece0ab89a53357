"""``/exchanges/``: the dashboard (charts, their data tables, the list) and its CSV downloads."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.csv_export import csv_response

from . import charts, permissions
from . import dashboard as selectors

PAGE_SIZE = 20


def _query_string(request) -> str:
    params = request.GET.copy()
    for name in ("page", "chart"):
        params.pop(name, None)
    return params.urlencode()


@require_safe
def dashboard(request):
    base = selectors.visible_exchanges(request.user)
    filterset = selectors.ExchangeFilter(request.GET or None, queryset=base)
    queryset = filterset.qs if filterset.is_bound else base
    figures = selectors.figures(queryset)
    top_hubs = figures.hub_balance[: selectors.TOP_HUBS]
    page = Paginator(selectors.exchange_list(queryset), PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = _query_string(request)
    return render(
        request,
        "exchanges/dashboard/dashboard.html",
        {
            "filter": filterset,
            "filter_errors": selectors.error_messages(filterset) if filterset.is_bound else [],
            "years": selectors.years_with_exchanges(request.user),
            "figures": figures,
            "summaries": charts.summaries(figures),
            "flow_chart": charts.flow_diagram(figures.flows[: selectors.TOP_FLOWS]),
            "top_flows": figures.flows[: selectors.TOP_FLOWS],
            "other_flows": sum(row["count"] for row in figures.flows[selectors.TOP_FLOWS :]),
            "area_chart": charts.stacked_columns(figures.by_area),
            "modality_chart": charts.stacked_columns(figures.by_modality),
            "financing_chart": charts.financing_bars(figures.financing),
            "hub_chart": charts.diverging_bars(top_hubs),
            "top_hubs": top_hubs,
            "other_hubs": len(figures.hub_balance) - len(top_hubs),
            "page": page,
            "query_string": query_string,
            "csv_prefix": f"?{query_string}&chart=" if query_string else "?chart=",
            "has_filters": bool(query_string),
            "can_record": permissions.can_record_exchange(request.user),
        },
    )


CSV_COLUMNS = {
    "flows": ["provider_country", "provider", "recipient_country", "recipient", "exchanges"],
    "areas": ["year", "priority_area", "priority_area_name", "exchanges"],
    "modalities": ["year", "modality", "modality_name", "exchanges"],
    "financing": [
        "source",
        "source_name",
        "total_amount_usd",
        "exchanges_with_amount",
        "exchanges_with_share",
        "average_share_percent",
    ],  # fmt: skip
    "hubs": ["hub", "hub_name", "given", "received", "balance"],
}


def _csv_rows(chart: str, data) -> list[list]:
    if chart == "flows":
        return [
            [r["provider"], r["provider_name"], r["recipient"], r["recipient_name"], r["count"]]
            for r in data
        ]
    if chart in ("areas", "modalities"):
        return [
            [year["year"], key["key"], key["label"], count]
            for year in data["years"]
            for key, count in zip(data["keys"], year["counts"], strict=True)
            if count
        ]
    if chart == "financing":
        return [
            [
                s["source"],
                s["label"],
                f"{s['amount']:.2f}",
                s["with_amount"],
                s["with_share"],
                "" if s["average_share"] is None else s["average_share"],
            ]
            for s in data["sources"]
        ]
    return [[r["slug"], r["full_name"], r["given"], r["received"], r["balance"]] for r in data]


@require_safe
def dashboard_csv(request):
    """One chart's figures as CSV, under the same filters as the page."""
    chart = request.GET.get("chart", "")
    if chart not in selectors.CHARTS:
        return HttpResponseBadRequest(
            _("Unknown chart. Choose one of: %(charts)s.")
            % {"charts": ", ".join(selectors.CHARTS)},
            content_type="text/plain; charset=utf-8",
        )
    params = request.GET.copy()
    params.pop("chart")
    base = selectors.visible_exchanges(request.user)
    filterset = selectors.ExchangeFilter(params, queryset=base)
    if not filterset.is_valid():
        message = (
            _("These filters are not valid:")
            + "\n"
            + "\n".join(selectors.error_messages(filterset))
        )
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    data = selectors.figure(filterset.qs, chart)
    return csv_response(
        filename=f"exchanges-{chart}.csv", columns=CSV_COLUMNS[chart], rows=_csv_rows(chart, data)
    )
