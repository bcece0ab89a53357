"""The demonstration requests, matches and exchanges: every state, samples only, idempotent."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from catalogue.models import Replication
from exchanges.models import (
    Exchange,
    ExchangeFinancing,
    ExchangeResult,
    KnowledgeRequest,
    Match,
    Offer,
    Suggestion,
)

MODELS = [KnowledgeRequest, Suggestion, Offer, Match, Exchange, ExchangeFinancing, ExchangeResult]


def _counts():
    return {model.__name__: model.objects.count() for model in [*MODELS, Replication]}


def test_load_demo_twice_creates_nothing_new(db):
    call_command("load_demo")
    first = _counts()
    assert all(first.values()), first
    call_command("load_demo")
    assert _counts() == first


def test_demo_covers_every_state_and_says_it_is_a_sample(db):
    call_command("load_demo")
    assert not KnowledgeRequest.objects.filter(is_sample=False).exists()
    assert not Exchange.objects.filter(is_sample=False).exists()
    for request in KnowledgeRequest.objects.all():
        assert "Sample record" in request.challenge
    assert set(KnowledgeRequest.objects.values_list("status", flat=True)) == {"open", "matched"}
    assert set(KnowledgeRequest.objects.values_list("visibility", flat=True)) == {
        "public",
        "restricted",
    }
    assert set(Match.objects.values_list("status", flat=True)) == {
        "proposed",
        "accepted",
        "declined",
    }
    assert set(Exchange.objects.values_list("status", flat=True)) == set(Exchange.Status.values)
    assert set(ExchangeResult.objects.values_list("side", flat=True)) == {"provider", "recipient"}
    assert all("Sample record" in r.description for r in ExchangeResult.objects.all())
    joint = Exchange.objects.filter(modality="joint_fund", provider_hubs__slug="amexcid")
    assert set(joint.values_list("recipient_country", flat=True)) == {"CL", "UY"}
    milk = Exchange.objects.get(solutions__slug="human-milk-banks")
    assert milk.status == "completed" and milk.recipient_country == "MZ"
    assert milk.results.filter(is_adoption=True, side="recipient").exists()
    replication = Replication.objects.get(exchange=milk)
    assert replication.solution.slug == "human-milk-banks"


def test_dashboard_with_demo_data_shows_every_chart(client, db):
    call_command("load_demo")
    response = client.get(reverse("exchanges:dashboard"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (
        figures.total == Exchange.objects.exclude(status="cancelled").filter(is_public=True).count()
    )
    assert figures.flows and figures.by_area["years"] and figures.by_modality["years"]
    assert figures.financing["sources"] and figures.hub_balance
    html = response.content.decode()
    for chart in ("flows", "areas", "modalities", "financing", "hubs"):
        assert f'data-chart="{chart}"' in html
        assert f'data-table="{chart}"' in html
    assert "Mozambique" in html and "Chile" in html and "Uruguay" in html
    # The restricted request's title is nowhere in the public API either.
    api = client.get("/api/v1/requests/").json()
    assert "Budget reform in a post-conflict ministry of finance" not in str(api)


def test_load_demo_loads_only_the_apps_asked_for_and_refuses_unknown_ones(db):
    from django.core.management.base import CommandError

    from catalogue.models import Solution
    from exchanges.models import Exchange
    from hubs.models import Hub

    call_command("load_demo", "hubs", "catalogue")
    assert Hub.objects.exists() and Solution.objects.exists()
    assert not Exchange.objects.exists()
    with pytest.raises(CommandError, match="No such app: nowhere"):
        call_command("load_demo", "nowhere")
