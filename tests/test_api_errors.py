"""Errors are answered, never crashed on: JSON under /api/, a page elsewhere, DEBUG or not.

And the schema says so: the statuses, who may call, what may be empty.
"""

import json

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token

from .factories import UserFactory
from .factories_exchanges import ExchangeFactory, ExchangeResultFactory
from .factories_hubs import HubFactory

TOO_MANY = "&".join(f"p{i}=1" for i in range(1100))
DEBUG_MODES = pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])


def _json(response):
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    return response.json()


# --- Request-parsing errors ----------------------------------------------------------


@DEBUG_MODES
def test_too_many_query_parameters_is_a_400_for_the_api(client, db, debug):
    with override_settings(DEBUG=debug):
        response = client.get(f"/api/v1/hubs/?{TOO_MANY}")
    assert response.status_code == 400
    assert _json(response) == {"detail": "The request could not be read."}


@DEBUG_MODES
def test_too_many_query_parameters_is_a_400_page(client, db, debug):
    with override_settings(DEBUG=debug):
        response = client.get(f"/hubs/?{TOO_MANY}")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Bad request" in response.content.decode()


@DEBUG_MODES
def test_a_few_parameters_are_still_fine(client, db, debug):
    with override_settings(DEBUG=debug):
        assert client.get("/api/v1/hubs/?" + TOO_MANY[:200]).status_code == 200
        assert client.get("/hubs/?" + TOO_MANY[:200]).status_code == 200


@DEBUG_MODES
def test_too_many_form_fields_is_a_400_page(client, db, debug):
    body = TOO_MANY
    with override_settings(DEBUG=debug):
        response = client.post(
            "/accounts/login/", body, content_type="application/x-www-form-urlencoded"
        )
    assert response.status_code == 400


@DEBUG_MODES
def test_a_body_over_the_size_limit_is_a_400(client, db, debug):
    member = UserFactory()
    token = Token.objects.create(user=member)
    body = json.dumps({"title": "x" * 5000, "forum": "general", "body": "y"})
    with override_settings(DEBUG=debug, DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        api = client.post(
            "/api/v1/threads/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {token.key}",
        )
        page = client.post(
            "/accounts/login/",
            {"login": "x" * 2000, "password": "y"},
        )
    assert api.status_code == 400
    assert "detail" in _json(api)
    assert page.status_code == 400


@DEBUG_MODES
def test_a_broken_multipart_body_is_a_400(client, db, debug):
    with override_settings(DEBUG=debug):
        page = client.post(
            "/accounts/login/", b"garbage", content_type="multipart/form-data; boundary="
        )
        api = client.post(
            "/api/v1/threads/", b"garbage", content_type="multipart/form-data; boundary="
        )
    assert page.status_code == 400
    assert api.status_code == 400
    assert "detail" in _json(api)


def test_malformed_json_is_a_400(client, db):
    token = Token.objects.create(user=UserFactory())
    response = client.post(
        "/api/v1/threads/",
        '{"title": "unfinished',
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 400
    assert "JSON parse error" in _json(response)["detail"]


def test_a_form_body_is_refused_by_the_api(client, db):
    token = Token.objects.create(user=UserFactory())
    response = client.post(
        "/api/v1/threads/",
        "title=A+thread&forum=general&body=Text",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 415
    assert "detail" in _json(response)
    # A multipart body has already been read (for NUL characters): nothing arrives.
    multipart = client.post(
        "/api/v1/threads/",
        {"title": "A thread", "forum": "general", "body": "Text"},
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert multipart.status_code == 400
    assert "title" in _json(multipart)


# --- Unknown paths and methods under /api/ ---------------------------------------------


@DEBUG_MODES
@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/nothing/"),
        ("get", "/api/v1/nothing/"),
        ("get", "/api/v1/exchanges/not%C2%84a-slug/"),
        ("post", "/api/v1/webinars/%C2%84/register/"),
        ("post", "/api/v1/threads"),  # no trailing slash: no APPEND_SLASH error for a POST
        ("delete", "/api/v1/unknown/1/"),
        # No format-suffix routes: an extra action does not take their `format` argument.
        ("post", "/api/v1/webinars/any-slug/register.json"),
        ("get", "/api/v1/threads/1/posts.json"),
        ("get", "/api/v1/hubs.json"),
    ],
)
def test_unknown_api_paths_are_json_404s(client, db, debug, method, path):
    with override_settings(DEBUG=debug):
        response = getattr(client, method)(path)
    assert response.status_code == 404
    assert _json(response) == {"detail": "Not found."}


@DEBUG_MODES
def test_a_wrong_method_is_a_json_405(client, db, debug):
    token = Token.objects.create(user=UserFactory())
    with override_settings(DEBUG=debug):
        response = client.delete("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 405
    assert "detail" in _json(response)
    assert "GET" in response["Allow"]


def test_pages_keep_their_html_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- Pagination and filters say no rather than guess -----------------------------------


@pytest.mark.parametrize(
    "query", ["page_size=0", "page_size=101", "page_size=abc", "page_size=", "page=0", "page=-1"]
)
def test_bad_paging_is_a_400(client, db, query):
    response = client.get(f"/api/v1/hubs/?{query}")
    assert response.status_code == 400
    assert set(_json(response)) <= {"page", "page_size"}


def test_paging_in_range(client, db):
    HubFactory.create_batch(3)
    response = client.get("/api/v1/hubs/?page_size=2&page=2")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1
    missing = client.get("/api/v1/hubs/?page_size=2&page=3")
    assert missing.status_code == 404
    assert "detail" in _json(missing)


def test_a_filter_slug_naming_nothing_matches_nothing(client, db):
    HubFactory(areas=[])
    response = client.get("/api/v1/hubs/?area=no-such-area")
    assert response.status_code == 200
    assert response.json()["count"] == 0
    # A value outside a fixed list is still refused.
    assert client.get("/api/v1/hubs/?kind=galactic").status_code == 400


def test_blank_values_are_what_the_schema_says(client, db):
    HubFactory(country="", website="", organisational_model="")
    hub = client.get("/api/v1/hubs/").json()["results"][0]
    assert hub["country"] == hub["website"] == hub["organisational_model"] == ""
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    website = schemas["Hub"]["properties"]["website"]
    assert "format" not in website and {"enum": [""]} in website["anyOf"]
    country = schemas["Hub"]["properties"]["country"]
    assert {"type": "string", "enum": [""]} in country["anyOf"]


def test_webinar_filters_naming_nothing_match_nothing(client, db):
    response = client.get("/api/v1/webinars/?theme=1999-01&chapter=nowhere&when=")
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert client.get("/api/v1/webinars/?when=someday").status_code == 400


def test_solutions_refuse_an_unknown_order(client, db):
    response = client.get("/api/v1/solutions/?sort=cheapest")
    assert response.status_code == 400
    assert "sort" in _json(response)


# --- The schema -------------------------------------------------------------------------


@pytest.fixture
def openapi(client, db):
    return client.get("/api/schema/?format=json").json()


def test_public_reads_need_no_credentials_in_the_schema(openapi):
    paths = openapi["paths"]
    for path in ("/api/v1/threads/", "/api/v1/exchanges/", "/api/v1/requests/", "/api/v1/hubs/"):
        assert {} in paths[path]["get"]["security"], path
    assert {} not in paths["/api/v1/threads/"]["post"]["security"]
    assert {} not in paths["/api/v1/me/"]["get"]["security"]


def test_every_operation_documents_its_errors(openapi):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            for code in ("400", "401", "429", "503"):
                assert "application/json" in responses[code]["content"], (method, path, code)
            for code in ("429", "503"):
                assert "Retry-After" in responses[code]["headers"], (method, path, code)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method != "get":
                assert "403" in responses, (method, path)
            if "requestBody" in operation:
                assert "415" in responses, (method, path)


def test_the_filters_declare_their_values(openapi):
    parameters = {
        p["name"]: p["schema"] for p in openapi["paths"]["/api/v1/exchanges/"]["get"]["parameters"]
    }
    assert parameters["year"]["minimum"] == 1945
    assert "" in parameters["region"]["enum"] and "africa" in parameters["region"]["enum"]
    assert parameters["page_size"] == {"type": "integer", "minimum": 1, "maximum": 100}
    hubs = {p["name"]: p["schema"] for p in openapi["paths"]["/api/v1/hubs/"]["get"]["parameters"]}
    assert "BR" in hubs["country"]["enum"]
    assert hubs["q"]["maxLength"] == 200


def test_an_exchange_with_an_empty_evidence_url_matches_the_schema(client, db):
    exchange = ExchangeFactory()
    ExchangeResultFactory(exchange=exchange, evidence_url="")
    result = client.get(f"/api/v1/exchanges/{exchange.slug}/").json()["results"][0]
    assert result["evidence_url"] == ""
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "format" not in schemas["Result"]["properties"]["evidence_url"]
