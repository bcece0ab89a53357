"""Knowledge-request pages: list, post, detail with suggestions, offers, brokering and decisions."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalogue.models import Solution
from exchanges import services
from exchanges.models import Exchange, KnowledgeRequest, Match, Offer, Suggestion
from hubs.models import Hub, PriorityArea
from notifications.models import Notification

from .factories import UserFactory
from .factories_exchanges import KnowledgeRequestFactory
from .factories_hubs import HubFactory

MILK_CHALLENGE = (
    "Too many premature babies die in our neonatal units because their mothers cannot "
    "breastfeed them. We want to collect, pasteurise and distribute donated human milk "
    "to newborns in public maternity hospitals."
)


pytestmark = pytest.mark.hub(name="Oswaldo Cruz Foundation", host_institution="Fiocruz")


def _form_data(**overrides):
    data = {
        "title": "Saving premature babies with donated milk",
        "challenge": MILK_CHALLENGE,
        "tried": "Formula milk, which many families cannot afford.",
        "institution": "Ministry of Health",
        "country": "MZ",
        "priority_area": PriorityArea.objects.get(slug="health").pk,
        "sdgs": [],
        "modalities": ["field_visit"],
        "timeline": "2027",
        "language": "en",
        "visibility": "public",
    }
    data.update(overrides)
    return data


def _post_request(user, **overrides):
    data = {
        "title": "Donated milk for premature babies",
        "challenge": MILK_CHALLENGE,
        "institution": "Ministry of Health",
        "country": "MZ",
        "language": "en",
        "visibility": "public",
    }
    data.update(overrides)
    return services.request_post(user=user, data=data)


# --- List ------------------------------------------------------------------------------------


def _titles(response) -> list[str]:
    return [item.title for item in response.context["page"].object_list]


def test_list_hides_restricted_requests_from_the_public_and_plain_members(
    client, db, curator, editor
):
    KnowledgeRequestFactory(title="Open to all")
    KnowledgeRequestFactory(title="Only for curators", visibility="restricted")
    anonymous = client.get(reverse("requests:list"))
    assert anonymous.status_code == 200
    assert _titles(anonymous) == ["Open to all"]
    assert "Only for curators" not in anonymous.text

    client.force_login(UserFactory())
    assert _titles(client.get(reverse("requests:list"))) == ["Open to all"]

    for user in (curator, editor):
        client.force_login(user)
        assert set(_titles(client.get(reverse("requests:list")))) == {
            "Open to all",
            "Only for curators",
        }


def test_a_member_sees_their_own_restricted_request_in_the_list(client, db):
    own = KnowledgeRequestFactory(title="Mine", visibility="restricted")
    client.force_login(own.requester)
    assert _titles(client.get(reverse("requests:list"))) == ["Mine"]


def test_list_empty_state_and_post_button(client, db, requester):
    response = client.get(reverse("requests:list"))
    assert "No knowledge request has been posted yet." in response.text
    assert reverse("requests:new") not in response.text
    client.force_login(requester)
    assert reverse("requests:new") in client.get(reverse("requests:list")).text
    client.force_login(UserFactory(verified=False))
    assert reverse("requests:new") not in client.get(reverse("requests:list")).text


def test_list_search_and_filters(client, db, requester):
    health = PriorityArea.objects.get(slug="health")
    milk = _post_request(requester, priority_area=health, modalities=["field_visit"], country="MZ")
    water = _post_request(
        requester,
        title="Cleaner rivers",
        challenge="Our rivers are polluted by untreated sewage from fast-growing towns.",
        country="ID",
        language="id",
        modalities=["workshop"],
    )
    KnowledgeRequestFactory(title="A closed one", status="closed", country="BR")
    url = reverse("requests:list")

    assert _titles(client.get(url, {"q": "premature milk"})) == [milk.title]
    assert _titles(client.get(url, {"q": "rivers"})) == [water.title]
    assert _titles(client.get(url, {"q": "pasteurised"})) == [milk.title]  # stemmed
    assert _titles(client.get(url, {"q": "river -sewage"})) == []
    assert _titles(client.get(url, {"area": "health"})) == [milk.title]
    assert _titles(client.get(url, {"country": "ID"})) == [water.title]
    assert _titles(client.get(url, {"modality": "workshop"})) == [water.title]
    assert _titles(client.get(url, {"language": "id"})) == [water.title]
    assert _titles(client.get(url, {"status": "closed"})) == ["A closed one"]
    assert set(_titles(client.get(url, {"status": "open"}))) == {milk.title, water.title}
    empty = client.get(url, {"q": "volcano"})
    assert "No request matches these filters" in empty.text
    bad = client.get(url, {"status": "nonsense"})
    assert bad.status_code == 200 and "Some filters were not understood" in bad.text


def test_list_is_newest_first_and_paginated(client, db):
    for n in range(23):
        KnowledgeRequestFactory(title=f"Request {n:02d}")
    first = client.get(reverse("requests:list"))
    assert first.context["page"].paginator.count == 23
    assert len(_titles(first)) == 20
    assert _titles(first)[0] == "Request 22"
    assert _titles(client.get(reverse("requests:list"), {"page": 2}))[-1] == "Request 00"


def _list_queries(client, total: int) -> int:
    area = PriorityArea.objects.get(slug="health")
    for _n in range(total - KnowledgeRequest.objects.count()):
        KnowledgeRequestFactory(priority_area=area, modalities=["workshop"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("requests:list"), {"modality": "workshop"})
    assert response.status_code == 200
    return len(queries)


def test_list_query_count_does_not_grow(client, db, curator):
    client.force_login(curator)
    assert _list_queries(client, 10) == _list_queries(client, 60)


# --- Post and edit ---------------------------------------------------------------------------


def test_anonymous_and_unverified_members_cannot_post(client, db):
    response = client.get(reverse("requests:new"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(UserFactory(verified=False))
    assert client.get(reverse("requests:new")).status_code == 403
    assert client.post(reverse("requests:new"), _form_data()).status_code == 403
    assert not KnowledgeRequest.objects.exists()


def test_posting_through_the_form_shows_the_milk_bank_first(client, requester):
    call_command("load_demo", "hubs", "catalogue")
    client.force_login(requester)
    form = client.get(reverse("requests:new"))
    assert form.status_code == 200
    assert 'value="Ministry of Health of Mozambique"' in form.text  # the member's organisation

    response = client.post(reverse("requests:new"), _form_data())
    knowledge_request = KnowledgeRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == knowledge_request.get_absolute_url()
    assert knowledge_request.requester == requester
    assert knowledge_request.modalities == ["field_visit"]

    first = knowledge_request.suggestions.filter(solution__isnull=False).order_by("position")[0]
    assert first.solution.slug == "human-milk-banks"

    page = client.get(response["Location"])
    assert page.status_code == 200
    solutions = page.context["solution_suggestions"]
    assert solutions[0]["suggestion"].solution.slug == "human-milk-banks"
    assert "Human milk bank network" in page.text
    assert "Matched because:" in page.text
    assert "words in common:" in page.text
    assert "the same priority area" in page.text
    hubs = [row["suggestion"].hub.slug for row in page.context["hub_suggestions"]]
    assert "fiocruz" in hubs
    assert "provides a suggested solution" in page.text
    assert reverse("catalogue:detail", args=["human-milk-banks"]) in page.text


def test_invalid_form_shows_errors_and_writes_nothing(client, requester):
    client.force_login(requester)
    response = client.post(
        reverse("requests:new"),
        _form_data(title="", challenge="", country="XX", modalities=["teleportation"]),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"title", "challenge", "country", "modalities"} <= set(form.errors)
    assert "This field is required." in response.text
    assert not KnowledgeRequest.objects.exists()
    assert not Suggestion.objects.exists()


def test_a_member_cannot_ask_on_behalf_of_a_hub_they_do_not_edit(client, requester, hub):
    client.force_login(requester)
    response = client.post(reverse("requests:new"), _form_data(hub=hub.pk))
    assert response.status_code == 200
    assert "hub" in response.context["form"].errors
    assert not KnowledgeRequest.objects.exists()


def test_an_editor_may_ask_on_behalf_of_their_hub(client, editor, hub):
    client.force_login(editor)
    response = client.post(reverse("requests:new"), _form_data(hub=hub.pk))
    assert response.status_code == 302
    assert KnowledgeRequest.objects.get().hub == hub


def test_the_form_starts_from_a_solution(client, requester):
    call_command("load_demo", "hubs", "catalogue")
    solution_page = client.get(reverse("catalogue:detail", args=["human-milk-banks"])).text
    assert f'href="{reverse("requests:new")}?solution=human-milk-banks"' in solution_page
    client.force_login(requester)
    response = client.get(reverse("requests:new"), {"solution": "human-milk-banks"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "Human milk bank network" in form.initial["title"]
    assert form.initial["priority_area"] == PriorityArea.objects.get(slug="health").pk
    assert "You are asking about" in response.text
    unknown = client.get(reverse("requests:new"), {"solution": "no-such-solution"})
    assert unknown.status_code == 200 and "You are asking about" not in unknown.text


def test_the_requester_edits_and_others_cannot(client, requester):
    knowledge_request = _post_request(requester)
    url = reverse("requests:edit", args=[knowledge_request.slug])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(requester)
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(title="A better title"))
    assert response.status_code == 302
    knowledge_request.refresh_from_db()
    assert knowledge_request.title == "A better title"
    invalid = client.post(url, _form_data(title=""))
    assert invalid.status_code == 200 and "title" in invalid.context["form"].errors
    knowledge_request.refresh_from_db()
    assert knowledge_request.title == "A better title"


# --- Detail ----------------------------------------------------------------------------------


def test_restricted_request_detail_is_404_for_the_public(client, db, curator, editor):
    hidden = KnowledgeRequestFactory(visibility="restricted", title="Quiet request")
    url = hidden.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    for user in (curator, editor, hidden.requester):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert "Curators and hub editors only" in response.text


def test_public_detail_shows_the_challenge_as_markdown(client, db):
    shown = KnowledgeRequestFactory(challenge="We need **help** with *milk*.")
    response = client.get(shown.get_absolute_url())
    assert response.status_code == 200
    assert "<strong>help</strong>" in response.text
    assert "Offer to help" not in response.text  # the public cannot offer
    assert "Offers from hubs" not in response.text  # nor see the offers


def test_unknown_request_is_404(client, db):
    assert client.get(reverse("requests:detail", args=["nope"])).status_code == 404


# --- Offers ----------------------------------------------------------------------------------


def test_an_editor_offers_and_the_requester_is_notified(client, requester, editor, hub):
    knowledge_request = _post_request(requester)
    client.force_login(editor)
    page = client.get(knowledge_request.get_absolute_url())
    assert "Offer to help" in page.text
    response = client.post(
        reverse("requests:offer", args=[knowledge_request.slug]),
        {"hub": hub.pk, "message": "We can host a field visit.", "modalities": ["field_visit"]},
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert (offer.hub, offer.author, offer.modalities) == (hub, editor, ["field_visit"])

    notification = Notification.objects.get(recipient=requester, kind="exchanges.offer")
    assert notification.payload["event"] == "offer"
    client.force_login(requester)
    detail = client.get(knowledge_request.get_absolute_url())
    assert "We can host a field visit." in detail.text
    inbox = client.get(reverse("notifications:list"))
    assert f"{hub.display_name} offers to help with “{knowledge_request.title}”" in inbox.text

    # The hub has offered: no second form, and a second offer is refused.
    client.force_login(editor)
    assert "Offer to help" not in client.get(knowledge_request.get_absolute_url()).text
    again = client.post(
        reverse("requests:offer", args=[knowledge_request.slug]),
        {"hub": hub.pk, "message": "Again"},
    )
    assert again.status_code == 403
    assert Offer.objects.count() == 1


def test_a_non_editor_cannot_offer(client, requester, hub):
    knowledge_request = _post_request(requester)
    url = reverse("requests:offer", args=[knowledge_request.slug])
    client.force_login(UserFactory())
    response = client.post(url, {"hub": hub.pk, "message": "Let me in"})
    assert response.status_code == 403
    assert not Offer.objects.exists()
    assert not Notification.objects.filter(kind="exchanges.offer").exists()


def test_an_editor_cannot_offer_for_a_hub_they_do_not_edit(client, requester, editor):
    other = HubFactory()
    knowledge_request = _post_request(requester)
    client.force_login(editor)
    response = client.post(
        reverse("requests:offer", args=[knowledge_request.slug]),
        {"hub": other.pk, "message": "For a hub I do not edit"},
    )
    assert response.status_code == 400
    assert "hub" in response.context["offer_form"].errors
    assert not Offer.objects.exists()


def test_offer_needs_a_message_and_get_is_not_allowed(client, requester, editor, hub):
    knowledge_request = _post_request(requester)
    url = reverse("requests:offer", args=[knowledge_request.slug])
    client.force_login(editor)
    assert client.get(url).status_code == 405
    response = client.post(url, {"hub": hub.pk, "message": ""})
    assert response.status_code == 400
    assert "message" in response.context["offer_form"].errors
    assert not Offer.objects.exists()


def test_an_unpublished_hub_cannot_offer(client, requester):
    hidden_hub = HubFactory(is_published=False)
    user = UserFactory()
    hidden_hub.editors.add(user)
    knowledge_request = _post_request(requester)
    client.force_login(user)
    response = client.post(
        reverse("requests:offer", args=[knowledge_request.slug]),
        {"hub": hidden_hub.pk, "message": "Hello"},
    )
    assert response.status_code == 403
    assert not Offer.objects.exists()


def test_anonymous_offer_goes_to_login(client, requester):
    knowledge_request = _post_request(requester)
    response = client.post(reverse("requests:offer", args=[knowledge_request.slug]), {})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Brokering and decisions -----------------------------------------------------------------


def _offered(requester, editor, hub):
    knowledge_request = _post_request(requester)
    services.offer_make(request=knowledge_request, hub=hub, user=editor, message="We can help.")
    return knowledge_request


def test_a_curator_brokers_a_match(client, requester, editor, hub, curator):
    knowledge_request = _offered(requester, editor, hub)
    url = reverse("requests:broker", args=[knowledge_request.slug])
    client.force_login(curator)
    detail = client.get(knowledge_request.get_absolute_url())
    assert url in detail.text
    form_page = client.get(url)
    assert form_page.status_code == 200
    assert form_page.context["form"].initial["hubs"] == [hub.pk]  # prefilled from the offer
    response = client.post(url, {"hubs": [hub.pk], "modality": "workshop", "note": "A good fit."})
    assert response.status_code == 302
    match = Match.objects.get()
    assert list(match.hubs.all()) == [hub]
    assert (match.modality, match.note, match.proposed_by) == ("workshop", "A good fit.", curator)
    assert Notification.objects.filter(
        recipient=requester, kind="exchanges.offer", payload__event="proposed"
    ).exists()


def test_broker_requires_a_hub(client, requester, curator):
    knowledge_request = _post_request(requester)
    client.force_login(curator)
    response = client.post(reverse("requests:broker", args=[knowledge_request.slug]), {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"hubs", "other_hubs"} & set(errors)
    assert "Choose at least one provider hub." in response.text
    assert not Match.objects.exists()


def test_a_curator_can_propose_a_hub_that_neither_offered_nor_was_suggested(
    client, requester, editor, hub, curator
):
    knowledge_request = _offered(requester, editor, hub)
    elsewhere = HubFactory(name="Zeta Institute")
    url = reverse("requests:broker", args=[knowledge_request.slug])
    client.force_login(curator)
    form = client.get(url).context["form"]
    assert list(form.fields["hubs"].queryset) == [hub]  # the offer, as a checkbox
    assert elsewhere in form.fields["other_hubs"].queryset and hub not in (
        form.fields["other_hubs"].queryset
    )
    refused = client.post(url, {"hubs": [hub.pk], "other_hubs": [hub.pk, 999999]})
    assert refused.status_code == 200 and "other_hubs" in refused.context["form"].errors
    assert not Match.objects.exists()
    response = client.post(url, {"hubs": [hub.pk], "other_hubs": [elsewhere.pk]})
    assert response.status_code == 302
    assert set(Match.objects.get().hubs.all()) == {hub, elsewhere}


def test_a_non_curator_cannot_broker(client, requester, editor, hub):
    knowledge_request = _offered(requester, editor, hub)
    url = reverse("requests:broker", args=[knowledge_request.slug])
    for user in (editor, requester):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"hubs": [hub.pk]}).status_code == 403
    assert not Match.objects.exists()
    client.logout()
    assert client.post(url, {"hubs": [hub.pk]}).status_code == 302


def _proposed(requester, editor, hub, curator):
    knowledge_request = _offered(requester, editor, hub)
    match = services.match_propose(request=knowledge_request, curator=curator, hubs=[hub])
    return knowledge_request, match


def test_the_requester_accepts_and_is_taken_to_the_exchange(
    client, requester, editor, hub, curator
):
    knowledge_request, match = _proposed(requester, editor, hub, curator)
    client.force_login(requester)
    detail = client.get(knowledge_request.get_absolute_url())
    accept_url = reverse("requests:match-accept", args=[knowledge_request.slug, match.pk])
    assert accept_url in detail.text
    assert client.get(accept_url).status_code == 405
    response = client.post(accept_url)
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == exchange.get_absolute_url()
    match.refresh_from_db()
    knowledge_request.refresh_from_db()
    assert match.status == Match.Status.ACCEPTED
    assert knowledge_request.status == KnowledgeRequest.Status.MATCHED
    assert exchange.request == knowledge_request
    page = client.get(knowledge_request.get_absolute_url())
    assert exchange.get_absolute_url() in page.text
    assert "Exchanges that came from this request" in page.text


def test_another_member_cannot_accept(client, requester, editor, hub, curator):
    knowledge_request, match = _proposed(requester, editor, hub, curator)
    accept_url = reverse("requests:match-accept", args=[knowledge_request.slug, match.pk])
    decline_url = reverse("requests:match-decline", args=[knowledge_request.slug, match.pk])
    for user in (UserFactory(), editor, curator):
        client.force_login(user)
        assert client.post(accept_url).status_code == 403
        assert client.post(decline_url).status_code == 403
    match.refresh_from_db()
    assert match.status == Match.Status.PROPOSED
    assert not Exchange.objects.exists()
    client.logout()
    assert client.post(accept_url).status_code == 302
    assert not Exchange.objects.exists()


def test_a_match_of_another_request_is_404(client, requester, editor, hub, curator):
    _knowledge_request, match = _proposed(requester, editor, hub, curator)
    other = _post_request(requester, title="Another one")
    client.force_login(requester)
    url = reverse("requests:match-accept", args=[other.slug, match.pk])
    assert client.post(url).status_code == 404


def test_the_requester_declines_with_a_reason(client, requester, editor, hub, curator):
    knowledge_request, match = _proposed(requester, editor, hub, curator)
    client.force_login(requester)
    response = client.post(
        reverse("requests:match-decline", args=[knowledge_request.slug, match.pk]),
        {"reason": "The timing does not suit us."},
    )
    assert response.status_code == 302
    assert response["Location"] == knowledge_request.get_absolute_url()
    match.refresh_from_db()
    assert match.status == Match.Status.DECLINED
    assert match.decline_reason == "The timing does not suit us."
    assert Notification.objects.filter(recipient=curator, kind="exchanges.match").exists()
    page = client.get(knowledge_request.get_absolute_url(), follow=True)
    assert "The timing does not suit us." in page.text
    again = client.post(reverse("requests:match-accept", args=[knowledge_request.slug, match.pk]))
    assert again.status_code == 302
    assert not Exchange.objects.exists()


def test_close_by_the_requester_or_a_curator_only(client, requester, curator):
    knowledge_request = _post_request(requester)
    other = _post_request(requester, title="Second")
    url = reverse("requests:close", args=[knowledge_request.slug])
    client.force_login(UserFactory())
    assert client.post(url).status_code == 403
    knowledge_request.refresh_from_db()
    assert knowledge_request.status == KnowledgeRequest.Status.OPEN

    client.force_login(requester)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    knowledge_request.refresh_from_db()
    assert knowledge_request.status == KnowledgeRequest.Status.CLOSED
    closed = client.get(knowledge_request.get_absolute_url())
    assert "Close the request" not in closed.text
    assert "already closed" in client.post(url, follow=True).text

    client.force_login(curator)
    assert client.post(reverse("requests:close", args=[other.slug])).status_code == 302
    other.refresh_from_db()
    assert other.status == KnowledgeRequest.Status.CLOSED


# --- For my hub ------------------------------------------------------------------------------


def test_for_my_hub_is_for_hub_editors_only(client, db):
    url = reverse("requests:for-my-hub")
    assert client.get(url).status_code == 302
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403


def test_for_my_hub_lists_requests_suggesting_my_hub_or_its_solutions(client, requester):
    call_command("load_demo", "hubs", "catalogue")
    fiocruz = Hub.objects.get(slug="fiocruz")
    user = UserFactory()
    fiocruz.editors.add(user)
    milk = _post_request(requester)
    _post_request(
        requester,
        title="Cleaner rivers",
        challenge="Our rivers are polluted by untreated sewage from fast-growing towns.",
    )
    closed = _post_request(requester, title="Closed milk request")
    services.request_close(request=closed, user=requester)

    client.force_login(user)
    response = client.get(reverse("requests:for-my-hub"))
    assert response.status_code == 200
    assert [row["request"] for row in response.context["rows"]] == [milk]
    assert "Human milk bank network" in response.text
    assert "Matched because:" in response.text


def _for_my_hub_queries(client, hub, total: int) -> int:
    solution = Solution.objects.filter(hubs=hub).first()
    for _n in range(total - KnowledgeRequest.objects.count()):
        knowledge_request = KnowledgeRequestFactory(modalities=["workshop"])
        Suggestion.objects.create(
            request=knowledge_request, hub=hub, score=1.0, reasons={"words": ["milk"], "area": True}
        )
        Suggestion.objects.create(
            request=knowledge_request,
            solution=solution,
            score=1.0,
            reasons={"words": ["milk"], "sdgs": [3]},
        )
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("requests:for-my-hub"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(total, 20)
    return len(queries)


def test_for_my_hub_query_count_does_not_grow(client, db):
    call_command("load_demo", "hubs", "catalogue")
    fiocruz = Hub.objects.get(slug="fiocruz")
    user = UserFactory()
    fiocruz.editors.add(user)
    client.force_login(user)
    assert _for_my_hub_queries(client, fiocruz, 10) == _for_my_hub_queries(client, fiocruz, 60)


def test_detail_query_count_does_not_grow_with_offers(client, requester, curator):
    knowledge_request = _post_request(requester)

    def queries(total):
        for _n in range(total - knowledge_request.offers.count()):
            hub = HubFactory()
            author = UserFactory()
            hub.editors.add(author)
            services.offer_make(request=knowledge_request, hub=hub, user=author, message="Hi")
            services.match_propose(request=knowledge_request, curator=curator, hubs=[hub])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(knowledge_request.get_absolute_url()).status_code == 200
        return len(captured)

    client.force_login(curator)
    assert queries(2) == queries(12)


# --- Navigation and notifications ------------------------------------------------------------


def test_navigation_links_to_requests_and_exchanges(client, db):
    response = client.get(reverse("requests:list"))
    assert f'href="{reverse("requests:list")}" aria-current="page">Requests' in response.text
    assert f'href="{reverse("exchanges:dashboard")}">Exchanges' in response.text


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("request_match", {"title": "Milk"}, "A knowledge request matches your hub: “Milk”"),
        ("offer", {"title": "Milk", "event": "offer", "hub": "FIOCRUZ"}, "FIOCRUZ offers"),
        ("offer", {"title": "Milk", "event": "proposed"}, "A match is proposed"),
        ("match", {"title": "Milk", "event": "accepted"}, "is now a planned exchange"),
        ("match", {"title": "Milk", "event": "declined"}, "Match declined for “Milk”"),
        (
            "match",
            {"title": "Milk", "event": "under_way", "status_label": "Under way"},
            "Exchange “Milk”: Under way",
        ),
    ],
)
def test_notification_templates_render(db, kind, payload, expected):
    prefix = f"exchanges/notifications/{kind}"
    notification = Notification(kind=f"exchanges.{kind}", payload=payload)
    context = {
        "notification": notification,
        "payload": payload,
        "link": "https://portal.example/requests/milk/",
        "recipient": UserFactory(),
    }
    subject = render_to_string(f"{prefix}_subject.txt", context)
    item = render_to_string(f"{prefix}_item.html", context)
    text = render_to_string(f"{prefix}.txt", context)
    html = render_to_string(f"{prefix}.html", context)
    assert expected in subject or expected in item
    assert "Milk" in text and "https://portal.example/requests/milk/" in text
    assert "Milk" in html and "https://portal.example/requests/milk/" in html


# --- In the browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_post_a_request_and_offer_in_the_browser(page):
    from playwright.sync_api import expect

    from .accessibility import assert_accessible
    from .browser import log_in

    call_command("load_demo", "hubs", "catalogue")
    member = UserFactory(email="asker@example.org", organisation="Ministry of Health")
    editor = UserFactory(email="fiocruz-editor@example.org")
    Hub.objects.get(slug="fiocruz").editors.add(editor)

    log_in(page, member.email)
    page.goto(page.base_url + reverse("requests:list"))
    assert_accessible(page)
    page.get_by_role("link", name="Post a request").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("Donated milk for premature babies")
    page.get_by_label("The challenge, in your words").fill(MILK_CHALLENGE)
    page.get_by_label("Country").select_option("MZ")
    page.get_by_label("Field visit").check()
    page.get_by_role("button", name="Post the request").click()
    expect(page.get_by_text("Your request is posted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Suggested solutions")).to_be_visible()
    expect(page.get_by_role("link", name="Human milk bank network").first).to_be_visible()
    assert_accessible(page)
    slug = KnowledgeRequest.objects.get().slug

    log_in(page, editor.email)
    page.goto(page.base_url + reverse("requests:detail", args=[slug]))
    page.get_by_label("Your offer").fill("We can host a field visit to our reference centre.")
    page.get_by_role("button", name="Send the offer").click()
    expect(page.get_by_text("Your offer has been sent.")).to_be_visible()
    assert_accessible(page)
    assert Offer.objects.get().hub.slug == "fiocruz"
