"""Schemathesis over the whole OpenAPI schema, with every check it has.

Every endpoint added later is covered automatically, as an anonymous visitor and as a
verified member with an API token. ``case.call_and_validate()`` without a list of
checks runs all of them (server errors, status codes, content types, headers and
bodies against the schema, negative data rejected, positive data accepted, missing
auth, unsupported methods…), configured by ``schemathesis.toml``; and each operation
is tested in the examples, coverage (schema edges, invalid values) and fuzzing phases.
The stateful phase (links between operations) runs with ``schemathesis run``: see the
README.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from config.wsgi import application

from .factories import UserFactory
from .factories_community import ThreadFactory
from .factories_exchanges import ExchangeFactory, ExchangeResultFactory
from .factories_hubs import HubFactory

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

# Bounded and repeatable: the coverage phase already sends each operation's edge cases.
EXAMPLES = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _wsgi_inside_the_test_transaction(db, monkeypatch):
    # Like Django's test client: keep the connection (and the test's transaction) open
    # across requests made straight to the WSGI application.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Throttling is tested elsewhere; here it would only turn examples into 429s.
    monkeypatch.setattr(SimpleRateThrottle, "allow_request", lambda self, request, view: True)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def _rows_with_empty_fields(db):
    """Lists then hold rows whose optional text is empty ("" where a URL or a country goes)."""
    HubFactory(country="", website="")
    exchange = ExchangeFactory()
    ExchangeResultFactory(exchange=exchange, evidence_url="")
    ThreadFactory()


@pytest.fixture
def token(db):
    return Token.objects.create(user=UserFactory()).key


# Called through WSGI, where nothing undoes the gzip a real HTTP client would: ask for the
# plain body (compression itself is tested in test_cache_policy.py).
PLAIN = {"Accept-Encoding": "identity"}


@schema.parametrize()
@EXAMPLES
def test_api_as_visitor(case):
    case.call_and_validate(headers=PLAIN)


@schema.parametrize()
@EXAMPLES
def test_api_as_member(case, token):
    case.call_and_validate(headers={**PLAIN, "Authorization": f"Token {token}"})
