"""While PostgreSQL cannot be reached, every request answers a 503 at once: a standalone page
in the visitor's language, JSON under /api/, Retry-After, nothing read from the database.

Here the database fails through Django's own query hook (connection.execute_wrapper raising
psycopg's OperationalError, as a connection the server dropped does), and the backend meets a
real closed port and real dead connections. tests/test_database_drill.py stops, freezes and
restarts a real PostgreSQL under a running portal.
"""

from __future__ import annotations

import contextlib
import time

import psycopg
import pytest
from django.db import connection, connections
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation

from config.urls import urlpatterns as portal_urlpatterns
from core.postgresql.base import OUTAGE_WAIT, DatabaseWrapper

from .pg_cluster import free_port

UNAVAILABLE = "The portal is briefly unavailable. Please try again in a moment."


class FailingDatabase:
    """Every query fails as on a connection the server has dropped; counts the attempts."""

    def __init__(self):
        self.attempts = 0

    def __call__(self, execute, sql, params, many, context):
        self.attempts += 1
        with context["connection"].wrap_database_errors:  # as Django wraps psycopg's errors
            raise psycopg.OperationalError("server closed the connection unexpectedly")


@pytest.fixture
def database_down(db):
    failing = FailingDatabase()
    with connection.execute_wrapper(failing):
        yield failing


@pytest.fixture(autouse=True)
def _no_outage_left():
    DatabaseWrapper._unreachable_since = 0.0
    yield
    DatabaseWrapper._unreachable_since = 0.0


def _unavailable_text(language: str) -> str:
    with translation.override(language):
        return translation.gettext(UNAVAILABLE)


def assert_unavailable_page(response, language: str):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Content-Type"].startswith("text/html")
    assert response["Content-Language"] == language
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert _unavailable_text(language) in html


# --- Pages, the API and /healthz -------------------------------------------------------


def test_a_page_answers_503_in_the_browsers_language_without_further_queries(client, database_down):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert_unavailable_page(response, "fr")
    # The site name is already translated: the page really is in French.
    assert "Portail des pôles de savoir" in response.content.decode()
    assert "Accept-Language" in response["Vary"]
    assert database_down.attempts == 1  # the failed query; the page itself asked nothing


def test_the_language_cookie_wins_over_the_browser(client, database_down, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get("/hubs/", HTTP_ACCEPT_LANGUAGE="fr")
    assert_unavailable_page(response, "es")


@pytest.mark.parametrize("debug", [False, True])
def test_a_members_request_fails_in_the_session_lookup_and_still_answers_503(
    member_client, db, settings, debug
):
    """The first query is the session's, in a middleware: Django makes it a 500 first (with
    DEBUG, its technical page, which looks at the session and the user again)."""
    settings.DEBUG = debug
    member_client.raise_request_exception = False  # the test client re-raises it, servers don't
    failing = FailingDatabase()
    with connection.execute_wrapper(failing):
        response = member_client.get("/hubs/", HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert_unavailable_page(response, "pt-br")
    if not debug:
        assert failing.attempts == 1


def test_the_api_answers_503_in_its_error_shape(client, database_down):
    for url in ("/api/v1/hubs/", "/api/v1/hubs/somewhere/"):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        assert response.status_code == 503, url
        assert response["Retry-After"] == "5"
        assert response.json() == {"detail": _unavailable_text("fr")}


def test_a_token_call_fails_in_authentication_and_answers_503_too(client, database_down):
    response = client.post(
        "/api/v1/threads/",
        {"title": "x"},
        content_type="application/json",
        HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567",
    )
    assert response.status_code == 503
    assert set(response.json()) == {"detail"}


def test_healthz_answers_503_with_retry_after(client, database_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error: OperationalError"


# --- A template rendered after the view, and errors that are not the database's -------------


def _lazy_template(request):
    from hubs.models import Hub

    # The queryset is evaluated while the response renders, after the view has returned.
    return TemplateResponse(request, "core/test_lazy.html", {"hubs": Hub.objects.all()})


def _broken(request):
    raise RuntimeError("not the database")


def _ok(request):
    return HttpResponse("fine")


urlpatterns = [
    path("test/lazy/", _lazy_template),
    path("test/broken/", _broken),
    path("test/ok/", _ok),
    *portal_urlpatterns,
]


@pytest.fixture
def lazy_template(settings, tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "test_lazy.html").write_text("{% for hub in hubs %}{{ hub }}{% endfor %}")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]


@pytest.mark.urls(__name__)
def test_an_error_while_a_template_response_renders_answers_503(
    client, database_down, lazy_template
):
    response = client.get("/test/lazy/", HTTP_ACCEPT_LANGUAGE="id")
    assert_unavailable_page(response, "id")


@pytest.mark.urls(__name__)
def test_other_errors_are_still_500(client, db):
    client.raise_request_exception = False
    assert client.get("/test/broken/").status_code == 500
    assert client.get("/test/ok/").status_code == 200


# --- The backend: one wait, then almost none; dead connections replaced together ----------


@pytest.fixture
def pooled(django_db_setup, django_db_blocker):
    """Wrappers for extra aliases, each with its own small pool, gone after the test.

    Outside a test case's transaction (which would forbid the extra aliases): these tests
    only open connections, they write nothing.
    """
    made = []

    def make(alias: str, timeout: float = 1.0, **overrides) -> DatabaseWrapper:
        settings_dict = {
            **connection.settings_dict,
            **overrides,
            "OPTIONS": {
                **connection.settings_dict["OPTIONS"],
                "pool": {"min_size": 0, "max_size": 4, "timeout": timeout, "reconnect_timeout": 2},
            },
        }
        # Known to Django (django.contrib.postgres looks the alias up on each new connection).
        connections.settings[alias] = settings_dict
        wrapper = DatabaseWrapper(settings_dict, alias=alias)
        made.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():
        yield make
        _close(made)


def _close(made):
    for wrapper in made:
        wrapper.close()
    for alias in {wrapper.alias for wrapper in made}:
        if alias in connections:
            connections[alias].close()
        made[0].__class__(connections.settings[alias], alias=alias).close_pool()
        del connections.settings[alias]
        with contextlib.suppress(AttributeError):
            delattr(connections._connections, alias)


def _time(call) -> tuple[float, BaseException | None]:
    start = time.monotonic()
    try:
        call()
    except Exception as error:  # noqa: BLE001
        return time.monotonic() - start, error
    return time.monotonic() - start, None


def test_an_unreachable_server_costs_one_pool_wait_then_almost_none(pooled):
    down = pooled("unreachable", HOST="127.0.0.1", PORT=str(free_port()))
    first, error = _time(down.ensure_connection)
    assert error is not None and "couldn't get a connection" in str(error)
    # A refused connection: given up after one OUTAGE_WAIT, not the pool's 1 s timeout.
    assert OUTAGE_WAIT - 0.05 < first < OUTAGE_WAIT + 0.3
    assert DatabaseWrapper.is_unreachable()
    same_request, error = _time(down.ensure_connection)
    assert error is not None and same_request < 0.1
    down.close_if_unusable_or_obsolete()  # the next request
    next_request, error = _time(down.ensure_connection)
    assert error is not None
    assert OUTAGE_WAIT - 0.05 < next_request < OUTAGE_WAIT + 0.2


def test_the_first_connection_the_pool_gets_ends_the_outage(pooled):
    DatabaseWrapper._unreachable_since = time.monotonic() - 30  # as during an outage
    up = pooled("recovering")
    up.ensure_connection()  # within OUTAGE_WAIT: the pool connects at once to a live server
    assert not DatabaseWrapper.is_unreachable()


def test_dead_idle_connections_are_replaced_together_not_one_pause_each(pooled):
    """After a restart every idle pooled connection is dead: one check finds them all."""
    first, second = pooled("restarted", timeout=5), pooled("restarted", timeout=5)
    first.ensure_connection()
    second.ensure_connection()
    pids = [w.connection.info.backend_pid for w in (first, second)]
    first.close()
    second.close()  # both back in the pool, idle
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) pid", [pids])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", [pids])
            if cursor.fetchone()[0] == 0:
                break
            time.sleep(0.02)
    took, error = _time(first.ensure_connection)
    assert error is None
    with first.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert first.connection.info.backend_pid not in pids
    # psycopg_pool pauses ~1 s after a failed check; one dead connection per pause would
    # take 3 s here.
    assert took < 1.8
