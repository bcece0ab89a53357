"""One upload policy for every file field; members' files only through a permission check.

The penetration test's attacks replayed: HTML, SVG, script, executables and polyglots named as
allowed types, and a decompression bomb, against every file field; then who gets a file back,
and how it is served.
"""

from __future__ import annotations

import functools
import importlib
import io
import re
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import Resolver404, clear_url_caches, resolve, reverse
from PIL import Image

from catalogue import services as catalogue_services
from catalogue.models import Attachment
from community.models import Theme
from core.uploads import check_upload
from hubs import assessment_services
from hubs import services as hub_services
from hubs.models import Answer, Assessment, Hub, HubProposal
from webinars.models import Speaker

from .factories import UserFactory
from .factories_community import ThemeFactory
from .factories_hubs import HubFactory
from .uploads_support import image_bytes, post_evidence, read
from .webinars_support import SpeakerFactory, WebinarFactory

REFUSED = re.compile(r"this file is not one|web page or script code|could not be read")
TOO_MANY_PIXELS = re.compile(r"too many|megapixels")
RANDOM = r"[0-9a-f]{32}"


pytestmark = pytest.mark.usefixtures("media_root")


@functools.cache
def _bomb() -> bytes:
    """A 20,000 × 20,000 PNG: some 60 KB on disk, 400 million pixels once decoded."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, "PNG")
    return buffer.getvalue()


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document><w:body/></w:document>")
    return buffer.getvalue()


HOSTILE = {
    "html": b"<!doctype html><html><body><script>alert(document.domain)</script></body></html>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"/>',
    "javascript": b"fetch('/accounts/email/').then(r => r.text()).then(alert)",
    "exe": b"MZ\x90\x00\x03" + b"\0" * 59 + b"This program cannot be run in DOS mode.\r\n",
    "gif-polyglot": b"GIF89a<script>alert(document.domain)</script>",
    "png-polyglot": image_bytes() + b"<html><script>alert(1)</script></html>",
    "pdf-with-html": b"%PDF-1.4\n<html><body><script>alert(1)</script></body></html>\n%%EOF",
    "pdf-with-javascript": b"%PDF-1.4\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >>\n%%EOF",
    "zip-with-program": None,  # filled in below: an "office document" carrying an .exe
    "text": b"Just some notes, which a browser would still sniff and render.",
}
_buffer = io.BytesIO()
with zipfile.ZipFile(_buffer, "w") as _archive:
    _archive.writestr("[Content_Types].xml", "<Types/>")
    _archive.writestr("word/document.xml", "<w:document/>")
    _archive.writestr("word/setup.exe", "MZ")
HOSTILE["zip-with-program"] = _buffer.getvalue()

# The name each payload gets when it is dressed up as what the field accepts.
IMAGE_NAMES = {"html": "logo.png", "svg": "logo.png", "javascript": "logo.jpg", "exe": "logo.gif"}
DOCUMENT_NAMES = {"html": "report.pdf", "svg": "chart.png", "javascript": "report.pdf"}


def _image_name(kind):
    return IMAGE_NAMES.get(kind, "photo.png")


def _document_name(kind):
    return "plan.docx" if kind == "zip-with-program" else DOCUMENT_NAMES.get(kind, "report.pdf")


# --- The people and things involved ----------------------------------------------------


PROFILE = {
    "name": "Agency for Cooperation",
    "acronym": "AGC",
    "kind": "national",
    "country": "BR",
    "year_established": "2001",
    "original_language": "en",
}


def _body(response) -> bytes:
    return response.body


def _assert_safe_headers(response) -> bytes:
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    content_type = response["Content-Type"]
    assert "html" not in content_type and "script" not in content_type
    assert "svg" not in content_type and "xml" not in content_type
    return _body(response)


# --- Every field refuses the attack, with a clear message --------------------------------


@pytest.mark.parametrize("kind", HOSTILE)
def test_evidence_refuses_hostile_files_through_the_page(client, draft, editor, kind):
    client.force_login(editor)
    response = post_evidence(
        client, draft, SimpleUploadedFile(_document_name(kind), HOSTILE[kind], "application/pdf")
    )
    assert response.status_code == 200
    assert REFUSED.search(response.content.decode())
    assert not Answer.objects.exists()


@pytest.mark.parametrize("kind", HOSTILE)
def test_attachments_refuse_hostile_files_through_the_page(client, revision, editor, kind):
    client.force_login(editor)
    response = client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        {"file": SimpleUploadedFile(_document_name(kind), HOSTILE[kind], "application/pdf")},
    )
    assert response.status_code == 200
    assert REFUSED.search(response.content.decode())
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("kind", HOSTILE)
def test_logo_proposals_refuse_hostile_files_through_the_page(client, hub, editor, kind):
    client.force_login(editor)
    upload = SimpleUploadedFile(_image_name(kind), HOSTILE[kind], "image/png")
    response = client.post(reverse("hubs:propose", args=[hub.slug]), {**PROFILE, "logo": upload})
    assert response.status_code == 200
    assert REFUSED.search(response.content.decode())
    assert not HubProposal.objects.exists()


@pytest.mark.parametrize("kind", ["html", "svg", "gif-polyglot", "png-polyglot"])
def test_a_curators_direct_edit_refuses_hostile_logos(client, hub, curator, kind):
    client.force_login(curator)
    upload = SimpleUploadedFile(_image_name(kind), HOSTILE[kind], "image/png")
    response = client.post(reverse("hubs:edit", args=[hub.slug]), {**PROFILE, "logo": upload})
    assert response.status_code == 200 and REFUSED.search(response.content.decode())
    assert not Hub.objects.get(pk=hub.pk).logo


@pytest.mark.parametrize("kind", HOSTILE)
def test_theme_covers_and_speaker_photos_refuse_hostile_files(db, kind):
    theme = Theme(month="2031-05", title="Milk banks")
    theme.cover = SimpleUploadedFile(_image_name(kind), HOSTILE[kind])
    with pytest.raises(ValidationError) as error:
        theme.full_clean()
    assert REFUSED.search(" ".join(error.value.message_dict["cover"]))
    speaker = Speaker(name="Ana", sector="public")
    speaker.photo = SimpleUploadedFile(_image_name(kind), HOSTILE[kind])
    with pytest.raises(ValidationError) as error:
        speaker.full_clean()
    assert REFUSED.search(" ".join(error.value.message_dict["photo"]))


def test_the_admin_uses_the_same_policy(client, staff_member):
    client.force_login(staff_member)
    url = reverse("admin:webinars_speaker_add")
    data = {"name": "Ana", "sector": "public", "bio": "", "organisation": ""}
    response = client.post(url, {**data, "photo": SimpleUploadedFile("ana.png", HOSTILE["svg"])})
    assert response.status_code == 200 and REFUSED.search(response.content.decode())
    response = client.post(url, {**data, "photo": SimpleUploadedFile("ana.png", _bomb())})
    assert response.status_code == 200 and TOO_MANY_PIXELS.search(response.content.decode())
    assert not Speaker.objects.exists()
    response = client.post(
        url, {**data, "photo": SimpleUploadedFile("Ana Photo.JPG", image_bytes())}
    )
    assert response.status_code == 302
    speaker = Speaker.objects.get()
    assert re.fullmatch(rf"speakers/{RANDOM}\.png", speaker.photo.name)  # a PNG, whatever it said
    # The admin's "currently" link goes through the view too.
    change = read(client, reverse("admin:webinars_speaker_change", args=[speaker.pk]))
    assert speaker.photo.url in change.content.decode() and "/media/" not in change.content.decode()


def test_nothing_refused_is_ever_written_even_when_a_caller_skips_validation(db, hub):
    hub.logo = SimpleUploadedFile("logo.png", HOSTILE["html"])
    with pytest.raises(ValidationError), transaction.atomic():
        hub.save()  # no full_clean: the field itself still refuses to store it
    assert not Hub.objects.get(pk=hub.pk).logo


# --- Decompression bombs ------------------------------------------------------------------


def test_a_decompression_bomb_is_small_on_disk():
    assert len(_bomb()) < 200 * 1024


def test_the_bomb_gives_a_clear_error_on_every_image_field(client, hub, editor, curator, draft):
    client.force_login(editor)
    bomb = functools.partial(SimpleUploadedFile, "photo.png", _bomb(), "image/png")
    response = client.post(reverse("hubs:propose", args=[hub.slug]), {**PROFILE, "logo": bomb()})
    assert response.status_code == 200 and TOO_MANY_PIXELS.search(response.content.decode())
    response = post_evidence(client, draft, bomb())
    assert response.status_code == 200 and TOO_MANY_PIXELS.search(response.content.decode())
    client.force_login(curator)
    response = client.post(reverse("hubs:edit", args=[hub.slug]), {**PROFILE, "logo": bomb()})
    assert response.status_code == 200 and TOO_MANY_PIXELS.search(response.content.decode())
    for instance, field in (
        (Theme(month="2031-06", title="x"), "cover"),
        (Speaker(name="Ana", sector="public"), "photo"),
    ):
        setattr(instance, field, bomb())
        with pytest.raises(ValidationError) as error:
            instance.full_clean()
        assert TOO_MANY_PIXELS.search(" ".join(error.value.message_dict[field]))
    assert not HubProposal.objects.exists() and not Answer.objects.exists()


def test_the_bomb_is_refused_as_a_catalogue_attachment(client, revision, editor):
    client.force_login(editor)
    response = client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        {"file": SimpleUploadedFile("photo.png", _bomb(), "image/png")},
    )
    assert response.status_code == 200 and TOO_MANY_PIXELS.search(response.content.decode())
    assert not Attachment.objects.exists()


def test_an_image_between_the_portal_limit_and_pillows_own_says_its_size():
    upload = SimpleUploadedFile("wide.png", image_bytes(size=(6000, 5000), mode="1"))
    with pytest.raises(ValidationError, match="6000 × 5000 pixels"):
        check_upload(upload, "logo")


# --- What is accepted, and under which name ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "extension"),
    [
        ("Our Logo.png", image_bytes("PNG"), "png"),
        ("logo.jpeg", image_bytes("JPEG"), "jpg"),
        (
            "logo.png",
            image_bytes("JPEG"),
            "jpg",
        ),  # mislabelled images are fine: stored as what they are
        ("logo.webp", image_bytes("WEBP"), "webp"),
        ("logo.gif", image_bytes("GIF"), "gif"),
    ],
)
def test_logos_are_stored_under_a_random_name_with_the_detected_extension(
    client, hub, editor, name, content, extension
):
    client.force_login(editor)
    upload = SimpleUploadedFile(name, content, "image/png")
    client.post(reverse("hubs:propose", args=[hub.slug]), {**PROFILE, "logo": upload})
    proposal = HubProposal.objects.get()
    assert re.fullmatch(rf"hubs/proposals/{RANDOM}\.{extension}", proposal.logo.name)


def test_evidence_is_stored_under_a_random_name_and_linked_for_the_editors(client, draft, editor):
    client.force_login(editor)
    post_evidence(client, draft, SimpleUploadedFile("<b>report</b>.pdf", b"%PDF-1.4 report"))
    answer = Answer.objects.exclude(evidence_file="").get()
    assessment, _question, url = draft
    assert re.fullmatch(rf"hubs/evidence/{assessment.pk}/{RANDOM}\.pdf", answer.evidence_file.name)
    page = read(client, url).content.decode()
    assert answer.evidence_file.url in page and "/media/" not in page
    assert answer.evidence_file.url.startswith("/files/evidence/")


def test_attachments_keep_the_original_name_only_for_the_download(client, revision, editor):
    client.force_login(editor)
    client.post(
        reverse("catalogue:files", args=[revision.solution.slug]),
        {"file": SimpleUploadedFile("field photo.jpeg", image_bytes("JPEG"), "image/jpeg")},
    )
    attachment = Attachment.objects.get()
    assert re.fullmatch(rf"solutions/{revision.solution_id}/{RANDOM}\.jpg", attachment.file.name)
    response = read(
        client, reverse("catalogue:download", args=[revision.solution.slug, attachment.pk])
    )
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("attachment;")  # never inline here
    assert "field photo.jpeg" in response["Content-Disposition"]
    _assert_safe_headers(response)


def test_office_documents_are_accepted_as_evidence(client, draft, editor):
    client.force_login(editor)
    post_evidence(client, draft, SimpleUploadedFile("plan.docx", _docx()))
    assert Answer.objects.exclude(evidence_file="").get().evidence_file.name.endswith(".docx")


# --- Who gets a file back ----------------------------------------------------------------


@pytest.fixture
def evidence(client, draft, editor):
    client.force_login(editor)
    post_evidence(client, draft, SimpleUploadedFile("report.pdf", b"%PDF-1.4 our decree"))
    client.logout()
    return Answer.objects.exclude(evidence_file="").get()


def test_a_drafts_evidence_is_only_for_its_hubs_editors_and_the_curators(
    client, evidence, editor, curator, member
):
    url = evidence.evidence_file.url
    assert read(client, url).status_code == 404  # anonymous
    client.force_login(member)
    assert read(client, url).status_code == 404
    other_editor = UserFactory()
    HubFactory().editors.add(other_editor)
    client.force_login(other_editor)
    assert read(client, url).status_code == 404
    for user in (editor, curator):
        client.force_login(user)
        response = read(client, url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
        assert _assert_safe_headers(response) == b"%PDF-1.4 our decree"
        # Guessing: another name, another answer, another kind.
        assert read(client, url.rsplit("/", 1)[0] + "/report.pdf").status_code == 404
        assert (
            read(client, url.replace(f"/{evidence.pk}/", f"/{evidence.pk + 1}/")).status_code == 404
        )
        assert read(client, url.replace("/evidence/", "/nothing/")).status_code == 404


def test_a_published_assessments_evidence_follows_the_assessment(client, evidence, editor):
    Assessment.objects.filter(pk=evidence.assessment_id).update(
        status=Assessment.Status.SUBMITTED, is_published=True
    )
    response = read(client, evidence.evidence_file.url)
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
    Assessment.objects.filter(pk=evidence.assessment_id).update(is_published=False)
    assert read(client, evidence.evidence_file.url).status_code == 404


def test_a_proposed_logo_is_for_its_proposer_and_the_curators(client, hub, editor, curator):
    proposal = hub_services.hub_proposal_create(
        hub=hub, author=editor, data={}, logo=SimpleUploadedFile("l.png", image_bytes())
    )
    url = proposal.logo.url
    assert read(client, url).status_code == 404
    co_editor = UserFactory()
    hub.editors.add(co_editor)
    client.force_login(co_editor)
    assert read(client, url).status_code == 404
    for user in (editor, curator):
        client.force_login(user)
        response = read(client, url)
        assert response.status_code == 200 and response["Content-Type"] == "image/png"
        assert response["Content-Disposition"].startswith("inline")  # a raster image
        _assert_safe_headers(response)
    page = read(client, reverse("hubs:proposal", args=[proposal.pk])).content.decode()
    assert url in page


def test_a_hub_logo_is_public_only_once_the_hub_is(client, hub, editor, curator):
    hub_services.hub_update(
        hub=hub, curator=curator, data={}, logo=SimpleUploadedFile("l.png", image_bytes())
    )
    hub.refresh_from_db()
    url = hub.logo.url
    response = read(client, url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"]
    page = read(client, hub.get_absolute_url()).content.decode()
    assert url in page and "/media/" not in page
    Hub.objects.filter(pk=hub.pk).update(is_published=False)
    assert read(client, url).status_code == 404
    client.force_login(editor)
    response = read(client, url)
    assert response.status_code == 200 and "private" in response["Cache-Control"]


def test_speaker_photos_follow_their_webinars(client, db):
    speaker = SpeakerFactory(photo=SimpleUploadedFile("ana.webp", image_bytes("WEBP")))
    webinar = WebinarFactory(is_published=False, speakers=[speaker])
    url = speaker.photo.url
    assert read(client, url).status_code == 404
    webinar.is_published = True
    webinar.save(update_fields=["is_published"])
    response = read(client, url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    page = read(client, webinar.get_absolute_url()).content.decode()
    assert f'src="{url}"' in page  # the detail page now shows the photo


def test_theme_covers_are_served_and_shown(client, db):
    theme = ThemeFactory(cover=SimpleUploadedFile("cover.png", image_bytes()), cover_alt="Milk")
    response = read(client, theme.cover.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    page = read(client, theme.get_absolute_url()).content.decode()
    assert theme.cover.url in page and "/media/" not in page


# --- Files stored before the policy ------------------------------------------------------


def _legacy(field_file, name, content):
    """A file written the old way: its uploaded name kept, not checked by content."""
    field_file.storage.save(name, ContentFile(content))
    return name


def test_files_stored_under_their_old_names_are_still_served(client, hub, editor):
    name = _legacy(Hub().logo, "hubs/logos/foo.png", image_bytes())
    Hub.objects.filter(pk=hub.pk).update(logo=name)
    hub.refresh_from_db()
    assert hub.logo.url == f"/files/hub-logo/{hub.pk}/foo.png"
    response = read(client, hub.logo.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert _body(response) == image_bytes()


def test_old_files_that_are_not_what_their_field_allows_are_never_served(client, hub, editor):
    name = _legacy(Hub().logo, "hubs/logos/poc.png", HOSTILE["html"])
    Hub.objects.filter(pk=hub.pk).update(logo=name)
    hub.refresh_from_db()
    assert read(client, hub.logo.url).status_code == 404
    # Nor an old evidence file that was a page or script, even to the hub's own editors.
    assessment = assessment_services.assessment_start(hub=hub, user=editor)
    question = assessment.questionnaire.pillars.first().questions.first()
    answer = Answer.objects.create(
        assessment=assessment,
        question=question,
        evidence_file=_legacy(Answer().evidence_file, "hubs/evidence/1/poc.js", HOSTILE["html"]),
    )
    client.force_login(editor)
    assert read(client, answer.evidence_file.url).status_code == 404
    # Saving the answers again does not trip over the old file.
    assessment_services.assessment_answer(
        assessment=assessment, user=editor, answers={question.pk: {"level": 1}}
    )


# --- Production settings; MEDIA_URL is never served ---------------------------------------


@override_settings(DEBUG=False)
def test_files_are_served_with_debug_off(client, hub, editor, curator, revision):
    hub_services.hub_update(
        hub=hub, curator=curator, data={}, logo=SimpleUploadedFile("l.png", image_bytes())
    )
    hub.refresh_from_db()
    response = read(client, hub.logo.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    speaker = SpeakerFactory(photo=SimpleUploadedFile("ana.jpg", image_bytes("JPEG")))
    WebinarFactory(is_published=True, speakers=[speaker])
    response = read(client, speaker.photo.url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    catalogue_services.attachment_add(
        revision=revision, user=editor, file=SimpleUploadedFile("r.pdf", b"%PDF-1.7 results")
    )
    attachment = Attachment.objects.get()
    client.force_login(editor)
    response = read(
        client, reverse("catalogue:download", args=[revision.solution.slug, attachment.pk])
    )
    assert response.status_code == 200 and _body(response) == b"%PDF-1.7 results"
    assert response["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("debug", [True, False])
def test_media_url_is_never_served(client, hub, settings, debug):
    name = _legacy(Hub().logo, "hubs/logos/raw.png", image_bytes())
    Hub.objects.filter(pk=hub.pk).update(logo=name)
    import config.urls

    settings.DEBUG = debug
    try:
        importlib.reload(config.urls)  # the URLconf as it would be built with this DEBUG
        clear_url_caches()
        with pytest.raises(Resolver404):
            resolve(f"{settings.MEDIA_URL}{name}")
        assert read(client, f"{settings.MEDIA_URL}{name}").status_code == 404
    finally:
        settings.DEBUG = False
        importlib.reload(config.urls)
        clear_url_caches()


def test_every_file_field_follows_a_policy_and_has_a_served_kind():
    from django.apps import apps
    from django.db.models import FileField

    from core.files import _BY_FIELD
    from core.uploads import POLICIES, UserFileField

    fields = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, FileField)
    ]
    assert len(fields) == 6  # logo, proposed logo, evidence, cover, speaker photo, attachment
    for model, field in fields:
        assert isinstance(field, UserFileField), f"{model.__name__}.{field.name}"
        assert field.policy in POLICIES
        assert (model._meta.label_lower, field.name) in _BY_FIELD


def test_compressed_looking_content_is_not_mistaken_for_markup():
    """Deflated streams look random: the markers must be too long to turn up by chance."""
    import random

    noise = random.Random(16).randbytes(9 * 1024 * 1024)
    assert check_upload(SimpleUploadedFile("report.pdf", b"%PDF-1.7\n" + noise), "attachment")
    padded = b"%PDF-1.7\n" + noise[:4096] + b"<script>alert(1)</script>" + noise[4096:8192]
    with pytest.raises(ValidationError, match="web page or script code"):
        check_upload(SimpleUploadedFile("report.pdf", padded), "attachment")
