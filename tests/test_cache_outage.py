"""With Redis unreachable, the cache fails open: pages, the API, log-in, sign-up and posting
keep working (their rate limits are off meanwhile), and /healthz says "degraded".

"Unreachable" is real here: the cache points at a loopback port nothing listens on, so every
call meets a refused connection, as when the Redis server has been stopped.
"""

from __future__ import annotations

import logging
import socket
import time

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse
from rest_framework.authtoken.models import Token

from core.cache import FailOpenRedisCache

from .factories import PASSWORD, UserFactory
from .factories_community import ThreadFactory


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


@pytest.fixture(autouse=True)
def _fresh_circuit():
    FailOpenRedisCache._down_until = 0.0
    yield
    FailOpenRedisCache._down_until = 0.0


@pytest.fixture
def redis_down(settings):
    dead = f"redis://127.0.0.1:{_closed_port()}/0"
    caches = {
        **django_settings.CACHES,
        "default": {**django_settings.CACHES["default"], "LOCATION": dead},
    }
    # Through pytest-django's settings, so that a test changing other settings too restores
    # them all in one stack.
    settings.CACHES = caches
    settings.REDIS_URL = dead
    return dead


def test_an_unreachable_cache_answers_as_an_empty_one(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("k") is None
        assert cache.get("k", "fallback") == "fallback"
        assert cache.set("k", 1) is None
        assert cache.add("k", 1) is True  # as if stored, then lost: no lock is held
        assert cache.incr("k") == 1
        assert cache.get_many(["a", "b"]) == {}
        assert cache.get_or_set("k", lambda: "computed") == "computed"
        assert cache.delete("k") is False
    assert FailOpenRedisCache.is_down()
    warnings = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(warnings) == 1  # once per outage, not once per call


def test_the_cache_is_used_again_once_redis_answers(caplog):
    cache.set("survives", "yes")
    FailOpenRedisCache._down_until = time.monotonic() + 60  # as right after a failure
    assert cache.get("survives") is None  # not even tried during the pause
    FailOpenRedisCache._down_until = time.monotonic() - 1  # the pause is over
    with caplog.at_level(logging.WARNING, logger="core.cache"):
        assert cache.get("survives") == "yes"
    assert not FailOpenRedisCache.is_down()
    assert any("reachable again" in r.getMessage() for r in caplog.records)


def test_pages_and_the_api_keep_working(client, db, redis_down):
    assert client.get("/").status_code == 200
    assert client.get("/hubs/").status_code == 200
    for _ in range(3):  # the anonymous throttle reads and writes the cache each time
        assert client.get("/api/v1/hubs/").status_code == 200
    token = Token.objects.create(user=UserFactory())
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert me.status_code == 200


def test_log_in_and_sign_up_keep_working(client, db, redis_down):
    member = UserFactory()
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(member.pk)
    client.logout()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.member@example.org",
            "name": "New Member",
            "organisation": "Ministry",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    from accounts.models import User

    assert User.objects.filter(email="new.member@example.org").exists()


def test_a_forum_reply_is_posted(client, db, redis_down, settings):
    settings.COMMUNITY_APPROVAL_FIRST_POSTS = 0
    thread = ThreadFactory()
    token = Token.objects.create(user=UserFactory())
    response = client.post(
        f"/api/v1/threads/{thread.pk}/reply/",
        {"body": "Posted while Redis is down."},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 201, response.content
    assert thread.posts.filter(body="Posted while Redis is down.").exists()


def test_healthz_says_degraded_without_redis_and_ok_with_it(client, db, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["broker"].startswith("error")
    assert body["database"] == "ok"
    # Heartbeats live in Redis: without it, the worker and beat are not known to be down.
    assert (body["worker"], body["beat"]) == ("unknown", "unknown")
