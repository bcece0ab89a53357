"""Checks for uploaded files: by content and size, never by name alone."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

IMAGE_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}


@deconstructible
class MaxFileSize:
    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, file) -> None:
        if file and file.size > self.limit:
            raise ValidationError(
                _("The file is too large (%(size)s). The limit is %(limit)s."),
                code="file_too_large",
                params={"size": filesizeformat(file.size), "limit": filesizeformat(self.limit)},
            )

    def __eq__(self, other):
        return isinstance(other, MaxFileSize) and other.limit == self.limit


def validate_image_content(file) -> None:
    """Open the file with Pillow and accept only raster formats we serve safely (no SVG)."""
    from PIL import Image, UnidentifiedImageError

    if not file:
        return
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            image_format = image.format
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("Upload a valid image (PNG, JPEG, WebP or GIF)."), code="invalid_image"
        ) from None
    finally:
        file.seek(position)
    if image_format not in IMAGE_FORMATS:
        raise ValidationError(
            _("Upload a valid image (PNG, JPEG, WebP or GIF)."), code="invalid_image"
        )


# --- Documents (attachments, evidence) -------------------------------------------------

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Detected type → (content type served, extensions accepted for it)
DOCUMENT_TYPES = {
    "pdf": ("application/pdf", {"pdf"}),
    "png": ("image/png", {"png"}),
    "jpeg": ("image/jpeg", {"jpg", "jpeg"}),
    "gif": ("image/gif", {"gif"}),
    "webp": ("image/webp", {"webp"}),
    "ooxml": ("application/octet-stream", {"docx", "xlsx", "pptx"}),
    "ole": ("application/octet-stream", {"doc", "xls", "ppt"}),
    "odf": ("application/octet-stream", {"odt", "ods", "odp"}),
}
OOXML_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def detect_document(file) -> str | None:
    """The kind of document by its first bytes (never by its name), or None."""
    import zipfile

    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            return "pdf"
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return "png"
        if head.startswith(b"\xff\xd8\xff"):
            return "jpeg"
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return "gif"
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return "webp"
        if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
            return "ole"
        if head.startswith(b"PK\x03\x04"):
            try:
                with zipfile.ZipFile(file) as archive:
                    names = set(archive.namelist())
            except zipfile.BadZipFile:
                return None
            if "[Content_Types].xml" in names:
                return "ooxml"
            if "mimetype" in names:
                return "odf"
        return None
    finally:
        file.seek(position)


def validate_file_name(name: str) -> None:
    if (
        not name
        or "/" in name
        or "\\" in name
        or name.startswith(".")
        or any(ord(c) < 32 for c in name)
    ):
        raise ValidationError(
            _("The file name may not contain a path or hidden parts."), code="bad_name"
        )
    if len(name) > 150:
        raise ValidationError(
            _("The file name is too long (150 characters at most)."), code="bad_name"
        )


def validate_document(file) -> str:
    """Accept PDF, images and office documents, checked by content and matching extension.

    Returns the content type to serve it with. HTML, scripts and anything unrecognised are
    refused, whatever their name says.
    """
    validate_file_name(getattr(file, "name", "") or "")
    MaxFileSize(DOCUMENT_MAX_BYTES)(file)
    kind = detect_document(file)
    extension = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else ""
    if kind is None or extension not in DOCUMENT_TYPES[kind][1]:
        raise ValidationError(
            _(
                "Attach a PDF, an image (PNG, JPEG, GIF, WebP) or an office document; this file is not one."
            ),
            code="bad_type",
        )
    return OOXML_TYPES.get(extension) or DOCUMENT_TYPES[kind][0]
