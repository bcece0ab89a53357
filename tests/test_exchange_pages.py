"""The pages of one exchange: plan, financing, results, usefulness, replications; a hub's exchanges."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogue.models import Replication, Solution, SolutionRevision
from catalogue.search import index_solution
from exchanges import services
from exchanges.models import Exchange, ExchangeFinancing

from .factories import UserFactory
from .factories_exchanges import ExchangeFactory, ExchangeResultFactory, KnowledgeRequestFactory
from .factories_hubs import HubFactory

E = Exchange.Status


# --- Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def provider_editor(db):
    return UserFactory(name="Paula Provider")


@pytest.fixture
def recipient_editor(db):
    return UserFactory(name="Rui Recipient")


@pytest.fixture
def outsider_editor(db):
    """An editor of a hub that takes no part in the exchange."""
    user = UserFactory(name="Otto Outsider")
    HubFactory(slug="outsider-hub", name="Outsider Hub", editors=[user])
    return user


@pytest.fixture
def provider_hub(provider_editor):
    return HubFactory(
        slug="fiocruz-test", name="Fiocruz Hub", country="BR", editors=[provider_editor]
    )


@pytest.fixture
def recipient_hub(recipient_editor):
    return HubFactory(
        slug="misau-test", name="Mozambique Hub", country="MZ", editors=[recipient_editor]
    )


def vetted_solution(hub, slug="milk-banks", title="Human milk banks"):
    author = UserFactory()
    solution = Solution.objects.create(slug=slug, created_by=author, vetted_at=timezone.now())
    revision = SolutionRevision.objects.create(
        solution=solution, number=1, status="vetted", title=title, created_by=author
    )
    solution.published = revision
    solution.save(update_fields=["published"])
    solution.hubs.add(hub)
    index_solution(solution)
    return solution


@pytest.fixture
def solution(provider_hub):
    return vetted_solution(provider_hub)


def make_exchange(provider_hub, recipient_hub, *, status=E.PLANNED, requester=None, **kwargs):
    request = KnowledgeRequestFactory(requester=requester) if requester else None
    exchange = ExchangeFactory(
        provider_hubs=[provider_hub],
        recipient_hub=recipient_hub,
        request=request,
        status=status,
        **kwargs,
    )
    return exchange


@pytest.fixture
def exchange(provider_hub, recipient_hub, requester, solution):
    exchange = make_exchange(
        provider_hub,
        recipient_hub,
        requester=requester,
        title="Milk banks for Maputo",
        objectives="Set up **two** milk banks.",
        start_date=timezone.localdate(),
    )
    exchange.solutions.add(solution)
    ExchangeFinancing.objects.create(exchange=exchange, source="national", amount=Decimal("30000"))
    ExchangeFinancing.objects.create(
        exchange=exchange, source="international", amount=Decimal("10000"), share=25
    )
    return exchange


def login(client, user):
    client.force_login(user)
    return client


def url(name, exchange):
    return reverse(f"exchanges:{name}", args=[exchange.slug])


def snapshot(exchange):
    exchange.refresh_from_db()
    return (
        exchange.title,
        exchange.status,
        exchange.usefulness,
        list(exchange.financing.values_list("source", "amount", "share")),
        exchange.results.count(),
        Replication.objects.filter(exchange=exchange).count(),
    )


# --- Seeing an exchange ---------------------------------------------------------------------


def test_public_exchange_page_shows_the_plan(client, exchange, solution):
    ExchangeResultFactory(
        exchange=exchange,
        side="provider",
        outcome="enhanced_skills",
        description="Nurses trained in pasteurisation.",
        evidence_url="https://example.org/report.pdf",
        reported_by=UserFactory(name="Paula Provider"),
    )
    ExchangeResultFactory(
        exchange=exchange, side="recipient", outcome="new_actions", is_adoption=True
    )
    response = client.get(url("detail", exchange))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Milk banks for Maputo" in html
    assert "Brazil" in html and "Mozambique" in html
    assert 'aria-current="step"' in html and "Planned" in html
    assert f'href="{solution.get_absolute_url()}"' in html and "Human milk banks" in html
    assert "<strong>two</strong>" in html  # objectives are Markdown
    # Financing: amounts, stated and computed shares, total, bar with a text alternative.
    assert "30,000" in html and "40,000" in html
    assert "25%" in html and "≈ 75%" in html
    assert 'role="img"' in html and "National resources 75%" in html
    # Results grouped by side, with evidence, reporter and adoption badge.
    assert "Reported by the provider" in html and "Reported by the recipient" in html
    assert "Enhanced skills" in html and "https://example.org/report.pdf" in html
    assert "Reported by Paula Provider" in html
    assert "Adoption" in html
    assert exchange.request.get_absolute_url() in html
    # No actions for the public.
    assert url("status", exchange) not in html
    assert url("report", exchange) not in html
    assert url("edit", exchange) not in html


def test_restricted_exchange_is_invisible_to_the_public(
    client, exchange, requester, provider_editor, curator
):
    exchange.request.visibility = "restricted"
    exchange.request.save()
    Exchange.objects.filter(pk=exchange.pk).update(is_public=False)
    assert client.get(url("detail", exchange)).status_code == 404
    assert login(client, UserFactory()).get(url("detail", exchange)).status_code == 404
    for user in (requester, provider_editor, curator):
        response = login(client, user).get(url("detail", exchange))
        assert response.status_code == 200
        assert "Visible only to curators and hub editors" in response.content.decode()
    # Acting on it as a stranger is a 404 too, and changes nothing.
    before = snapshot(exchange)
    stranger = login(client, UserFactory())
    assert stranger.post(url("status", exchange), {"status": "under_way"}).status_code == 404
    assert snapshot(exchange) == before


def test_unknown_exchange_is_404(client, db):
    assert client.get("/exchanges/no-such-exchange/").status_code == 404


def test_actions_are_shown_only_to_those_allowed(
    client, exchange, provider_editor, outsider_editor
):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    html = login(client, provider_editor).get(url("detail", exchange)).content.decode()
    assert url("status", exchange) in html and url("edit", exchange) in html
    assert url("report", exchange) in html
    assert 'value="completed"' in html and 'value="cancelled"' in html
    assert url("rate", exchange) not in html  # not completed, and not the recipient
    html = login(client, outsider_editor).get(url("detail", exchange)).content.decode()
    assert url("status", exchange) not in html and url("report", exchange) not in html


def test_post_only_endpoints_and_login(client, exchange, provider_editor):
    for name in ("status", "report", "rate", "replicate"):
        assert client.get(url(name, exchange)).status_code == 405
        response = client.post(url(name, exchange))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    unverified = UserFactory(verified=False)
    exchange.provider_hubs.first().editors.add(unverified)
    login(client, unverified)
    before = snapshot(exchange)
    assert client.post(url("status", exchange), {"status": "under_way"}).status_code == 403
    assert client.get(url("edit", exchange)).status_code == 403
    assert snapshot(exchange) == before


def test_detail_query_count_does_not_grow_with_results(client, exchange, provider_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.COMPLETED)
    login(client, provider_editor)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("detail", exchange)).status_code == 200
        return len(queries)

    ExchangeResultFactory.create_batch(2, exchange=exchange, is_adoption=True)
    few = count()
    ExchangeResultFactory.create_batch(30, exchange=exchange, side="provider")
    assert count() == few


# --- Status ---------------------------------------------------------------------------------


def test_status_moves_forward_for_those_taking_part(client, exchange, provider_editor):
    login(client, provider_editor)
    response = client.post(url("status", exchange), {"status": "under_way"}, follow=True)
    assert "The exchange is now “Under way”." in response.content.decode()
    exchange.refresh_from_db()
    assert exchange.status == E.UNDER_WAY
    client.post(url("status", exchange), {"status": "completed"})
    exchange.refresh_from_db()
    assert exchange.status == E.COMPLETED and exchange.completed_at is not None


def test_status_change_refused_to_others(client, exchange, outsider_editor):
    before = snapshot(exchange)
    for user in (outsider_editor, UserFactory()):
        response = login(client, user).post(url("status", exchange), {"status": "under_way"})
        assert response.status_code == 403
    assert snapshot(exchange) == before


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (E.PLANNED, "completed"),
        (E.COMPLETED, "cancelled"),
        (E.CANCELLED, "under_way"),
        (E.PLANNED, "exploded"),
    ],
)
def test_disallowed_status_transition_shows_an_error(client, exchange, curator, start, target):
    Exchange.objects.filter(pk=exchange.pk).update(status=start)
    before = snapshot(exchange)
    response = login(client, curator).post(url("status", exchange), {"status": target}, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot become" in html or "Unknown status" in html
    assert snapshot(exchange) == before


# --- Results --------------------------------------------------------------------------------


RESULT = {
    "side": "provider",
    "outcome": "enhanced_skills",
    "description": "Twelve nurses trained.",
    "evidence_url": "https://example.org/training",
}


def test_each_side_reports_its_results(client, exchange, provider_editor, requester):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    response = login(client, provider_editor).post(url("report", exchange), RESULT, follow=True)
    assert "The result is recorded" in response.content.decode()
    login(client, requester).post(
        url("report", exchange),
        {**RESULT, "side": "recipient", "outcome": "new_actions", "is_adoption": "on"},
    )
    results = {r.side: r for r in exchange.results.all()}
    assert results["provider"].reported_by == provider_editor
    assert results["provider"].evidence_url == "https://example.org/training"
    assert results["recipient"].is_adoption and results["recipient"].reported_by == requester


def test_outsider_hub_editor_cannot_report_results(client, exchange, outsider_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    exchange.refresh_from_db()
    html = login(client, outsider_editor).get(url("detail", exchange)).content.decode()
    assert "Report a result" not in html
    for side in ("provider", "recipient"):
        response = client.post(url("report", exchange), {**RESULT, "side": side})
        assert response.status_code == 403
        with pytest.raises(PermissionDenied):
            services.result_report(
                exchange=exchange, user=outsider_editor, data={**RESULT, "side": side}
            )
    assert not exchange.results.exists()


def test_a_side_cannot_report_for_the_other(client, exchange, provider_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    response = login(client, provider_editor).post(
        url("report", exchange), {**RESULT, "side": "recipient"}
    )
    assert response.status_code == 403
    assert not exchange.results.exists()


def test_results_wait_until_the_exchange_is_under_way(client, exchange, provider_editor):
    response = login(client, provider_editor).post(url("report", exchange), RESULT)
    assert response.status_code == 200
    assert "Results are reported once the exchange is under way." in response.content.decode()
    assert not exchange.results.exists()


def test_invalid_result_shows_errors(client, exchange, provider_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    response = login(client, provider_editor).post(
        url("report", exchange),
        {**RESULT, "description": "", "outcome": "magic", "evidence_url": "not a link"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required." in html and "Enter a valid URL." in html
    assert '<details class="panel" open>' in html
    assert not exchange.results.exists()


# --- Usefulness -----------------------------------------------------------------------------


def test_recipient_rates_a_completed_exchange(client, exchange, requester):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.COMPLETED)
    login(client, requester)
    assert url("rate", exchange) in client.get(url("detail", exchange)).content.decode()
    response = client.post(
        url("rate", exchange), {"usefulness": "4", "comment": "Very practical."}, follow=True
    )
    html = response.content.decode()
    assert "4 out of 5" in html and "Very practical." in html
    exchange.refresh_from_db()
    assert (exchange.usefulness, exchange.usefulness_comment) == (4, "Very practical.")


def test_provider_cannot_rate_usefulness(client, exchange, provider_editor, outsider_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.COMPLETED)
    exchange.refresh_from_db()
    before = snapshot(exchange)
    html = login(client, provider_editor).get(url("detail", exchange)).content.decode()
    assert url("rate", exchange) not in html
    for user in (provider_editor, outsider_editor):
        response = login(client, user).post(url("rate", exchange), {"usefulness": "5"})
        assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.usefulness_rate(exchange=exchange, user=provider_editor, rating=5)
    assert snapshot(exchange) == before


def test_rating_waits_for_completion_and_a_valid_rating(client, exchange, recipient_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    login(client, recipient_editor)
    response = client.post(url("rate", exchange), {"usefulness": "5"}, follow=True)
    assert "An exchange is rated once it is completed." in response.content.decode()
    Exchange.objects.filter(pk=exchange.pk).update(status=E.COMPLETED)
    response = client.post(url("rate", exchange), {"usefulness": "9"})
    assert response.status_code == 200
    assert "Choose a rating from 1 to 5." in response.content.decode()
    exchange.refresh_from_db()
    assert exchange.usefulness is None


# --- Replications ---------------------------------------------------------------------------


def test_completed_exchange_with_adoption_becomes_a_replication(
    client, exchange, solution, provider_editor, requester
):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.COMPLETED, end_date=exchange.start_date)
    ExchangeResultFactory(
        exchange=exchange,
        side="recipient",
        outcome="new_actions",
        is_adoption=True,
        description="Two milk banks opened in Maputo.",
        reported_by=requester,
    )
    login(client, provider_editor)
    html = client.get(url("detail", exchange)).content.decode()
    assert "Add to the adoption history of “Human milk banks”" in html
    response = client.post(url("replicate", exchange), {"solution": solution.pk}, follow=True)
    assert "part of the solution&#x27;s adoption history" in response.content.decode()
    replication = Replication.objects.get(exchange=exchange)
    assert replication.solution == solution and replication.country == "MZ"
    # The exchange lists it and no longer offers the button.
    html = client.get(url("detail", exchange)).content.decode()
    assert "Add to the adoption history" not in html
    assert "in the adoption history of “Human milk banks”" in html
    # The solution page shows the replication, from the exchange.
    html = client.get(solution.get_absolute_url()).content.decode()
    assert "Adapted by Ministry of Health in Mozambique" in html
    assert "Two milk banks opened in Maputo." in html
    assert f'<a href="{exchange.get_absolute_url()}">from an exchange</a>' in html
    # Twice is refused.
    response = client.post(url("replicate", exchange), {"solution": solution.pk}, follow=True)
    assert "already in the solution" in response.content.decode()
    assert Replication.objects.filter(exchange=exchange).count() == 1


def test_replication_needs_an_adoption_result_and_a_participant(
    client, exchange, solution, provider_editor, outsider_editor
):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.COMPLETED)
    login(client, provider_editor)
    response = client.post(url("replicate", exchange), {"solution": solution.pk}, follow=True)
    assert "Report an adoption result first." in response.content.decode()
    ExchangeResultFactory(exchange=exchange, is_adoption=True)
    other = vetted_solution(exchange.provider_hubs.first(), slug="other", title="Other")
    response = client.post(url("replicate", exchange), {"solution": other.pk}, follow=True)
    assert "This solution is not part of the exchange." in response.content.decode()
    response = client.post(url("replicate", exchange), {"solution": "abc"}, follow=True)
    assert "This solution is not part of the exchange." in response.content.decode()
    response = login(client, outsider_editor).post(
        url("replicate", exchange), {"solution": solution.pk}
    )
    assert response.status_code == 403
    assert not Replication.objects.exists()


# --- Editing the plan and the financing mix -------------------------------------------------


def plan_data(exchange, **overrides):
    data = {
        "title": "Milk banks for Maputo and Beira",
        "provider_institution": "Fiocruz",
        "provider_country": "BR",
        "recipient_hub": exchange.recipient_hub_id,
        "recipient_institution": "Ministry of Health",
        "recipient_country": "MZ",
        "priority_area": "",
        "modality": "workshop",
        "start_date": "2026-03-02",
        "end_date": "2026-03-06",
        "participants": "14",
        "participants_description": "Nurses and managers",
        "objectives": "Two banks.",
        "solutions": "milk-banks",
        "financing-TOTAL_FORMS": "4",
        "financing-INITIAL_FORMS": "0",
        "financing-MIN_NUM_FORMS": "0",
        "financing-MAX_NUM_FORMS": "4",
    }
    for i in range(4):
        for field in ("source", "amount", "share", "note"):
            data[f"financing-{i}-{field}"] = ""
    data.update(overrides)
    return data


def test_edit_page_is_for_those_taking_part(client, exchange, recipient_editor, outsider_editor):
    response = client.get(url("edit", exchange))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert login(client, outsider_editor).get(url("edit", exchange)).status_code == 403
    before = snapshot(exchange)
    assert client.post(url("edit", exchange), plan_data(exchange)).status_code == 403
    assert snapshot(exchange) == before
    response = login(client, recipient_editor).get(url("edit", exchange))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="financing-3-source"' in html and 'name="financing-4-source"' not in html
    assert 'value="30000.00"' in html  # the current mix is filled in
    assert "milk-banks" in html


def test_edit_saves_the_plan_and_the_financing(client, exchange, provider_editor):
    data = plan_data(
        exchange,
        **{
            "financing-0-source": "national",
            "financing-0-share": "60",
            "financing-1-source": "private",
            "financing-1-amount": "12500.50",
            "financing-1-share": "40",
            "financing-1-note": "A foundation",
        },
    )
    response = login(client, provider_editor).post(url("edit", exchange), data)
    assert response.status_code == 302
    exchange.refresh_from_db()
    assert exchange.title == "Milk banks for Maputo and Beira"
    assert exchange.participants == 14 and exchange.modality == "workshop"
    assert str(exchange.end_date) == "2026-03-06"
    assert list(exchange.financing.values_list("source", "amount", "share", "note")) == [
        ("national", None, 60, ""),
        ("private", Decimal("12500.50"), 40, "A foundation"),
    ]
    html = client.get(url("detail", exchange)).content.decode()
    assert "12,500.50" in html and "60%" in html and "Private sector 40%" in html


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            {"0-source": "national", "0-share": "70", "1-source": "private", "1-share": "40"},
            "The shares add up to more than 100%.",
        ),
        (
            {"0-source": "national", "0-share": "20", "1-source": "national", "1-amount": "5"},
            "Each financing source can appear only once.",
        ),
        (
            {"0-source": "national", "0-note": "to be confirmed"},
            "Give an amount or a share for each financing source.",
        ),
        ({"0-amount": "500"}, "Choose the source of these funds."),
        ({"0-source": "national", "0-share": "150"}, "less than or equal to 100"),
        ({"0-source": "national", "0-amount": "-3"}, "greater than or equal to 0"),
        ({"0-source": "galaxy", "0-amount": "3"}, "Select a valid choice."),
    ],
)
def test_financing_errors_write_nothing(client, exchange, provider_editor, rows, message):
    before = snapshot(exchange)
    data = plan_data(exchange, **{f"financing-{key}": value for key, value in rows.items()})
    response = login(client, provider_editor).post(url("edit", exchange), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "Nothing has been saved." in html
    assert snapshot(exchange) == before


def test_plan_errors_write_nothing(client, exchange, provider_editor):
    before = snapshot(exchange)
    data = plan_data(
        exchange,
        title="",
        start_date="2026-03-06",
        end_date="2026-03-01",
        solutions="milk-banks no-such-solution",
    )
    response = login(client, provider_editor).post(url("edit", exchange), data)
    html = response.content.decode()
    assert "This field is required." in html
    assert "The exchange cannot end before it starts." in html
    assert "No vetted solution has the address: no-such-solution." in html
    assert snapshot(exchange) == before


def test_financing_is_checked_by_the_service_too(exchange, provider_editor):
    before = snapshot(exchange)
    with pytest.raises(Exception, match="more than 100"):
        services.exchange_update(
            exchange=exchange,
            user=provider_editor,
            data={
                "title": "Changed",
                "financing": [
                    {"source": "national", "share": 80},
                    {"source": "private", "share": 30},
                ],
            },
        )
    assert snapshot(exchange) == before


# --- Recording an exchange done outside the portal ------------------------------------------


def record_data(**overrides):
    data = plan_data(Exchange(recipient_hub_id=None), title="Joint fund with Chile")
    data.update(
        {
            "status": "completed",
            "provider_hubs": [],
            "recipient_hub": "",
            "provider_institution": "AMEXCID",
            "provider_country": "MX",
            "recipient_institution": "AGCID",
            "recipient_country": "CL",
            "modality": "joint_fund",
            "solutions": "",
        }
    )
    data.update(overrides)
    return data


def test_only_hub_editors_and_curators_record_exchanges(client, db, curator):
    assert client.get(reverse("exchanges:new")).status_code == 302
    member = login(client, UserFactory())
    assert member.get(reverse("exchanges:new")).status_code == 403
    assert member.post(reverse("exchanges:new"), record_data()).status_code == 403
    assert login(client, curator).get(reverse("exchanges:new")).status_code == 200
    assert not Exchange.objects.exists()


def test_hub_editor_records_an_exchange_of_their_hub(client, provider_hub, provider_editor):
    login(client, provider_editor)
    assert client.get(reverse("exchanges:new")).status_code == 200
    data = record_data(
        provider_hubs=[provider_hub.pk],
        **{"financing-0-source": "cost_sharing", "financing-0-amount": "80000"},
    )
    response = client.post(reverse("exchanges:new"), data)
    exchange = Exchange.objects.get()
    assert response.status_code == 302 and response["Location"] == exchange.get_absolute_url()
    assert exchange.status == E.COMPLETED and exchange.created_by == provider_editor
    assert list(exchange.provider_hubs.all()) == [provider_hub]
    assert exchange.financing.get().amount == Decimal("80000")


def test_recording_an_exchange_for_another_hub_is_refused(
    client, provider_hub, recipient_hub, outsider_editor
):
    login(client, outsider_editor)
    data = record_data(provider_hubs=[provider_hub.pk], recipient_hub=recipient_hub.pk)
    response = client.post(reverse("exchanges:new"), data)
    assert response.status_code == 200
    assert "Choose one of your own hubs" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.exchange_record(
            user=outsider_editor,
            data={
                "title": "Not mine",
                "provider_hubs": [provider_hub],
                "recipient_hub": recipient_hub,
                "provider_institution": "A",
                "provider_country": "BR",
                "recipient_institution": "B",
                "recipient_country": "MZ",
                "modality": "workshop",
            },
        )
    assert not Exchange.objects.exists()


def test_recording_with_a_bad_financing_mix_writes_nothing(client, provider_hub, provider_editor):
    login(client, provider_editor)
    data = record_data(
        provider_hubs=[provider_hub.pk],
        **{
            "financing-0-source": "national",
            "financing-0-share": "90",
            "financing-1-source": "international",
            "financing-1-share": "20",
        },
    )
    response = client.post(reverse("exchanges:new"), data)
    assert "The shares add up to more than 100%." in response.content.decode()
    assert not Exchange.objects.exists() and not ExchangeFinancing.objects.exists()


# --- The hub page ---------------------------------------------------------------------------


def test_hub_page_shows_its_exchanges_and_balance(client, provider_hub, recipient_hub):
    given = make_exchange(provider_hub, recipient_hub, title="Given one", status=E.COMPLETED)
    make_exchange(provider_hub, recipient_hub, title="Given two")
    make_exchange(provider_hub, recipient_hub, title="Given but cancelled", status=E.CANCELLED)
    received = make_exchange(recipient_hub, provider_hub, title="Received one")
    make_exchange(provider_hub, recipient_hub, title="Secret one", is_public=False)
    make_exchange(recipient_hub, HubFactory(), title="Not ours")
    response = client.get(provider_hub.get_absolute_url())
    html = response.content.decode()
    assert given.get_absolute_url() in html and received.get_absolute_url() in html
    assert "Given but cancelled" in html  # listed, but not counted
    assert "Secret one" not in html and "Not ours" not in html
    balance = response.context["hub_exchanges"]["balance"]
    assert balance == {"given": 2, "received": 1}
    assert "given to Mozambique" in html and "received from Brazil" in html
    assert f"{reverse('exchanges:dashboard')}?hub={provider_hub.slug}" in html
    # A hub editor sees the restricted one too, and counts it.
    editor = provider_hub.editors.first()
    response = login(client, editor).get(provider_hub.get_absolute_url())
    assert "Secret one" in response.content.decode()
    assert response.context["hub_exchanges"]["balance"] == {"given": 3, "received": 1}


def test_hub_page_lists_at_most_ten_exchanges(client, provider_hub, recipient_hub):
    for i in range(12):
        make_exchange(provider_hub, recipient_hub, title=f"Exchange number {i:02d}")
    html = client.get(provider_hub.get_absolute_url()).content.decode()
    assert "Exchange number 11" in html and "Exchange number 02" in html
    assert "Exchange number 01" not in html and "Exchange number 00" not in html


def test_hub_page_without_exchanges_says_so(client, provider_hub):
    html = client.get(provider_hub.get_absolute_url()).content.decode()
    assert "No exchange recorded yet." in html


@pytest.mark.parametrize("as_editor", [False, True])
def test_hub_page_query_count_does_not_grow_with_exchanges(
    client, provider_hub, recipient_hub, as_editor
):
    if as_editor:
        login(client, provider_hub.editors.first())

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(provider_hub.get_absolute_url()).status_code == 200
        return len(queries)

    for _ in range(3):
        make_exchange(provider_hub, recipient_hub)
    few = count()
    for i in range(40):
        if i % 2:
            make_exchange(recipient_hub, provider_hub, status=E.COMPLETED)
        else:
            make_exchange(provider_hub, recipient_hub, is_public=bool(i % 3))
    assert count() == few


# --- In the browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_exchange_is_run_and_rated_in_the_browser(page, exchange, provider_editor, requester):
    from playwright.sync_api import expect

    from .accessibility import assert_accessible
    from .browser import log_in

    Exchange.objects.filter(pk=exchange.pk).update(status=E.UNDER_WAY)
    log_in(page, provider_editor.email)
    page.goto(page.base_url + url("detail", exchange))
    assert_accessible(page)
    page.get_by_text("Report a result").click()
    page.get_by_label("Reported by the").select_option("provider")
    page.get_by_label("Outcome").select_option("enhanced_skills")
    page.get_by_label("What changed").fill("Twelve nurses trained in pasteurisation.")
    page.get_by_label("Evidence").fill("https://example.org/training")
    page.get_by_role("button", name="Report the result").click()
    expect(page.get_by_text("Thank you. The result is recorded.")).to_be_visible()
    page.get_by_role("button", name="Mark as completed").click()
    expect(page.get_by_text("The exchange is now “Completed”.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Edit the plan and financing").click()
    assert_accessible(page)
    page.get_by_label("Share (%), row 3").fill("10")
    page.get_by_label("Source, row 3").select_option("private")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The exchange plan is saved.")).to_be_visible()
    page.goto(page.base_url + reverse("exchanges:new"))
    assert_accessible(page)

    log_in(page, requester.email)
    page.goto(page.base_url + url("detail", exchange))
    page.get_by_text("Rate usefulness").click()
    page.get_by_label("5 — very useful").check()
    page.get_by_label("Comment").fill("We opened two banks.")
    page.get_by_role("button", name="Save the rating").click()
    expect(page.get_by_text("5 out of 5")).to_be_visible()
    assert_accessible(page)
    exchange.refresh_from_db()
    assert exchange.status == E.COMPLETED and exchange.usefulness == 5
    assert exchange.results.get().side == "provider"
    assert exchange.financing.filter(source="private", share=10).exists()


def test_dates_follow_the_viewer_time_zone(client, exchange):
    from datetime import UTC, date, datetime

    Exchange.objects.filter(pk=exchange.pk).update(
        status=E.COMPLETED,
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 6),
        completed_at=datetime(2026, 3, 6, 23, 30, tzinfo=UTC),
    )
    ExchangeResultFactory(exchange=exchange, reported_at=datetime(2026, 3, 7, 23, 30, tzinfo=UTC))
    html = client.get(url("detail", exchange)).content.decode()
    assert "From March 2, 2026 to March 6, 2026" in html
    assert "Completed on March 6, 2026." in html and ">March 7, 2026</time>" in html
    client.cookies["portal_tz"] = "Asia/Tokyo"
    html = client.get(url("detail", exchange)).content.decode()
    assert "From March 2, 2026 to March 6, 2026" in html  # dates stay dates
    assert "Completed on March 7, 2026." in html and ">March 8, 2026</time>" in html


def test_cancelled_exchange_cannot_be_edited(client, exchange, provider_editor):
    Exchange.objects.filter(pk=exchange.pk).update(status=E.CANCELLED)
    login(client, provider_editor)
    html = client.get(url("detail", exchange)).content.decode()
    assert "Cancelled" in html and url("edit", exchange) not in html
    before = snapshot(exchange)
    response = client.post(url("edit", exchange), plan_data(exchange))
    assert "A cancelled exchange cannot be changed." in response.content.decode()
    assert snapshot(exchange) == before


def test_editor_of_an_unpublished_hub_records_for_it(client, db):
    editor = UserFactory()
    hub = HubFactory(is_published=False, editors=[editor])
    HubFactory(name="Someone Else Hub", is_published=False)
    login(client, editor)
    html = client.get(reverse("exchanges:new")).content.decode()
    assert hub.name in html and "Someone Else Hub" not in html
    response = client.post(reverse("exchanges:new"), record_data(recipient_hub=hub.pk))
    assert response.status_code == 302
    assert Exchange.objects.get().recipient_hub == hub


def test_the_plan_offers_the_solutions_of_the_hubs_taking_part(
    client, exchange, provider_editor, provider_hub, solution
):
    other_hub = HubFactory()
    elsewhere = vetted_solution(other_hub, slug="transit-data", title="Open transit data")
    second = vetted_solution(provider_hub, slug="milk-quality", title="Milk quality control")
    form = login(client, provider_editor).get(url("edit", exchange)).context["form"]
    assert list(form.fields["hub_solutions"].queryset) == [solution, second]
    assert form.initial["hub_solutions"] == [solution.pk] and form.initial["solutions"] == []
    before = snapshot(exchange)
    refused = client.post(url("edit", exchange), plan_data(exchange, hub_solutions=[elsewhere.pk]))
    assert refused.status_code == 200 and "hub_solutions" in refused.context["form"].errors
    assert snapshot(exchange) == before
    data = plan_data(exchange, hub_solutions=[second.pk], solutions="transit-data")
    assert client.post(url("edit", exchange), data).status_code == 302
    assert set(exchange.solutions.all()) == {second, elsewhere}


def test_recording_offers_the_solutions_of_ones_own_hubs(client, provider_editor, solution):
    form = login(client, provider_editor).get(reverse("exchanges:new")).context["form"]
    assert list(form.fields["hub_solutions"].queryset) == [solution]
    assert "Human milk banks" in client.get(reverse("exchanges:new")).content.decode()
