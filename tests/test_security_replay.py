"""What a replay of the security issue's attacks from outside found, kept from returning.

Each test is one finding of the replay against a running portal (development server and
gunicorn with DEBUG off): markup spelt so that the upload check missed it, an evidence image
served inline, an upload error hidden in a closed section, upload messages left in English,
a file name too long for Django to parse, CSV cells written from objects, hostile /files/
addresses, and pages that a member's long word or the footer's language form widened past
a phone's screen.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from catalogue.models import Attachment
from core.csv_export import csv_response, safe_cell
from core.uploads import check_upload
from hubs.models import Answer

from .browser import log_in
from .factories_community import ThemeFactory
from .uploads_support import image_bytes, post_evidence, read

SANDBOX = "default-src 'none'; sandbox"


pytestmark = pytest.mark.usefixtures("media_root")


# --- Markup the content check missed ------------------------------------------------------

EVASIONS = {
    # PDF names may spell any character as #xx: /Java#53cript is /JavaScript.
    "pdf-javascript-with-escaped-name": (
        b"%PDF-1.4\n1 0 obj << /Type /Action /S /Java#53cript /JS (app.alert(1)) >> endobj\n%%EOF"
    ),
    "pdf-javascript-fully-escaped": (
        b"%PDF-1.4\n1 0 obj << /S /#4a#61#76#61#53#63#72#69#70#74 /JS (app.alert(1)) >>\n%%EOF"
    ),
    # A script element in the XHTML namespace under another prefix: no "<script" in it.
    "xhtml-namespaced-script": (
        b'%PDF-1.4\n<a:script xmlns:a="http://www.w3.org/1999/xhtml">alert(1)</a:script>\n%%EOF'
    ),
}


@pytest.mark.parametrize("kind", EVASIONS)
@pytest.mark.parametrize("policy", ["evidence", "attachment"])
def test_spelt_out_markup_is_refused(kind, policy):
    with pytest.raises(ValidationError) as caught:
        check_upload(SimpleUploadedFile("report.pdf", EVASIONS[kind]), policy)
    assert caught.value.code == "markup"


@pytest.mark.parametrize("kind", EVASIONS)
def test_spelt_out_markup_is_refused_through_the_pages(client, draft, revision, editor, kind):
    client.force_login(editor)
    response = post_evidence(client, draft, SimpleUploadedFile("report.pdf", EVASIONS[kind]))
    assert response.status_code == 200
    assert "web page or script code" in response.content.decode()
    assert not Answer.objects.exclude(evidence_file="").exists()
    response = client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        {"file": SimpleUploadedFile("report.pdf", EVASIONS[kind])},
    )
    assert response.status_code == 200 and not Attachment.objects.exists()


def test_hashes_in_an_ordinary_pdf_are_not_mistaken_for_markup():
    pdf = b"%PDF-1.4\n(Decree #42, item #3c) /Name#20With#20Spaces /Colour #ff0000\n%%EOF"
    assert check_upload(SimpleUploadedFile("decree.pdf", pdf), "evidence").key == "pdf"


# --- Evidence is a download, even an image ------------------------------------------------


def test_evidence_images_are_offered_as_downloads_only(client, draft, editor, curator):
    client.force_login(editor)
    post_evidence(client, draft, SimpleUploadedFile("site visit.png", image_bytes()))
    answer = Answer.objects.exclude(evidence_file="").get()
    for user in (editor, curator):
        client.force_login(user)
        response = read(client, answer.evidence_file.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == SANDBOX
        assert response.body == image_bytes()


def test_hub_logos_are_still_shown_inline(client, hub, curator):
    client.force_login(curator)
    hub.logo.save("logo.png", SimpleUploadedFile("logo.png", image_bytes()))
    response = read(client, hub.logo.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")


# --- An upload error is shown where the member can see it ---------------------------------


def _evidence_details(html: str, question) -> str:
    """The <details> opening tag of a question's evidence fields."""
    fieldset = html[html.index(f'name="q{question.pk}_evidence_file"') - 3000 :]
    return re.findall(r"<details[^>]*>", fieldset)[0]


def test_a_refused_evidence_file_opens_its_section(client, draft, editor):
    client.force_login(editor)
    _assessment, question, url = draft
    page = client.get(url).content.decode()
    assert _evidence_details(page, question) == "<details>"  # closed while there is nothing
    response = post_evidence(
        client, draft, SimpleUploadedFile("report.pdf", b"<!doctype html><script>1</script>")
    )
    html = response.content.decode()
    assert "this file is not one" in html
    assert _evidence_details(html, question) == "<details open>"


@pytest.mark.browser
def test_a_refused_evidence_file_shows_its_error_in_the_browser(page, draft, editor, tmp_path):
    _assessment, question, url = draft
    hostile = tmp_path / "report.pdf"
    hostile.write_bytes(b"<!doctype html><script>document.title='PWNED'</script>")
    log_in(page, editor.email)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(page.base_url + url)
    page.locator("main details summary").first.click()
    page.locator(f"input[name=q{question.pk}_evidence_file]").set_input_files(str(hostile))
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator("p.error", has_text="this file is not one")
    error.scroll_into_view_if_needed()
    assert error.is_visible()
    assert "PWNED" not in page.title()


# --- Hostile file names and /files/ addresses ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../x.png", "x.png"),
        ("..\\..\\x.png", "x.png"),
        ("/etc/passwd.png", "passwd.png"),
        ("x\x00.png", "x.png"),
        ("<script>alert(1)</script>.png", "script>.png"),
        ("r\u00e9sum\u00e9 \u540d\u524d.png", "r\u00e9sum\u00e9 \u540d\u524d.png"),
    ],
)
def test_hostile_file_names_never_reach_the_disk(client, revision, editor, name, kept):
    client.force_login(editor)
    response = client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        {"file": SimpleUploadedFile(name, image_bytes(), "image/png")},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.original_name == kept
    assert re.fullmatch(
        rf"solutions/{revision.solution_id}/[0-9a-f]{{32}}\.png", attachment.file.name
    )
    page = client.get(reverse("catalogue:files", args=[revision.solution.slug])).content.decode()
    assert "<script>alert(1)</script>" not in page


def test_a_file_name_too_long_to_store_gets_a_clear_error(client, revision, editor):
    client.force_login(editor)
    response = client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        {"file": SimpleUploadedFile("a" * 300 + ".png", image_bytes(), "image/png")},
    )
    assert response.status_code == 200
    assert "The file name is too long" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_file_name_too_long_to_parse_gets_the_portals_bad_request_page(client, revision, editor):
    # Django refuses a part header over 1 KB before any form sees it: a 400 in the portal's
    # own words, never a 500 nor a bare "Bad Request (400)".
    # (The test client would cut the name to 255 characters: the body is written here.)
    client.force_login(editor)
    boundary = "replay"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{"a" * 2000}.png"'
            f"\r\nContent-Type: image/png\r\n\r\n"
        ).encode()
        + image_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "could not read this request" in html and 'lang="en"' in html
    assert not Attachment.objects.exists()


def test_a_bad_request_gets_the_portals_page_or_json_never_a_500(client, db):
    response = client.get("/", HTTP_HOST="evil.example")  # not an allowed host
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()
    response = client.get("/api/v1/hubs/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response.json() == {"detail": "The request could not be read."}


def test_hostile_files_addresses_are_404_and_never_another_objects_file(
    client, hub, curator, draft, editor
):
    hub.logo.save("logo.png", SimpleUploadedFile("logo.png", image_bytes(size=(20, 10))))
    client.force_login(editor)
    post_evidence(client, draft, SimpleUploadedFile("secret.png", image_bytes(size=(9, 9))))
    evidence = Answer.objects.exclude(evidence_file="").get()
    client.logout()
    logo_url = hub.logo.url
    name = logo_url.rsplit("/", 1)[1]
    evidence_name = evidence.evidence_file.url.rsplit("/", 1)[1]
    own = read(client, logo_url)
    assert own.status_code == 200
    # The query string is ignored: still the logo, never the evidence it names.
    for query in (f"?kind=evidence&pk={evidence.pk}&name={evidence_name}", "?../../x"):
        response = read(client, logo_url + query)
        assert response.status_code == 200 and response.body == own.body
    hostile = [
        *(
            f"/files/{kind}/{hub.pk}/{name}"
            for kind in ("evidence", "proposal-logo", "speaker-photo", "theme-cover", "attachment")
        ),
        f"/files/hub-logo/{hub.pk + 1}/{name}",
        f"/files/hub-logo/0/{name}",
        f"/files/hub-logo/99999999999999999999999/{name}",
        f"/files/hub-logo/{hub.pk}/{name.upper()}",
        f"/files/hub-logo/{hub.pk}/{name}x",
        f"/files/hub-logo/{hub.pk}/{evidence_name}",
        f"/files/hub-logo/{hub.pk}/hubs/logos/{name}",
        f"/files/hub-logo/{hub.pk}/hubs%2Flogos%2F{name}",
        f"/files/hub-logo/{hub.pk}/..%2F..%2Fsecret_key",
        f"/files/hub-logo/{hub.pk}/%2e%2e%2f%2e%2e%2fsecret_key",
        f"/files/hub-logo/{hub.pk}/{name}/",
        f"/files/HUB-LOGO/{hub.pk}/{name}",
        f"/files/evidence/{evidence.pk}/{evidence_name}",  # a draft's, to a visitor
        f"/media/{hub.logo.name}",
        f"/media/{evidence.evidence_file.name}",
    ]
    for url in hostile:
        response = read(client, url)
        assert response.status_code == 404, url


# --- CSV cells written from objects -------------------------------------------------------


class _Named:
    def __init__(self, name):
        self.name = name

    def __str__(self):
        return self.name


@pytest.mark.parametrize(
    "value",
    [_Named('=HYPERLINK("http://evil.example","x")'), gettext_lazy("-1"), _Named("@SUM(A1)")],
)
def test_cells_written_from_objects_are_guarded_too(value):
    assert safe_cell(value) == "'" + str(value)
    response = csv_response(filename="x.csv", columns=["a"], rows=[[value]])
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == ["'" + str(value)]


def test_objects_and_numbers_that_are_not_formulas_are_written_as_they_are():
    from decimal import Decimal

    hub = _Named("Agency")
    assert safe_cell(hub) is hub
    assert safe_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert safe_cell(True) is True


# --- Upload messages in every language ----------------------------------------------------

UPLOAD_MESSAGES = [
    "Upload a valid image (PNG, JPEG, WebP or GIF); this file is not one.",
    "The image could not be read; it may be damaged. Save it again as PNG or JPEG.",
    "The image has too many pixels. The limit is %(limit)d megapixels.",
    "The image is %(width)d × %(height)d pixels, too many. The limit is %(limit)d megapixels.",
    "This file contains web page or script code and cannot be accepted.",
    "PDF, image (PNG, JPEG, WebP, GIF) or office document; at most 5 MB.",
    "Evidence file on record",
    "A new file replaces it.",
    "Bad request",
]


@pytest.mark.parametrize("language", ["es", "fr", "pt-br", "id"])
def test_upload_messages_are_translated(language):
    with translation.override(language):
        untranslated = [message for message in UPLOAD_MESSAGES if gettext(message) == message]
    assert untranslated == []


# --- Pages fit a phone, whatever members type ---------------------------------------------

LONG_WORD = '=HYPERLINK("http://evil.example/a-very-long-unbroken-address","x")'


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "es"])
def test_no_page_runs_off_a_phones_screen(page, hub, draft, editor, language):
    # The replay's own hostile names widened the hub's page, the assessment's heading, the
    # directory's filters and the webinars' theme filter past 375 px, and the footer's
    # language form ran off the screen in English.
    hub.name = hub.host_institution = LONG_WORD
    hub.save()
    ThemeFactory(title="A monthly theme with a title far longer than a phone is wide, in full")
    _assessment, _question, url = draft
    log_in(page, editor.email)
    page.set_viewport_size({"width": 375, "height": 800})
    page.context.add_cookies([{"name": "django_language", "value": language, "url": page.base_url}])
    for path in ("/", url, hub.get_absolute_url(), "/hubs/", "/solutions/", "/webinars/"):
        page.goto(page.base_url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (path, width)
