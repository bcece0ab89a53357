"""Schemathesis over the whole OpenAPI schema: no server errors, no response that breaks it.

Every endpoint added later is covered automatically, as an anonymous visitor and
as a verified member with an API token.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from .factories import UserFactory

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


@pytest.fixture
def api_schema(db, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    from config.wsgi import application

    # Throttling is tested elsewhere; here it would only turn examples into 429s.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    return schemathesis.openapi.from_wsgi("/api/schema/", application)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def token(db):
    return Token.objects.create(user=UserFactory()).key


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_visitor(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_as_member(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)
