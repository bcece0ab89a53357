"""Knowledge hubs: directory, profile, curation with history, API and exports."""

import io
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from hubs import services
from hubs.models import Hub, HubChange, HubProposal

from .factories import UserFactory
from .factories_hubs import HubFactory

pytestmark = [
    pytest.mark.hub(acronym="AGC", year_established=2001),
    pytest.mark.editor(name="Eduardo Editor"),
]


def _png(size=(4, 4)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, "PNG")
    return buffer.getvalue()


PROFILE = {
    "name": "Agency for Cooperation",
    "acronym": "AGC",
    "kind": "national",
    "country": "BR",
    "year_established": "2001",
    "original_language": "en",
}


# --- Demonstration data ----------------------------------------------------------------


def test_demo_hubs_are_listed_with_their_stated_facts(client, db):
    call_command("load_demo")
    call_command("load_demo")  # idempotent
    assert Hub.objects.count() == 17
    page = client.get(reverse("hubs:directory") + "?page=1")
    assert "17 hubs" in page.content.decode()
    names = set(Hub.objects.values_list("acronym", flat=True))
    assert {
        "ABC",
        "AMEXCID",
        "NCT",
        "SCE",
        "DAFC",
        "APC-Colombia",
        "FO-AR",
        "TIKA",
        "EMBRAPA",
        "FIOCRUZ",
        "SEDESOL",
        "SEMARNAT",
        "CABRI",
        "AIBO",
        "GSCASS",
        "KDI",
        "TERI",
    } == names

    abc = client.get(reverse("hubs:detail", args=["abc-brazil"])).content.decode()
    assert "1987" in abc and "Ministry of Foreign Affairs" in abc

    amexcid = client.get(reverse("hubs:detail", args=["amexcid"])).content.decode()
    assert "/webinars/sample-universidades-centros-de-conocimiento/" in amexcid  # its webinars

    fiocruz = client.get(reverse("hubs:detail", args=["fiocruz"])).content.decode()
    assert "/solutions/human-milk-banks/" in fiocruz  # its vetted solutions

    cabri = client.get(reverse("hubs:detail", args=["cabri"])).content.decode()
    assert "Membership fees" in cabri and "40%" in cabri
    assert 'width="40"' in cabri  # the bar in the financing chart


# --- Curation -----------------------------------------------------------------------------


def test_proposal_is_invisible_until_approved_then_in_history(client, hub, editor, curator):
    client.force_login(editor)
    response = client.post(
        reverse("hubs:propose", args=[hub.slug]),
        {
            **PROFILE,
            "year_established": "1999",
            "uses_membership_fees": "on",
            "share_membership_fees": "40",
            "comment": "From the annual report.",
        },
    )
    proposal = HubProposal.objects.get()
    assert response.status_code == 302 and response["Location"] == proposal.get_absolute_url()
    assert proposal.changes == {
        "year_established": 1999,
        "financing": [{"source": "membership_fees", "share": 40}],
    }

    client.logout()
    public = client.get(hub.get_absolute_url()).content.decode()
    assert "1999" not in public and "2001" in public

    client.force_login(curator)
    queue = client.get(reverse("hubs:proposals")).content.decode()
    assert hub.name in queue
    review = client.get(proposal.get_absolute_url()).content.decode()
    assert "2001" in review and "1999" in review
    assert (
        client.post(
            reverse("hubs:proposal-review", args=[proposal.pk]), {"action": "approve"}
        ).status_code
        == 302
    )

    client.logout()
    public = client.get(hub.get_absolute_url()).content.decode()
    assert "1999" in public
    assert "proposed by Eduardo Editor, approved by Clara Curator" in public
    change = HubChange.objects.get()
    assert change.author == editor and change.approved_by == curator
    assert change.fields["year_established"] == {"old": 2001, "new": 1999}
    history = client.get(reverse("hubs:history", args=[hub.slug])).content.decode()
    assert "Year established" in history and "Membership fees 40%" in history


def test_editor_of_another_hub_gets_403(client, hub, editor):
    other = HubFactory()
    client.force_login(editor)
    assert client.get(reverse("hubs:propose", args=[other.slug])).status_code == 403
    assert (
        client.post(
            reverse("hubs:propose", args=[other.slug]), {**PROFILE, "name": "Taken over"}
        ).status_code
        == 403
    )
    with pytest.raises(PermissionDenied):
        services.hub_proposal_create(hub=other, author=editor, data={"name": "Taken over"})
    assert not HubProposal.objects.exists()


def test_anonymous_post_is_refused(client, hub):
    response = client.post(reverse("hubs:propose", args=[hub.slug]), {**PROFILE, "name": "X"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("hubs:edit", args=[hub.slug]), {**PROFILE, "name": "X"})
    assert response.status_code == 302
    assert not HubProposal.objects.exists()
    assert Hub.objects.get(pk=hub.pk).name == "Agency for Cooperation"


def test_unverified_editor_cannot_propose(client, hub):
    user = UserFactory(verified=False)
    hub.editors.add(user)
    client.force_login(user)
    assert client.get(reverse("hubs:propose", args=[hub.slug])).status_code == 403


def test_only_curators_review_and_publish(client, hub, editor):
    proposal = services.hub_proposal_create(hub=hub, author=editor, data={"acronym": "NEW"})
    client.force_login(editor)
    assert client.get(reverse("hubs:proposals")).status_code == 403
    assert (
        client.post(
            reverse("hubs:proposal-review", args=[proposal.pk]), {"action": "approve"}
        ).status_code
        == 403
    )
    assert client.get(reverse("hubs:edit", args=[hub.slug])).status_code == 403
    with pytest.raises(PermissionDenied):
        services.hub_proposal_approve(proposal=proposal, curator=editor)
    with pytest.raises(PermissionDenied):
        services.hub_update(hub=hub, curator=editor, data={"acronym": "NEW"})
    with pytest.raises(PermissionDenied):
        services.hub_set_published(hub=hub, curator=editor, published=False)
    assert Hub.objects.get(pk=hub.pk).acronym == "AGC"
    assert HubProposal.objects.get().status == HubProposal.Status.PENDING
    # A stranger may not even read it.
    client.force_login(UserFactory())
    assert client.get(proposal.get_absolute_url()).status_code == 403


def test_return_needs_a_comment_and_publishes_nothing(client, hub, editor, curator):
    proposal = services.hub_proposal_create(hub=hub, author=editor, data={"acronym": "NEW"})
    with pytest.raises(ValidationError):
        services.hub_proposal_return(proposal=proposal, curator=curator, comment="  ")
    client.force_login(curator)
    client.post(
        reverse("hubs:proposal-review", args=[proposal.pk]),
        {"action": "return", "review_comment": "Source?"},
    )
    proposal.refresh_from_db()
    assert proposal.status == HubProposal.Status.RETURNED and proposal.review_comment == "Source?"
    assert Hub.objects.get(pk=hub.pk).acronym == "AGC"
    with pytest.raises(ValidationError, match="already been reviewed"):
        services.hub_proposal_approve(proposal=proposal, curator=curator)
    assert not HubChange.objects.exists()


def test_curator_direct_edit_is_published_and_logged(client, hub, curator):
    client.force_login(curator)
    response = client.post(
        reverse("hubs:edit", args=[hub.slug]),
        {**PROFILE, "staff_total": "120", "staff_exchange": "12"},
    )
    assert response.status_code == 302
    hub.refresh_from_db()
    assert (hub.staff_total, hub.staff_exchange) == (120, 12)
    change = HubChange.objects.get()
    assert change.author == curator and set(change.fields) == {"staff_total", "staff_exchange"}


@pytest.mark.parametrize(
    ("changes", "files", "message"),
    [
        (
            {
                "uses_membership_fees": "on",
                "share_membership_fees": "70",
                "share_national_budget": "40",
            },
            {},
            "more than 100%",
        ),
        ({"share_national_budget": "140"}, {}, "less than or equal to 100"),
        ({"year_established": "2999"}, {}, "cannot be in the future"),
        ({"staff_total": "5", "staff_exchange": "9"}, {}, "cannot exceed the total staff"),
        (
            {},
            {"logo": SimpleUploadedFile("logo.png", b"<svg onload=alert(1)>", "image/png")},
            "Upload a valid image",
        ),
        (
            {},
            {
                "logo": SimpleUploadedFile(
                    "big.png", _png() + b"\0" * (1024 * 1024 + 1), "image/png"
                )
            },
            "too large",
        ),
        ({"website": "javascript:alert(1)"}, {}, "Enter a valid URL"),
    ],
)
def test_invalid_proposals_are_refused_with_a_message_and_change_nothing(
    client, hub, editor, changes, files, message
):
    client.force_login(editor)
    response = client.post(
        reverse("hubs:propose", args=[hub.slug]), {**PROFILE, **changes, **files}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HubProposal.objects.exists()
    assert Hub.objects.get(pk=hub.pk).financing == []


def test_invalid_input_is_translated(client, hub, editor):
    client.force_login(editor)
    response = client.post(
        reverse("hubs:propose", args=[hub.slug]),
        {**PROFILE, "year_established": "2999"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert (
        "no puede ser futuro" in response.content.decode() or "futur" in response.content.decode()
    )


def test_a_proposal_that_changes_nothing_is_refused(client, hub, editor):
    client.force_login(editor)
    response = client.post(reverse("hubs:propose", args=[hub.slug]), PROFILE)
    assert "does not change anything" in response.content.decode()
    assert not HubProposal.objects.exists()


def test_valid_logo_is_proposed_and_published(client, hub, editor, curator):
    client.force_login(editor)
    client.post(
        reverse("hubs:propose", args=[hub.slug]),
        {**PROFILE, "logo": SimpleUploadedFile("l.png", _png(), "image/png")},
    )
    proposal = HubProposal.objects.get()
    services.hub_proposal_approve(proposal=proposal, curator=curator)
    assert Hub.objects.get(pk=hub.pk).logo.name.endswith(".png")


def test_completeness_lists_missing_fields(hub):
    assert "Website" in [name.capitalize() for name in hub.missing_fields()]
    before = hub.completeness()
    hub.website = "https://example.org"
    assert hub.completeness() > before


# --- Directory ---------------------------------------------------------------------------


def test_directory_filters_search_and_counts(client, db):
    call_command("load_demo")
    HubFactory(
        name="Instituto São Paulo de Saúde", kind="sector", is_published=True, areas=["health"]
    )
    HubFactory(name="Hidden Hub", is_published=False)
    html = client.get(reverse("hubs:directory"), {"q": "sao paulo"}).content.decode()
    assert "Instituto São Paulo de Saúde" in html and "1 hub" in html
    html = client.get(reverse("hubs:directory"), {"area": "health"}).content.decode()
    assert "Oswaldo Cruz Foundation" in html and "Instituto São Paulo" in html and "AMEXCID" in html
    assert "3 hubs" in html
    html = client.get(
        reverse("hubs:directory"), {"kind": "sector", "country": "MX"}
    ).content.decode()
    assert (
        "2 hubs" in html
        and "(SEDESOL)" in html
        and "(SEMARNAT)" in html
        and "(AMEXCID)" not in html
    )
    assert "Hidden Hub" not in client.get(reverse("hubs:directory")).content.decode()
    # Facet counts respect the other filters: with kind=sector, Mexico counts only sector hubs.
    response = client.get(reverse("hubs:directory"), {"kind": "sector"})
    countries = {e["value"]: e["count"] for e in response.context["facets"]["country"]["entries"]}
    assert countries["MX"] == 2 and countries["BR"] == 3


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "galaxy"},
        {"country": "ZZ"},
        {"area": "nope"},
        {"page": "999"},
        {"page": "x"},
        {"q": "x" * 300},
    ],
)
def test_directory_survives_bad_query_strings(client, db, params):
    HubFactory()
    response = client.get(reverse("hubs:directory"), params)
    assert response.status_code == 200
    if "page" not in params:
        assert "Some filters were not understood" in response.content.decode()


def _directory_queries(client, count: int) -> int:
    HubFactory.create_batch(count, areas=["health", "education"])
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("hubs:directory")).status_code == 200
    return len(queries)


def test_directory_query_count_does_not_grow(client, db):
    few = _directory_queries(client, 10)
    many = _directory_queries(client, 490)
    assert few == many


def test_api_list_query_count_does_not_grow(client, db):
    HubFactory.create_batch(10, areas=["health"])
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/hubs/")
    HubFactory.create_batch(490, areas=["health", "energy"])
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/hubs/?page_size=100")
    assert len(few) == len(many)


# --- API and exports -------------------------------------------------------------------------


def test_api_lists_published_hubs_with_filters(client, db):
    call_command("load_demo")
    HubFactory(slug="secret", is_published=False)
    body = client.get("/api/v1/hubs/", {"kind": "sector", "area": "public-finance"}).json()
    assert body["count"] == 1
    cabri = body["results"][0]
    assert cabri["slug"] == "cabri"
    assert {"source": "membership_fees", "share": 40.0} in cabri["financing"]
    assert cabri["country"]["code"] == "ZA"
    assert client.get("/api/v1/hubs/abc-brazil/").json()["year_established"] == 1987
    assert client.get("/api/v1/hubs/secret/").status_code == 404
    assert client.get("/api/v1/hubs/", {"kind": "galaxy"}).status_code == 400
    assert client.post("/api/v1/hubs/", {}).status_code == 401


def test_exports_follow_the_filters(client, db):
    call_command("load_demo")
    csv_body = client.get(reverse("hubs:export-csv"), {"country": "BR"}).content.decode()
    lines = csv_body.strip().splitlines()
    assert lines[0].startswith("slug,name,acronym")
    assert len(lines) == 1 + 3
    data = json.loads(client.get(reverse("hubs:export-json"), {"country": "MX"}).content)
    assert {hub["acronym"] for hub in data["hubs"]} == {"AMEXCID", "SEDESOL", "SEMARNAT"}
