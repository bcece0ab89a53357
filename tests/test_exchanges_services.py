"""Requests → matches → exchanges → results: the services, their rules and every forbidden actor."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction

from catalogue.models import Replication, Solution
from exchanges import permissions, services
from exchanges.models import Exchange, ExchangeResult, KnowledgeRequest, Match, Offer
from hubs.models import Hub, PriorityArea
from notifications.models import Notification

from .factories import UserFactory
from .module_data import data_for_the_module

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
E = Exchange.Status


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    yield from data_for_the_module(
        django_db_blocker, call_command, "load_demo", "hubs", "catalogue", verbosity=0
    )


@pytest.fixture
def demo(_demo_once, db):
    """The demo hubs and catalogue, loaded once for the module; each test's changes are
    rolled back."""


@pytest.fixture
def fiocruz_editor(demo):
    user = UserFactory()
    Hub.objects.get(slug="fiocruz").editors.add(user)
    return user


def post(member, challenge, *, language="en", **extra):
    data = {
        "title": challenge[:80],
        "challenge": challenge,
        "institution": "Ministry of Health",
        "country": "MZ",
        "language": language,
        **extra,
    }
    return services.request_post(user=member, data=data, now=NOW)


def suggested_solutions(request):
    return [s.solution.slug for s in request.suggestions.filter(solution__isnull=False)]


PARAPHRASES = [
    ("Our maternity hospitals want donor breast milk banks for premature newborns.", "en"),
    ("Need to collect, pasteurise and distribute donated human milk to preterm babies", "en"),
    ("Queremos crear bancos de leche humana donada para los bebés prematuros.", "es"),
]


@pytest.mark.parametrize(("challenge", "language"), PARAPHRASES)
def test_a_paraphrase_of_a_solution_ranks_it_first(demo, member, challenge, language):
    request = post(member, challenge, language=language)
    assert suggested_solutions(request)[0] == "human-milk-banks"
    first = request.suggestions.get(solution__slug="human-milk-banks")
    assert first.reasons["words"], "the reasons name the words in common"
    hubs = [s.hub.slug for s in request.suggestions.filter(hub__isnull=False)]
    assert hubs[0] == "fiocruz"
    assert first.solution_id in request.suggestions.get(hub__slug="fiocruz").reasons["solutions"]


def test_stated_area_modality_and_language_are_reasons(demo, member):
    request = post(
        member,
        "Donated human milk for premature babies in our hospitals.",
        priority_area=PriorityArea.objects.get(slug="health"),
        modalities=["field_visit"],
    )
    reasons = request.suggestions.get(solution__slug="human-milk-banks").reasons
    assert reasons["area"] is True
    assert reasons["modalities"] == ["field_visit"]
    assert reasons["language"] is True  # the sample has an English translation


def test_stop_words_alone_match_nothing(demo, member):
    request = post(member, "The and of for with the de la el yang dan")
    assert not request.suggestions.exists()


def test_only_vetted_solutions_are_suggested(demo, member):
    unvetted = set(Solution.objects.filter(published__isnull=True).values_list("pk", flat=True))
    request = post(member, "Sanitation engineering budget reform statistics transport forest milk")
    assert request.suggestions.filter(solution__isnull=False).exists()
    assert not request.suggestions.filter(solution__in=unvetted).exists()


def test_only_verified_members_post_and_bad_input_writes_nothing(demo, member):
    with pytest.raises(PermissionDenied):
        post(UserFactory(verified=False), "Milk banks")
    with pytest.raises(ValidationError):
        post(member, "", title="")
    with pytest.raises(ValidationError) as error:
        post(member, "Milk banks", hub=Hub.objects.get(slug="fiocruz"))
    assert "hub" in error.value.message_dict
    assert not KnowledgeRequest.objects.exists()


def test_matching_hub_editors_are_told_and_a_rollback_tells_no_one(demo, member, fiocruz_editor):
    with pytest.raises(RuntimeError), transaction.atomic():
        post(member, "Donor human milk banks for premature babies")
        raise RuntimeError("the page failed after posting")
    assert not Notification.objects.filter(kind="exchanges.request_match").exists()
    request = post(member, "Donor human milk banks for premature babies")
    told = Notification.objects.get(kind="exchanges.request_match", recipient=fiocruz_editor)
    assert told.payload["url"] == request.get_absolute_url()


def test_restricted_requests_are_seen_only_by_requester_curators_and_hub_editors(
    demo, member, curator, fiocruz_editor
):
    request = post(member, "Milk banks", visibility="restricted")
    other = UserFactory()
    assert not permissions.can_see_request(None, request)
    assert not permissions.can_see_request(other, request)
    for allowed in (member, curator, fiocruz_editor):
        assert permissions.can_see_request(allowed, request)
    visible = KnowledgeRequest.objects.filter(permissions.visible_requests_filter(other))
    assert request not in visible
    with pytest.raises(PermissionDenied):
        services.offer_make(
            request=request, hub=Hub.objects.get(slug="fiocruz"), user=other, message="We can help"
        )


def test_offers_only_by_the_hubs_editors_once_and_only_with_its_vetted_solutions(
    demo, member, fiocruz_editor
):
    request = post(member, "Milk banks for premature babies")
    fiocruz = Hub.objects.get(slug="fiocruz")
    milk = Solution.objects.get(slug="human-milk-banks")
    with pytest.raises(PermissionDenied):
        services.offer_make(request=request, hub=fiocruz, user=member, message="I am not an editor")
    other_hub_solution = Solution.objects.exclude(hubs=fiocruz).exclude(published=None).first()
    with pytest.raises(ValidationError):
        services.offer_make(
            request=request,
            hub=fiocruz,
            user=fiocruz_editor,
            message="We can help",
            solutions=[other_hub_solution],
        )
    assert not Offer.objects.exists()
    offer = services.offer_make(
        request=request, hub=fiocruz, user=fiocruz_editor, message="We can help", solutions=[milk]
    )
    assert list(offer.solutions.all()) == [milk]
    assert Notification.objects.filter(kind="exchanges.offer", recipient=member).exists()
    with pytest.raises(ValidationError):
        services.offer_make(request=request, hub=fiocruz, user=fiocruz_editor, message="Again")
    assert Offer.objects.count() == 1


def _accepted_exchange(member, curator, **request_extra):
    request = post(member, "Milk banks for premature babies", **request_extra)
    fiocruz = Hub.objects.get(slug="fiocruz")
    milk = Solution.objects.get(slug="human-milk-banks")
    match = services.match_propose(
        request=request, curator=curator, hubs=[fiocruz], solutions=[milk], modality="field_visit"
    )
    return services.match_accept(match=match, user=member, now=NOW)


def test_only_curators_broker_and_only_the_requester_accepts(demo, member, curator):
    request = post(member, "Milk banks for premature babies")
    fiocruz = Hub.objects.get(slug="fiocruz")
    with pytest.raises(PermissionDenied):
        services.match_propose(request=request, curator=member, hubs=[fiocruz])
    with pytest.raises(ValidationError):
        services.match_propose(request=request, curator=curator, hubs=[])
    match = services.match_propose(request=request, curator=curator, hubs=[fiocruz])
    with pytest.raises(PermissionDenied):
        services.match_accept(match=match, user=curator)
    assert not Exchange.objects.exists()
    declined = services.match_propose(request=request, curator=curator, hubs=[fiocruz])
    services.match_decline(match=declined, user=member, reason="Too far")
    with pytest.raises(ValidationError):
        services.match_accept(match=declined, user=member)
    exchange = services.match_accept(match=match, user=member, now=NOW)
    request.refresh_from_db()
    assert request.status == KnowledgeRequest.Status.MATCHED
    assert exchange.status == E.PLANNED
    assert list(exchange.provider_hubs.all()) == [fiocruz]
    assert (exchange.recipient_country, exchange.modality) == ("MZ", "workshop")
    with pytest.raises(ValidationError):
        services.match_accept(match=match, user=member)


def test_an_exchange_from_a_restricted_request_is_not_public(demo, member, curator):
    exchange = _accepted_exchange(member, curator, visibility="restricted")
    assert exchange.is_public is False
    assert not permissions.can_see_exchange(None, exchange)
    assert not permissions.can_see_exchange(UserFactory(), exchange)
    assert permissions.can_see_exchange(member, exchange)


def test_the_loop_from_exchange_to_replication(demo, member, curator, fiocruz_editor):
    exchange = _accepted_exchange(member, curator)
    milk = Solution.objects.get(slug="human-milk-banks")
    services.exchange_update(
        exchange=exchange,
        user=fiocruz_editor,
        data={
            "start_date": date(2026, 11, 2),
            "participants": 12,
            "financing": [
                {"source": "national", "share": 60, "amount": "12000"},
                {"source": "international", "share": 40},
            ],
        },
    )
    with pytest.raises(ValidationError):  # results come once it is under way
        services.result_report(
            exchange=exchange,
            user=member,
            data={"side": "recipient", "outcome": "new_knowledge", "description": "x"},
        )
    services.exchange_set_status(exchange=exchange, user=fiocruz_editor, status=E.UNDER_WAY)
    services.result_report(
        exchange=exchange,
        user=fiocruz_editor,
        data={"side": "provider", "outcome": "enhanced_skills", "description": "Trained 12 nurses"},
    )
    services.result_report(
        exchange=exchange,
        user=member,
        data={
            "side": "recipient",
            "outcome": "new_actions",
            "description": "Opened the first milk bank in Maputo",
            "evidence_url": "https://example.org/maputo",
            "is_adoption": True,
        },
    )
    with pytest.raises(ValidationError):  # not completed yet
        services.replication_from_exchange(exchange=exchange, user=member, solution=milk)
    services.exchange_set_status(exchange=exchange, user=member, status=E.COMPLETED, now=NOW)
    services.usefulness_rate(exchange=exchange, user=member, rating=5, comment="Very useful")
    replication = services.replication_from_exchange(exchange=exchange, user=member, solution=milk)
    assert (replication.institution, replication.country, replication.exchange) == (
        "Ministry of Health",
        "MZ",
        exchange,
    )
    assert replication.result == "Opened the first milk bank in Maputo"
    milk.refresh_from_db()
    assert milk.search.replications == milk.replications.count() == 1
    with pytest.raises(ValidationError):
        services.replication_from_exchange(exchange=exchange, user=member, solution=milk)


def test_a_hub_editor_outside_the_exchange_cannot_report_or_manage(demo, member, curator):
    exchange = _accepted_exchange(member, curator)
    outsider = UserFactory()
    Hub.objects.get(slug="embrapa").editors.add(outsider)
    services.exchange_set_status(exchange=exchange, user=curator, status=E.UNDER_WAY)
    for side in ("provider", "recipient"):
        with pytest.raises(PermissionDenied):
            services.result_report(
                exchange=exchange,
                user=outsider,
                data={"side": side, "outcome": "other", "description": "Not ours"},
            )
    with pytest.raises(PermissionDenied):
        services.exchange_set_status(exchange=exchange, user=outsider, status=E.CANCELLED)
    with pytest.raises(PermissionDenied):  # the provider does not rate its own exchange
        services.usefulness_rate(exchange=exchange, user=curator, rating=5)
    assert not ExchangeResult.objects.exists()
    exchange.refresh_from_db()
    assert exchange.status == E.UNDER_WAY


@pytest.mark.parametrize(
    "financing",
    [
        [{"source": "national", "share": 70}, {"source": "private", "share": 40}],
        [{"source": "national", "share": 10}, {"source": "national", "share": 10}],
        [{"source": "national"}],
        [{"source": "lottery", "share": 10}],
        [{"source": "national", "amount": "-5"}],
        [{"source": "national", "share": 101}],
    ],
)
def test_a_bad_financing_mix_changes_nothing(demo, member, curator, financing):
    exchange = _accepted_exchange(member, curator)
    services.exchange_update(
        exchange=exchange,
        user=member,
        data={"financing": [{"source": "cost_sharing", "share": 50}]},
    )
    with pytest.raises(ValidationError):
        services.exchange_update(
            exchange=exchange, user=member, data={"participants": 99, "financing": financing}
        )
    exchange.refresh_from_db()
    assert exchange.participants is None
    assert list(exchange.financing.values_list("source", "share")) == [("cost_sharing", 50)]


def test_impossible_status_changes_are_refused(demo, member, curator):
    exchange = _accepted_exchange(member, curator)
    for status in (E.COMPLETED, "finished"):
        with pytest.raises(ValidationError):
            services.exchange_set_status(exchange=exchange, user=member, status=status)
    services.exchange_set_status(exchange=exchange, user=member, status=E.CANCELLED)
    with pytest.raises(ValidationError):
        services.exchange_set_status(exchange=exchange, user=member, status=E.UNDER_WAY)
    with pytest.raises(ValidationError):
        services.exchange_update(exchange=exchange, user=member, data={"participants": 3})


def test_hub_editors_record_exchanges_only_for_their_own_hub(demo, fiocruz_editor, member):
    fiocruz, abc = Hub.objects.get(slug="fiocruz"), Hub.objects.get(slug="abc-brazil")
    data = {
        "title": "Milk bank training in Angola",
        "provider_institution": "Fiocruz",
        "provider_country": "BR",
        "recipient_institution": "Ministry of Health of Angola",
        "recipient_country": "AO",
        "modality": "workshop",
        "status": E.COMPLETED,
    }
    with pytest.raises(PermissionDenied):
        services.exchange_record(user=member, data={**data, "provider_hubs": [fiocruz]})
    with pytest.raises(PermissionDenied):
        services.exchange_record(user=fiocruz_editor, data={**data, "provider_hubs": [abc]})
    with pytest.raises(ValidationError):
        services.exchange_record(
            user=fiocruz_editor,
            data={**data, "provider_hubs": [fiocruz], "start_date": date(2026, 5, 2),
                  "end_date": date(2026, 5, 1)},
        )  # fmt: skip
    assert not Exchange.objects.exists()
    exchange = services.exchange_record(
        user=fiocruz_editor, data={**data, "provider_hubs": [fiocruz]}
    )
    assert exchange.status == E.COMPLETED and exchange.completed_at and exchange.is_public


def test_closing_a_request_withdraws_its_proposed_matches(demo, member, curator):
    request = post(member, "Milk banks")
    match = services.match_propose(
        request=request, curator=curator, hubs=[Hub.objects.get(slug="fiocruz")]
    )
    with pytest.raises(PermissionDenied):
        services.request_close(request=request, user=UserFactory())
    services.request_close(request=request, user=member)
    match.refresh_from_db()
    assert match.status == Match.Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.match_accept(match=match, user=member)
    assert not Replication.objects.exists()
