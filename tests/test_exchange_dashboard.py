"""The exchanges dashboard: figures equal direct counts, the viewer's visibility, tables, CSV."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exchanges import dashboard as selectors
from exchanges.models import Exchange
from exchanges.regions import countries_in, region_of

from .accessibility import assert_accessible
from .factories import UserFactory
from .factories_exchanges import ExchangeFactory, KnowledgeRequestFactory, make_exchanges
from .factories_hubs import HubFactory

URL = reverse("exchanges:dashboard")
CSV_URL = reverse("exchanges:dashboard-csv")


@pytest.fixture
def hubs(db):
    return [HubFactory(country=code) for code in ("BR", "MX", "CL", "MZ")]


def expected(exchanges, *, public_only: bool) -> dict:
    """The figures computed in Python over the rows, as a second opinion."""
    rows = [
        e
        for e in Exchange.objects.filter(pk__in=[x.pk for x in exchanges])
        .select_related("priority_area")
        .prefetch_related("provider_hubs", "financing")
        if e.status != "cancelled" and (e.is_public or not public_only)
    ]
    given, received = Counter(), Counter()
    amounts, shares, stating = Counter(), Counter(), set()
    for e in rows:
        for hub in e.provider_hubs.all():
            given[hub.slug] += 1
        if e.recipient_hub_id:
            received[e.recipient_hub.slug] += 1
        for item in e.financing.all():
            amounts[item.source] += item.amount or 0
            if item.share is not None:
                shares[item.source] += item.share
                stating.add(e.pk)
    return {
        "total": len(rows),
        "flows": Counter((str(e.provider_country), str(e.recipient_country)) for e in rows),
        "areas": Counter((e.year, e.priority_area.slug if e.priority_area else "") for e in rows),
        "modalities": Counter((e.year, e.modality) for e in rows),
        "given": given,
        "received": received,
        "amounts": amounts,
        "shares": {s: round(v / len(stating), 1) for s, v in shares.items()} if stating else {},
    }


def actual(queryset) -> dict:
    figures = selectors.figures(queryset)

    def series(data):
        return Counter(
            {
                (year["year"], key["key"]): count
                for year in data["years"]
                for key, count in zip(data["keys"], year["counts"], strict=True)
                if count
            }
        )

    return {
        "total": figures.total,
        "flows": Counter({(r["provider"], r["recipient"]): r["count"] for r in figures.flows}),
        "areas": series(figures.by_area),
        "modalities": series(figures.by_modality),
        "given": Counter({r["slug"]: r["given"] for r in figures.hub_balance if r["given"]}),
        "received": Counter(
            {r["slug"]: r["received"] for r in figures.hub_balance if r["received"]}
        ),
        "amounts": Counter({s["source"]: s["amount"] for s in figures.financing["sources"]}),
        "shares": {
            s["source"]: s["average_share"] for s in figures.financing["sources"] if s["with_share"]
        },
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_equal_counts_computed_from_the_rows(db, hubs, curator, seed):
    exchanges = make_exchanges(80, hubs, seed=seed)
    anonymous = selectors.visible_exchanges(_Anonymous())
    assert actual(anonymous) == expected(exchanges, public_only=True)
    assert actual(selectors.visible_exchanges(curator)) == expected(exchanges, public_only=False)


class _Anonymous:
    is_authenticated = False
    is_active = False


def _python_filter(exchanges, *, year=None, area=None, region=None, hub=None):
    keep = []
    for e in Exchange.objects.filter(pk__in=[x.pk for x in exchanges]).prefetch_related(
        "provider_hubs"
    ):
        if year and e.year != year:
            continue
        if area and (e.priority_area is None or e.priority_area.slug != area):
            continue
        if region and region not in (region_of(e.provider_country), region_of(e.recipient_country)):
            continue
        if hub and hub not in [h.slug for h in e.provider_hubs.all()] + [
            e.recipient_hub.slug if e.recipient_hub else None
        ]:
            continue
        keep.append(e)
    return keep


@pytest.mark.parametrize(
    "params",
    [
        {"year": 2023},
        {"area": "health"},
        {"region": "africa"},
        {"hub": 0},
        {"year": 2024, "region": "latin-america-caribbean", "hub": 1},
    ],
)
def test_filters_equal_the_same_filter_in_python(db, hubs, curator, params):
    exchanges = make_exchanges(150, hubs, seed=11)
    if "hub" in params:
        params = {**params, "hub": hubs[params["hub"]].slug}
    filterset = selectors.ExchangeFilter(params, queryset=selectors.visible_exchanges(curator))
    assert filterset.is_valid(), filterset.errors
    kept = _python_filter(exchanges, **params)
    assert kept, "the random data should match something"
    assert actual(filterset.qs) == expected(kept, public_only=False)


def test_the_page_shows_the_same_figures_as_the_selectors(client, hubs):
    make_exchanges(40, hubs, seed=5)
    response = client.get(URL)
    assert response.status_code == 200
    figures = response.context["figures"]
    truth = actual(selectors.visible_exchanges(_Anonymous()))
    assert figures.total == truth["total"]
    html = response.content.decode()
    assert f"{truth['total']} exchanges counted" in html
    assert "Cancelled exchanges are not counted" in html
    top = figures.flows[0]
    assert re.search(
        rf"<th scope=\"row\">{top['provider_name']}</th><td>{top['recipient_name']}</td>"
        rf"<td>{top['count']}</td>",
        html,
    )


def test_restricted_exchanges_are_neither_counted_nor_listed_for_the_public(client, hubs, curator):
    ExchangeFactory(title="Open exchange", provider_country="BR", recipient_country="MZ")
    request = KnowledgeRequestFactory(visibility="restricted")
    ExchangeFactory(
        title="Confidential exchange",
        request=request,
        is_public=False,
        provider_country="IN",
        recipient_country="NP",
        recipient_hub=hubs[0],
    )
    response = client.get(URL)
    html = response.content.decode()
    assert response.context["figures"].total == 1
    assert "Open exchange" in html
    assert "Confidential exchange" not in html
    assert "Nepal" not in html
    assert response.context["figures"].hub_balance == []
    flows = client.get(CSV_URL, {"chart": "flows"}).content.decode()
    assert "NP" not in flows and "MZ" in flows

    # The requester, the curators and hub editors count it.
    client.force_login(request.requester)
    assert client.get(URL).context["figures"].total == 2
    client.force_login(curator)
    html = client.get(URL).content.decode()
    assert "Confidential exchange" in html and "Nepal" in html


def test_cancelled_exchanges_are_not_counted(client, db):
    ExchangeFactory(title="Going ahead", status="planned")
    ExchangeFactory(title="Called off", status="cancelled")
    response = client.get(URL)
    assert response.context["figures"].total == 1
    assert "Called off" not in response.content.decode()


def test_every_chart_has_an_image_a_table_and_a_csv_link(client, hubs):
    make_exchanges(30, hubs, seed=4)
    html = client.get(URL).content.decode()
    for chart in selectors.CHARTS:
        svg = re.search(rf'<svg [^>]*data-chart="{chart}"[^>]*>', html)
        assert svg, chart
        assert 'role="img"' in svg.group(0)
        assert f'aria-labelledby="{chart}-svg-title"' in svg.group(0)
        assert f'<title id="{chart}-svg-title">' in html
        description = re.search(rf'<desc id="{chart}-svg-desc">([^<]+)</desc>', html)
        assert description and description.group(1).strip(), chart
        table = re.search(rf'<table class="data-table" data-table="{chart}">\s*<caption>', html)
        assert table, chart
        assert f"chart={chart}" in html


def test_empty_dashboard_says_so(client, db):
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "No exchange has been recorded yet." in html
    assert "data-chart=" not in html
    assert html.count("No exchange to show.") == 3


def test_the_list_is_paginated_and_links_to_each_exchange(client, db):
    for n in range(25):
        ExchangeFactory(title=f"Listed {n:02d}", start_date=datetime.date(2024, 1, n + 1))
    first = client.get(URL).content.decode()
    assert first.count("Listed ") == 20
    assert reverse("exchanges:detail", kwargs={"slug": Exchange.objects.first().slug}) in first
    second = client.get(URL, {"page": 2}).content.decode()
    assert second.count("Listed ") == 5
    assert "Listed 00" in second  # oldest last


def test_record_link_is_for_hub_editors(client, hubs):
    assert reverse("exchanges:new") not in client.get(URL).content.decode()
    editor = UserFactory()
    hubs[0].editors.add(editor)
    client.force_login(editor)
    assert reverse("exchanges:new") in client.get(URL).content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"year": "last"},
        {"year": "99999"},
        {"area": "nope"},
        {"region": "atlantis"},
        {"hub": "no-such-hub"},
        {"year": "2024.5", "page": "x"},
    ],
)
def test_bad_filters_are_a_message_not_an_error(client, db, params):
    ExchangeFactory()
    response = client.get(URL, params)
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()
    assert response.context["figures"].total == 1  # the bad filter is ignored


def test_csv_of_each_chart_follows_the_filters(client, hubs, curator):
    make_exchanges(120, hubs, seed=7)
    client.force_login(curator)
    params = {"region": "latin-america-caribbean"}
    queryset = selectors.ExchangeFilter(params, queryset=selectors.visible_exchanges(curator)).qs
    truth = actual(queryset)
    for chart in selectors.CHARTS:
        response = client.get(CSV_URL, {**params, "chart": chart})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert rows, chart
        if chart == "flows":
            got = Counter(
                {(r["provider_country"], r["recipient_country"]): int(r["exchanges"]) for r in rows}
            )
            assert got == truth["flows"]
            assert {r["provider_country"] for r in rows} | {
                r["recipient_country"] for r in rows
            } & set(countries_in("latin-america-caribbean"))
        elif chart == "areas":
            got = Counter({(int(r["year"]), r["priority_area"]): int(r["exchanges"]) for r in rows})
            assert got == truth["areas"]
        elif chart == "modalities":
            got = Counter({(int(r["year"]), r["modality"]): int(r["exchanges"]) for r in rows})
            assert got == truth["modalities"]
        elif chart == "financing":
            got = Counter({r["source"]: Decimal(r["total_amount_usd"]) for r in rows})
            assert got == truth["amounts"]
        else:
            assert (
                Counter({r["hub"]: int(r["given"]) for r in rows if int(r["given"])})
                == truth["given"]
            )
            assert (
                Counter({r["hub"]: int(r["received"]) for r in rows if int(r["received"])})
                == truth["received"]
            )


def test_csv_refuses_unknown_charts_and_bad_filters(client, db):
    response = client.get(CSV_URL, {"chart": "pie"})
    assert response.status_code == 400
    assert "Unknown chart" in response.content.decode()
    assert client.get(CSV_URL).status_code == 400
    response = client.get(CSV_URL, {"chart": "flows", "region": "atlantis"})
    assert response.status_code == 400
    assert "Region" in response.content.decode()
    response = client.get(CSV_URL, {"chart": "flows", "year": "soon"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 400


def test_dashboard_only_answers_safe_methods(client, db):
    assert client.post(URL).status_code == 405
    assert client.post(CSV_URL, {"chart": "flows"}).status_code == 405


def _page_queries(client, hubs, count: int, seed: int) -> int:
    make_exchanges(count, hubs, seed=seed)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"region": "latin-america-caribbean"})
        assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_exchanges(client, hubs, curator):
    client.force_login(curator)
    few = _page_queries(client, hubs, 10, seed=1)
    many = _page_queries(client, hubs, 990, seed=2)
    assert Exchange.objects.count() == 1000
    assert few == many


@pytest.mark.parametrize("chart", selectors.CHARTS)
def test_csv_query_count_does_not_grow(client, hubs, chart):
    make_exchanges(10, hubs, seed=1)
    with CaptureQueriesContext(connection) as few:
        client.get(CSV_URL, {"chart": chart})
    make_exchanges(300, hubs, seed=2)
    with CaptureQueriesContext(connection) as many:
        client.get(CSV_URL, {"chart": chart})
    assert len(few) == len(many)


@pytest.mark.django_db(transaction=True)
def test_dashboard_is_accessible_in_a_browser(page, live_server):
    hubs = [HubFactory(country=code) for code in ("BR", "MX", "CL", "MZ")]
    make_exchanges(60, hubs, seed=9)
    page.goto(live_server.url + URL)
    assert page.get_by_role("img", name="Flows between countries, from provider to recipient")
    assert page.locator("table[data-table=hubs] caption").inner_text()
    assert_accessible(page)
    page.set_viewport_size({"width": 380, "height": 800})
    page.goto(live_server.url + URL + "?region=africa")
    overflow = page.evaluate("(m => m.scrollWidth - m.clientWidth)(document.querySelector('main'))")
    assert overflow <= 0, "the charts and tables must fit a phone's width"


def test_the_page_draws_the_most_active_hubs_and_the_csv_has_them_all(client, hubs, monkeypatch):
    monkeypatch.setattr(selectors, "TOP_HUBS", 2)
    make_exchanges(40, hubs, seed=8)
    response = client.get(URL)
    balance = response.context["figures"].hub_balance
    assert len(balance) > 2
    html = response.content.decode()
    table = re.search(r'<table class="data-table" data-table="hubs">(.*?)</table>', html, re.S)
    drawn = re.findall(r'<th scope="row">(?:<abbr[^>]*>)?([^<]+)', table.group(1))
    assert drawn[:2] == [row["name"] for row in balance[:2]]
    others = len(balance) - 2
    assert f"{others} other hub" in table.group(1)
    svg = re.search(r'<svg [^>]*data-chart="hubs".*?</svg>', html, re.S).group(0)
    assert svg.count("<rect") <= 2 * 2
    rows = list(csv.reader(io.StringIO(client.get(CSV_URL, {"chart": "hubs"}).content.decode())))
    assert len(rows) - 1 == len(balance)
