"""The base layout, error pages and translations."""

import polib
import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import path

from core.markdown import render_markdown


def test_home_shows_empty_states_and_landmarks(client, db):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#main"' in html and 'id="main"' in html
    assert "<header" in html and "<footer" in html and "<nav" in html
    assert "No webinars are scheduled yet." in html
    assert "Times are shown in UTC." in html


def test_browser_time_zone_cookie_is_applied_and_bad_ones_ignored(client, db):
    client.cookies["portal_tz"] = "Asia/Jakarta"
    assert "Times are shown in Asia/Jakarta." in client.get("/").content.decode()
    client.cookies["portal_tz"] = "<script>"
    assert "Times are shown in UTC." in client.get("/").content.decode()


def test_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Back to the home page" in response.content.decode()


def _boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", _boom)] + __import__(
    "config.urls", fromlist=["urlpatterns"]
).urlpatterns
handler500 = "core.views.server_error"


@override_settings(ROOT_URLCONF=__name__)
def test_friendly_500(client, db):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


# Strings from the base layout, and how each language must show them.
TRANSLATED = {
    "es": ["Saltar al contenido principal", "Iniciar sesión"],
    "pt-br": ["Pular para o conteúdo principal", "Entrar"],
    "fr": ["Aller au contenu principal", "Se connecter"],
    "id": ["Lompat ke konten utama", "Masuk"],
}


@pytest.mark.parametrize(
    ("accept", "code"), [("es", "es"), ("pt", "pt-br"), ("fr", "fr"), ("id", "id")]
)
def test_base_layout_is_translated(client, db, accept, code):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    html = response.content.decode()
    assert f'<html lang="{code}"' in html
    for text in TRANSLATED[code]:
        assert text in html
    assert "Skip to main content" not in html


def test_every_translation_is_compiled_and_complete():
    for directory in ("es", "pt_BR", "fr", "id"):
        po_path = settings.BASE_DIR / "locale" / directory / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        mo = polib.mofile(str(po_path.with_suffix(".mo")))
        assert po.percent_translated() == 100, (
            f"{directory}: untranslated {[e.msgid for e in po.untranslated_entries()][:5]}"
        )
        assert not po.fuzzy_entries(), f"{directory}: fuzzy entries"
        compiled = {(entry.msgctxt, entry.msgid): entry.msgstr for entry in mo}
        for entry in po.translated_entries():
            if not entry.msgid_plural:
                assert compiled.get((entry.msgctxt, entry.msgid)) == entry.msgstr, (
                    f"{directory}: .mo is stale, run make messages"
                )


def test_markdown_is_sanitised():
    html = render_markdown(
        "**bold** <script>alert(1)</script> [x](javascript:alert(1)) [ok](https://example.org)"
        ' <a href="javascript:alert(2)">raw</a> <img src=x onerror=alert(3)>'
    )
    assert "<img" not in html and '<a href="javascript' not in html
    assert "<strong>bold</strong>" in html
    assert "<script" not in html
    assert 'rel="nofollow ugc noopener"' in html


def test_migrations_are_complete(db):
    from django.core.management import call_command

    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def test_friendly_403_explains_and_offers_sign_in(rf, db):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied

    from core.views import permission_denied

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied("Only curators may publish."))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Only curators may publish." in html
    assert "/accounts/login/?next=/somewhere/" in html
    api = permission_denied(rf.get("/api/v1/x/"), PermissionDenied("No."))
    assert api.status_code == 403 and api["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("method", "path", "data", "content_type"),
    [
        ("get", "/hubs/?area=he%00alth", None, None),
        ("get", "/api/v1/webinars/?chapter=a%00b", None, None),
        (
            "post",
            "/api/v1/threads/",
            '{"forum": "gen\\u0000eral", "title": "t", "body": "b"}',
            "application/json",
        ),
        ("post", "/accounts/login/", {"login": "a\x00b@example.org", "password": "x"}, None),
    ],
)
def test_null_characters_are_refused_with_a_400(client, db, method, path, data, content_type):
    kwargs = {"content_type": content_type} if content_type else {}
    response = (
        getattr(client, method)(path, data, **kwargs) if data is not None else client.get(path)
    )
    assert response.status_code == 400
    assert "Null characters are not allowed." in response.content.decode()
