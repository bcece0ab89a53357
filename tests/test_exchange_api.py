"""``/api/v1/requests/`` and ``/api/v1/exchanges/``: visibility, writes through the services, errors."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from exchanges.models import Exchange, ExchangeFinancing, ExchangeResult, KnowledgeRequest
from hubs.models import PriorityArea

from .factories import UserFactory
from .factories_exchanges import ExchangeFactory, KnowledgeRequestFactory, make_exchanges
from .factories_hubs import HubFactory

REQUESTS = "/api/v1/requests/"
EXCHANGES = "/api/v1/exchanges/"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def provider_hub(db):
    return HubFactory(slug="provider-hub", country="BR")


@pytest.fixture
def recipient_hub(db):
    return HubFactory(slug="recipient-hub", country="MZ")


@pytest.fixture
def provider_editor(provider_hub):
    user = UserFactory()
    provider_hub.editors.add(user)
    return user


@pytest.fixture
def other_editor(db):
    user = UserFactory()
    HubFactory(slug="bystander-hub").editors.add(user)
    return user


@pytest.fixture
def exchange(provider_hub, recipient_hub):
    return ExchangeFactory(
        slug="milk-banks-mozambique",
        provider_hubs=[provider_hub],
        recipient_hub=recipient_hub,
        status="under_way",
        start_date=datetime.date(2025, 3, 1),
    )


# --- Requests ------------------------------------------------------------------------------


def test_restricted_requests_never_reach_the_public(api, curator):
    KnowledgeRequestFactory(slug="open-request", title="Open request")
    KnowledgeRequestFactory(slug="secret-request", title="Secret request", visibility="restricted")
    body = api.get(REQUESTS).json()
    assert [r["slug"] for r in body["results"]] == ["open-request"]
    assert api.get(REQUESTS + "?q=secret").json()["count"] == 0
    assert api.get(REQUESTS + "secret-request/").status_code == 404
    assert api.get(REQUESTS + "secret-request/suggestions/").status_code == 404
    member = UserFactory()
    api.force_authenticate(member)
    assert api.get(REQUESTS + "secret-request/").status_code == 404
    api.force_authenticate(curator)
    assert {r["slug"] for r in api.get(REQUESTS).json()["results"]} == {
        "open-request",
        "secret-request",
    }
    assert api.get(REQUESTS + "secret-request/").json()["visibility"] == "restricted"


def test_request_filters(api, db):
    health = PriorityArea.objects.get(slug="health")
    KnowledgeRequestFactory(slug="a", priority_area=health, modalities=["workshop"], country="KE")
    KnowledgeRequestFactory(slug="b", status="closed", language="es", country="MZ")
    KnowledgeRequestFactory(slug="c", modalities=["field_visit", "joint_fund"], country="KE")

    def slugs(query):
        return sorted(r["slug"] for r in api.get(REQUESTS + query).json()["results"])

    assert slugs("?area=health") == ["a"]
    assert slugs("?status=closed") == ["b"]
    assert slugs("?language=es") == ["b"]
    assert slugs("?country=KE") == ["a", "c"]
    assert slugs("?modality=joint_fund") == ["c"]
    assert api.get(REQUESTS + "?status=maybe").status_code == 400
    assert api.get(REQUESTS + "?country=XX").status_code == 400


def test_member_posts_a_request_and_gets_suggestions_with_reasons(api, db):
    call_command("load_demo")
    member = UserFactory()
    api.force_authenticate(member)
    response = api.post(
        REQUESTS,
        {
            "title": "Human milk for premature babies",
            "challenge": "Our maternity hospitals need donated human milk banks to pasteurise "
            "and distribute milk for premature babies.",
            "institution": "Ministry of Health",
            "country": "MZ",
            "priority_area": "health",
            "sdgs": [3],
            "modalities": ["field_visit"],
            "language": "en",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    request = KnowledgeRequest.objects.get(slug=body["slug"])
    assert request.requester == member
    solutions = [s for s in body["suggestions"] if s["kind"] == "solution"]
    assert solutions[0]["slug"] == "human-milk-banks"
    assert solutions[0]["reasons"]
    listed = api.get(REQUESTS + body["slug"] + "/suggestions/").json()
    assert [s["slug"] for s in listed] == [s["slug"] for s in body["suggestions"]]
    found = api.get(REQUESTS + "?q=premature").json()["results"]
    assert body["slug"] in [r["slug"] for r in found]  # with the sample request on milk banks
    assert api.get(REQUESTS + "?q=zeppelin").json()["count"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"title": "No challenge", "institution": "X", "country": "MZ"},
        {"title": "T", "challenge": "C", "institution": "X", "country": "ZZ"},
        {"title": "T", "challenge": "C", "institution": "X", "country": "MZ", "sdgs": [99]},
        {"title": "T", "challenge": "C", "institution": "X", "country": "MZ", "visibility": "x"},
        {"title": "T", "challenge": "C", "institution": "X", "country": "MZ", "hub": "nope"},
    ],
)
def test_bad_request_bodies_are_400_and_write_nothing(api, db, body):
    api.force_authenticate(UserFactory())
    response = api.post(REQUESTS, body, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict) and response.json()
    assert not KnowledgeRequest.objects.exists()


def test_requesting_on_behalf_of_a_hub_you_do_not_edit_is_a_field_error(api, provider_hub):
    api.force_authenticate(UserFactory())
    response = api.post(
        REQUESTS,
        {
            "title": "T",
            "challenge": "C",
            "institution": "X",
            "country": "MZ",
            "hub": "provider-hub",
        },
    )
    assert response.status_code == 400
    assert "hub" in response.json()
    assert not KnowledgeRequest.objects.exists()


def test_only_verified_members_post_requests(api, db):
    body = {"title": "T", "challenge": "C", "institution": "X", "country": "MZ"}
    assert api.post(REQUESTS, body).status_code == 401
    api.force_authenticate(UserFactory(verified=False))
    response = api.post(REQUESTS, body)
    assert response.status_code == 403
    assert "verify" in response.json()["detail"]
    assert not KnowledgeRequest.objects.exists()


# --- Exchanges -----------------------------------------------------------------------------


def test_exchanges_list_only_what_the_viewer_may_see(api, exchange, curator):
    restricted = KnowledgeRequestFactory(visibility="restricted")
    ExchangeFactory(slug="hidden", request=restricted, is_public=False)
    assert [e["slug"] for e in api.get(EXCHANGES).json()["results"]] == [exchange.slug]
    assert api.get(EXCHANGES + "hidden/").status_code == 404
    api.force_authenticate(restricted.requester)
    assert api.get(EXCHANGES + "hidden/").status_code == 200
    api.force_authenticate(curator)
    assert api.get(EXCHANGES).json()["count"] == 2


def test_exchange_filters(api, exchange, provider_hub):
    ExchangeFactory(
        slug="joint-fund-chile",
        provider_country="MX",
        recipient_country="CL",
        modality="joint_fund",
        status="completed",
        start_date=datetime.date(2024, 5, 1),
        priority_area=PriorityArea.objects.get(slug="governance"),
    )

    def slugs(query):
        response = api.get(EXCHANGES + query)
        assert response.status_code == 200, response.json()
        return sorted(e["slug"] for e in response.json()["results"])

    assert slugs("?status=completed") == ["joint-fund-chile"]
    assert slugs("?modality=joint_fund") == ["joint-fund-chile"]
    assert slugs("?year=2025") == [exchange.slug]
    assert slugs("?region=africa") == [exchange.slug]
    assert slugs("?region=latin-america-caribbean") == sorted(["joint-fund-chile", exchange.slug])
    assert slugs("?hub=provider-hub") == [exchange.slug]
    assert slugs("?hub=recipient-hub") == [exchange.slug]
    assert slugs("?area=governance") == ["joint-fund-chile"]
    # A slug that names no hub matches nothing; which slugs exist is data, not schema.
    assert slugs("?hub=nope") == []
    for bad in ("?year=soon", "?region=atlantis", "?status=lost", "?year=1900"):
        assert api.get(EXCHANGES + bad).status_code == 400, bad


def _record_body(**changes):
    return {
        "title": "Joint Fund workshop with Uruguay",
        "provider_hubs": ["provider-hub"],
        "provider_institution": "AMEXCID",
        "provider_country": "MX",
        "recipient_institution": "AUCI",
        "recipient_country": "UY",
        "modality": "joint_fund",
        "start_date": "2025-02-01",
        "end_date": "2025-02-20",
        "status": "completed",
        "financing": [
            {"source": "national", "amount": "12000.00", "share": 50},
            {"source": "cost_sharing", "share": 50},
        ],
        **changes,
    }


def test_hub_editor_records_an_exchange_with_its_financing(api, provider_editor):
    api.force_authenticate(provider_editor)
    response = api.post(EXCHANGES, _record_body(), format="json")
    assert response.status_code == 201, response.json()
    exchange = Exchange.objects.get(slug=response.json()["slug"])
    assert exchange.created_by == provider_editor
    assert exchange.status == "completed"
    assert list(exchange.provider_hubs.values_list("slug", flat=True)) == ["provider-hub"]
    assert sorted(exchange.financing.values_list("source", "share")) == [
        ("cost_sharing", 50),
        ("national", 50),
    ]
    assert response.json()["financing"][1]["amount"] == "12000.00"


@pytest.mark.parametrize(
    "changes",
    [
        {"end_date": "2025-01-01"},  # before the start
        {"modality": "carrier_pigeon"},
        {"provider_country": "XX"},
        {"financing": [{"source": "national", "share": 80}, {"source": "private", "share": 30}]},
        {"financing": [{"source": "lottery", "share": 10}]},
        {"financing": [{"source": "national"}]},
        {"provider_hubs": ["no-such-hub"]},
        {"title": ""},
        {"participants": -3},
    ],
)
def test_bad_exchange_bodies_are_400_and_write_nothing(api, provider_editor, changes):
    api.force_authenticate(provider_editor)
    response = api.post(EXCHANGES, _record_body(**changes), format="json")
    assert response.status_code == 400, response.content
    assert response.json()
    assert not Exchange.objects.exists()
    assert not ExchangeFinancing.objects.exists()


def test_only_editors_of_a_hub_taking_part_record_exchanges(api, provider_hub, other_editor):
    api.force_authenticate(UserFactory())
    response = api.post(EXCHANGES, _record_body(), format="json")
    assert response.status_code == 403
    assert response.json()["detail"]
    api.force_authenticate(other_editor)
    assert api.post(EXCHANGES, _record_body(), format="json").status_code == 403
    api.force_authenticate(None)
    assert api.post(EXCHANGES, _record_body(), format="json").status_code == 401
    assert not Exchange.objects.exists()


def test_provider_editor_reports_a_result(api, exchange, provider_editor):
    api.force_authenticate(provider_editor)
    response = api.post(
        EXCHANGES + exchange.slug + "/results/",
        {
            "side": "provider",
            "outcome": "enhanced_skills",
            "description": "Twelve nurses trained in pasteurisation.",
            "evidence_url": "https://example.org/report",
        },
    )
    assert response.status_code == 201, response.json()
    result = ExchangeResult.objects.get()
    assert (result.side, result.reported_by) == ("provider", provider_editor)
    assert api.get(EXCHANGES + exchange.slug + "/").json()["results"][0]["outcome"] == (
        "enhanced_skills"
    )


def test_editor_of_another_hub_cannot_report_results(api, exchange, other_editor, provider_editor):
    body = {"side": "provider", "outcome": "new_knowledge", "description": "We learnt."}
    api.force_authenticate(other_editor)
    response = api.post(EXCHANGES + exchange.slug + "/results/", body)
    assert response.status_code == 403
    assert response.json()["detail"]
    # The provider side cannot report for the recipient side either.
    api.force_authenticate(provider_editor)
    response = api.post(EXCHANGES + exchange.slug + "/results/", {**body, "side": "recipient"})
    assert response.status_code == 403
    api.force_authenticate(None)
    assert api.post(EXCHANGES + exchange.slug + "/results/", body).status_code == 401
    assert not ExchangeResult.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"side": "provider", "outcome": "fame", "description": "x"},
        {"side": "both", "outcome": "other", "description": "x"},
        {"side": "provider", "outcome": "other", "description": ""},
        {"side": "provider", "outcome": "other", "description": "x", "evidence_url": "not a url"},
    ],
)
def test_bad_result_bodies_are_400_and_write_nothing(api, exchange, provider_editor, body):
    api.force_authenticate(provider_editor)
    response = api.post(EXCHANGES + exchange.slug + "/results/", body, format="json")
    assert response.status_code == 400
    assert response.json()
    assert not ExchangeResult.objects.exists()


def test_results_wait_until_the_exchange_is_under_way(api, provider_hub, provider_editor):
    planned = ExchangeFactory(provider_hubs=[provider_hub], status="planned")
    api.force_authenticate(provider_editor)
    response = api.post(
        EXCHANGES + planned.slug + "/results/",
        {"side": "provider", "outcome": "other", "description": "Too early."},
    )
    assert response.status_code == 400
    assert "under way" in str(response.json())
    assert not ExchangeResult.objects.exists()


def test_results_of_an_invisible_exchange_are_404(api, provider_hub, db):
    hidden = ExchangeFactory(provider_hubs=[provider_hub], is_public=False, status="under_way")
    api.force_authenticate(UserFactory())
    response = api.post(
        EXCHANGES + hidden.slug + "/results/",
        {"side": "provider", "outcome": "other", "description": "x"},
    )
    assert response.status_code == 404
    assert api.get(EXCHANGES + hidden.slug + "/results/").status_code == 405


# --- Query counts --------------------------------------------------------------------------


def _queries(api, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_request_list_query_count_does_not_grow(api, db):
    health = PriorityArea.objects.get(slug="health")
    hub = HubFactory()
    KnowledgeRequestFactory.create_batch(10, priority_area=health, hub=hub)
    few = _queries(api, REQUESTS + "?page_size=100")
    KnowledgeRequestFactory.create_batch(90, priority_area=health, hub=hub)
    many = _queries(api, REQUESTS + "?page_size=100")
    assert api.get(REQUESTS + "?page_size=100").json()["count"] == 100
    assert few == many


def test_exchange_list_query_count_does_not_grow(api, provider_hub, recipient_hub):
    def make(count):
        for _ in range(count):
            exchange = ExchangeFactory(provider_hubs=[provider_hub], recipient_hub=recipient_hub)
            ExchangeFinancing.objects.create(exchange=exchange, source="national", share=100)

    make(10)
    few = _queries(api, EXCHANGES + "?page_size=100&region=africa")
    make(90)
    many = _queries(api, EXCHANGES + "?page_size=100&region=africa")
    make_exchanges(900, [provider_hub, recipient_hub])  # 1,000 in all
    thousand = _queries(api, EXCHANGES + "?page_size=100")
    visible = Exchange.objects.filter(is_public=True).count()  # the bulk ones are 80 % public
    assert Exchange.objects.count() == 1000
    assert api.get(EXCHANGES + "?page_size=100").json()["count"] == visible > 100
    assert few == many == thousand
