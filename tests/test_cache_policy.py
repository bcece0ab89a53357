"""Who may keep a page: compressed, with an ETag; public for a minute when nothing in it
depends on the visitor, private otherwise."""

from __future__ import annotations

import gzip

import pytest
from django.contrib import messages
from django.test import Client
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns
from core.middleware import SHARED_MAX_AGE

from .factories import UserFactory


def _a_page_with_a_message(request):
    from core.views import home

    messages.success(request, "Saved.")
    return home(request)


urlpatterns = [*portal_urlpatterns, path("test/message/", _a_page_with_a_message)]


def _directives(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def test_an_anonymous_page_is_compressed_shared_for_a_minute_and_revalidated(client, db):
    response = client.get("/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response["Content-Encoding"] == "gzip"
    html = gzip.decompress(response.content).decode()
    assert "<html" in html and "csrfmiddlewaretoken" not in html
    assert _directives(response) == {"public", f"max-age={SHARED_MAX_AGE}"}
    vary = {part.strip() for part in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie", "Accept-Encoding"} <= vary
    assert not response.cookies

    plain = client.get("/")
    assert "Content-Encoding" not in plain and plain["ETag"]
    again = client.get("/", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("path", ["/", "/solutions/", "/hubs/", "/community/", "/webinars/"])
def test_a_signed_in_members_pages_are_private(client, db, path):
    client.force_login(UserFactory())
    response = client.get(path)
    assert response.status_code == 200
    assert "private" in _directives(response) and "public" not in response["Cache-Control"]


def test_an_api_answer_to_a_token_is_private(client, db):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=UserFactory()).key
    response = client.get("/api/v1/hubs/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert "private" in _directives(response)
    assert "public" in _directives(client.get("/api/v1/hubs/"))


def test_a_page_with_a_form_or_a_message_or_an_error_is_private(client, db, settings):
    login = client.get("/accounts/login/")  # a CSRF token in the form
    assert "csrfmiddlewaretoken" in login.content.decode()
    assert "private" in _directives(login)
    assert "private" in _directives(client.get("/no-such-page/"))

    settings.ROOT_URLCONF = __name__
    shown = client.get("/test/message/")
    assert "Saved." in shown.content.decode() and "private" in _directives(shown)


def test_the_language_switcher_works_without_a_csrf_token(db):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert browser.get("/").content.decode().count('lang="fr"') >= 1
    assert "public" not in browser.post("/i18n/setlang/", {"language": "es"}).get(
        "Cache-Control", ""
    )
