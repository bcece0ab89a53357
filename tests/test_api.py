"""The API skeleton: schema, docs, consistent JSON errors."""

import re

import pytest
from drf_spectacular.validation import validate_schema


def test_schema_is_valid_openapi_3(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    assert "/api/v1/me/" in schema["paths"]


def test_docs_render_with_local_assets_only(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    for source in sources:
        assert source.startswith("/"), f"outside request in API docs: {source}"
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/api/v1/does-not-exist/", 404),
        ("get", "/api/v1/me/", 401),
        ("post", "/api/v1/me/", 401),
    ],
)
def test_errors_are_json_with_detail(client, db, method, path, status):
    response = getattr(client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json()["detail"], str)


def test_wrong_method_is_405_with_detail(member_client):
    response = member_client.delete("/api/v1/me/")
    assert response.status_code == 405
    assert response.json()["detail"] == 'Method "DELETE" not allowed.'


def test_bad_token_is_401_with_detail(client, db):
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Token not-a-real-token")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_malformed_json_body_is_400_with_detail(member_client):
    response = member_client.patch("/api/v1/me/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_throttled_requests_get_429_with_detail(member_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "2/min", "user": "2/min"})
    statuses = [member_client.get("/api/v1/me/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = member_client.get("/api/v1/me/")
    assert response.status_code == 429
    assert "Request was throttled" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
