"""Attachments: checked by content, size and name; served only as downloads; only when visible."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue import services
from catalogue.models import Attachment
from core.uploads import validate_document

from .factories import UserFactory


@pytest.fixture
def revision_draft(revision, editor):
    """A draft solution revision (tests/conftest.py's ``revision``) and its hub's editor."""
    return revision, editor


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "this file is not one"),
        (
            "report.pdf",
            b"\x89PNG\r\n\x1a\n" + b"0" * 20,
            "this file is not one",
        ),  # a PNG named .pdf
        ("notes.html", b"<!doctype html><p>hi", "this file is not one"),
        ("archive.docx", b"PK\x03\x04not really a zip", "this file is not one"),
        ("big.pdf", b"%PDF-1.4" + b"0" * (10 * 1024 * 1024), "too large"),
        ("../../etc/passwd.pdf", b"%PDF-1.4 x", "path"),
        (".hidden.pdf", b"%PDF-1.4 x", "path"),
    ],
)
def test_hostile_files_are_refused(revision_draft, name, content, message):
    revision, editor = revision_draft
    upload = ContentFile(content, name=name)  # unlike an upload, keeps any path in its name
    with pytest.raises(ValidationError, match=message):
        services.attachment_add(revision=revision, user=editor, file=upload)
    assert not Attachment.objects.exists()


def test_hostile_upload_through_the_form_gets_a_clear_message(client, revision_draft):
    revision, editor = revision_draft
    client.force_login(editor)
    url = reverse("catalogue:files", args=[revision.solution.slug])
    response = client.post(
        url,
        {"file": SimpleUploadedFile("report.pdf", b"<script>alert(1)</script>", "application/pdf")},
    )
    assert response.status_code == 200
    assert "this file is not one" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "served_as"),
    [
        ("report.pdf", b"%PDF-1.7 real enough", "application/pdf"),
        (
            "plan.docx",
            _docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_good_files_are_kept_and_downloaded_never_inline(
    client, revision_draft, name, content, served_as
):
    revision, editor = revision_draft
    services.attachment_add(
        revision=revision,
        user=editor,
        file=SimpleUploadedFile(name, content),
        title="Annual report",
    )
    attachment = Attachment.objects.get()
    assert attachment.content_type == served_as and attachment.original_name == name
    assert name not in attachment.file.name  # stored under a random name
    url = reverse("catalogue:download", args=[revision.solution.slug, attachment.pk])
    assert client.get(url).status_code == 404  # a draft's files are not public
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == served_as
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


def test_only_editors_add_files(revision_draft):
    revision, _editor = revision_draft
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.attachment_add(
            revision=revision, user=UserFactory(), file=SimpleUploadedFile("a.pdf", b"%PDF-1.4")
        )


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), "teal").save(buffer, "JPEG")
    return buffer.getvalue()


def test_validate_document_reads_content_not_names():
    assert validate_document(SimpleUploadedFile("photo.jpg", _jpeg())) == "image/jpeg"
    with pytest.raises(ValidationError, match="this file is not one"):
        validate_document(SimpleUploadedFile("photo.pdf", _jpeg()))  # a JPEG said to be a PDF
    with pytest.raises(ValidationError, match="could not be read"):
        validate_document(SimpleUploadedFile("photo.jpg", b"\xff\xd8\xff\xe0" + b"0" * 10))
