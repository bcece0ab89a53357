"""One upload policy for every file field: checked by content and size, never by name.

Each field names a policy (``logo``, ``cover``, ``speaker_photo``, ``attachment``,
``evidence``). A file is accepted only when the type read from its first bytes (and, for
images, by Pillow actually decoding it) is in that policy's allowlist, it carries no web
page or script code, and it is within the size and pixel limits. It is stored under a random
name with the extension of the detected type: the member's file name never reaches the disk
or a URL. Files are served by ``core.files.serve`` only, never from ``MEDIA_URL``.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import uuid
import warnings
import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.deconstruct import deconstructible
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class FileType:
    key: str
    content_type: str
    extension: str  # the one the stored name gets
    extensions: frozenset[str]  # the ones a member's file name may have for it
    image: bool = False


def _type(key, content_type, *extensions, image=False) -> FileType:
    return FileType(key, content_type, extensions[0], frozenset(extensions), image)


TYPES = {
    t.key: t
    for t in (
        _type("png", "image/png", "png", image=True),
        _type("jpeg", "image/jpeg", "jpg", "jpeg", image=True),
        _type("gif", "image/gif", "gif", image=True),
        _type("webp", "image/webp", "webp", image=True),
        _type("pdf", "application/pdf", "pdf"),
        _type(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        _type("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        _type(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "pptx",
        ),
        _type("odt", "application/vnd.oasis.opendocument.text", "odt"),
        _type("ods", "application/vnd.oasis.opendocument.spreadsheet", "ods"),
        _type("odp", "application/vnd.oasis.opendocument.presentation", "odp"),
        _type("doc", "application/msword", "doc"),
        _type("xls", "application/vnd.ms-excel", "xls"),
        _type("ppt", "application/vnd.ms-powerpoint", "ppt"),
    )
}
IMAGES = ("png", "jpeg", "webp", "gif")
DOCUMENTS = ("pdf", *IMAGES, "docx", "xlsx", "pptx", "odt", "ods", "odp", "doc", "xls", "ppt")
IMAGE_EXTENSIONS = frozenset().union(*(TYPES[key].extensions for key in IMAGES))
IMAGE_FORMATS = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp", "GIF": "gif"}  # Pillow's names

IMAGE_MESSAGE = _("Upload a valid image (PNG, JPEG, WebP or GIF); this file is not one.")
DOCUMENT_MESSAGE = _(
    "Attach a PDF, an image (PNG, JPEG, GIF, WebP) or an office document; this file is not one."
)


@dataclass(frozen=True)
class UploadPolicy:
    name: str
    types: tuple[str, ...]
    max_bytes: int
    message: str
    max_pixels: int = 24_000_000  # 6000 × 4000: a photo, never a decompression bomb


POLICIES = {
    policy.name: policy
    for policy in (
        UploadPolicy("logo", IMAGES, 1024 * 1024, IMAGE_MESSAGE),
        UploadPolicy("cover", IMAGES, 2 * 1024 * 1024, IMAGE_MESSAGE),
        UploadPolicy("speaker_photo", IMAGES, 1024 * 1024, IMAGE_MESSAGE),
        UploadPolicy("attachment", DOCUMENTS, 10 * 1024 * 1024, DOCUMENT_MESSAGE),
        UploadPolicy("evidence", DOCUMENTS, 5 * 1024 * 1024, DOCUMENT_MESSAGE),
    )
}
DOCUMENT_MAX_BYTES = POLICIES["attachment"].max_bytes


# --- Detection -------------------------------------------------------------------------

OLE_STREAMS = (  # the stream that names a legacy Office file, as UTF-16 in its directory
    ("doc", "WordDocument".encode("utf-16-le")),
    ("xls", "Workbook".encode("utf-16-le")),
    ("xls", "Book".encode("utf-16-le")),
    ("ppt", "PowerPoint Document".encode("utf-16-le")),
)
ODF_TYPES = {f"application/vnd.oasis.opendocument.{n}": k for k, n in (
    ("odt", "text"), ("ods", "spreadsheet"), ("odp", "presentation")
)}  # fmt: skip
OOXML_PARTS = (("docx", "word/"), ("xlsx", "xl/"), ("pptx", "ppt/"))
# Web page or script code. Anywhere in the file: markers long enough never to turn up by
# chance in compressed data (a 10 MB random file matches none of them).
MARKUP = re.compile(
    rb"<script|<iframe|<object|<embed|<!doctype|<\?xml-stylesheet|<html[\s>]"
    rb"|javascript:|/javascript|http://www\.w3\.org/2000/svg|http://www\.w3\.org/1999/xhtml",
    re.IGNORECASE,
)
# A PDF may spell any character of a name as #xx (/Java#53cript is /JavaScript).
PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
# In the first bytes, where a browser sniffs for a page: the WHATWG sniffing tags, and SVG.
SNIFF_WINDOW = 1024
MARKUP_START = re.compile(
    rb"<(?:html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|svg|img|meta"
    rb"|link|object|embed)[\s>/]|<!--",
    re.IGNORECASE,
)
CHUNK = 64 * 1024


def _rewound(file):
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    return position


def sniff(file) -> str | None:
    """The type of a file by its first bytes (and its archive directory), or None.

    Cheap enough to run when a file is served; ``check_upload`` does the full check.
    """
    position = _rewound(file)
    try:
        head = file.read(16)
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
            file.seek(0)
            data = file.read(DOCUMENT_MAX_BYTES + 1)
            return next((key for key, stream in OLE_STREAMS if stream in data), None)
        if head.startswith(b"PK\x03\x04"):
            file.seek(0)
            return _sniff_archive(file)
        return None
    finally:
        file.seek(position)


def _sniff_archive(file) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = archive.namelist()
            if any(name.lower().endswith(("vbaproject.bin", ".exe", ".js")) for name in names):
                return None  # macros or programs inside
            if "[Content_Types].xml" in names:
                return next(
                    (k for k, part in OOXML_PARTS if any(n.startswith(part) for n in names)),
                    None,
                )
            if "mimetype" in names:
                info = archive.getinfo("mimetype")
                if info.file_size > 100:
                    return None
                return ODF_TYPES.get(archive.read("mimetype").decode("ascii", "replace").strip())
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError):
        return None
    return None


def contains_markup(file) -> bool:
    """Whether any part of the file reads as HTML, SVG or script (a polyglot)."""
    position = _rewound(file)
    tail = b""
    try:
        if MARKUP_START.search(file.read(SNIFF_WINDOW)):
            return True
        file.seek(0)
        while chunk := file.read(CHUNK):
            window = tail + chunk
            if MARKUP.search(window):
                return True
            if b"#" in window and MARKUP.search(_unescape_names(window)):
                return True
            tail = chunk[-96:]  # a marker spelt with #xx escapes is up to three times longer
        return False
    finally:
        file.seek(position)


def _unescape_names(data: bytes) -> bytes:
    return PDF_NAME_ESCAPE.sub(lambda match: bytes([int(match[1], 16)]), data)


def _check_image(file, file_type: FileType, policy: UploadPolicy) -> None:
    """Decode the image for real, refusing decompression bombs before they are decoded."""
    from PIL import Image, UnidentifiedImageError

    broken = ValidationError(
        _("The image could not be read; it may be damaged. Save it again as PNG or JPEG."),
        code="invalid_image",
    )
    position = _rewound(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                width, height = image.size
                if width * height > policy.max_pixels:
                    raise _too_many_pixels(width, height, policy)
                if IMAGE_FORMATS.get(image.format) != file_type.key:
                    raise broken
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None, None, policy) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise broken from None
    finally:
        file.seek(position)


def _too_many_pixels(width, height, policy: UploadPolicy) -> ValidationError:
    limit = policy.max_pixels // 1_000_000
    if width is None:
        return ValidationError(
            _("The image has too many pixels. The limit is %(limit)d megapixels."),
            code="image_too_large",
            params={"limit": limit},
        )
    return ValidationError(
        _(
            "The image is %(width)d × %(height)d pixels, too many. "
            "The limit is %(limit)d megapixels."
        ),
        code="image_too_large",
        params={"width": width, "height": height, "limit": limit},
    )


def check_upload(file, policy: UploadPolicy | str) -> FileType:
    """The detected type of an upload that the policy accepts; ValidationError otherwise."""
    if isinstance(policy, str):
        policy = POLICIES[policy]
    checked = getattr(file, "_upload_checked", None)
    if checked and checked[0] == policy.name:
        return checked[1]  # the form checked it already; the save need not decode it again
    MaxFileSize(policy.max_bytes)(file)
    refused = ValidationError(policy.message, code="bad_type")
    key = sniff(file)
    if key not in policy.types:
        raise refused
    file_type = TYPES[key]
    name = posixpath.basename(getattr(file, "name", "") or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    # A member's file name may say .jpg for a PNG; never .pdf or .html for one.
    mislabelled = extension and extension not in file_type.extensions
    if mislabelled and not (file_type.image and extension in IMAGE_EXTENSIONS):
        raise refused
    if contains_markup(file):
        raise ValidationError(
            _("This file contains web page or script code and cannot be accepted."),
            code="markup",
        )
    if file_type.image:
        _check_image(file, file_type, policy)
    with contextlib.suppress(AttributeError):
        file._upload_checked = (policy.name, file_type)
    return file_type


def stored_name(file_type: FileType) -> str:
    return f"{uuid.uuid4().hex}.{file_type.extension}"


def download_name(original: str, file_type: FileType | None) -> str:
    """The member's file name, with the extension of what the file really is."""
    if file_type is None:
        return original
    stem, dot, extension = original.rpartition(".")
    if dot and extension.lower() in file_type.extensions:
        return original
    return f"{stem or original}.{file_type.extension}"


# --- Validators and the model field ------------------------------------------------------


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


def _is_stored(file) -> bool:
    """A file already in storage (checked when it was uploaded), not a new upload."""
    return isinstance(file, FieldFile) and getattr(file, "_committed", False)


@deconstructible
class UploadValidator:
    """The policy as a field validator, for forms, serializers and the admin alike."""

    def __init__(self, policy: str):
        self.policy = policy

    def __call__(self, file) -> None:
        if file and not _is_stored(file):
            check_upload(file, self.policy)

    def __eq__(self, other):
        return isinstance(other, UploadValidator) and other.policy == self.policy


class UserFieldFile(FieldFile):
    def save(self, name, content, save=True):
        # Whoever saves (a form, a service, the admin, a loader), nothing the policy refuses
        # is stored, and always under a random name with the detected extension.
        file_type = check_upload(content, self.field.policy)
        super().save(stored_name(file_type), content, save)

    @property
    def url(self) -> str:
        self._require_file()
        from core.files import file_url

        return file_url(self.instance, self.field.name)


class UserFileField(models.FileField):
    """A member's file: checked by its policy, stored under a random name, served by a view."""

    attr_class = UserFieldFile

    def __init__(self, *args, policy: str, **kwargs):
        self.policy = policy
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["policy"] = self.policy
        return name, path, args, kwargs

    @cached_property
    def validators(self):
        return [*super().validators, UploadValidator(self.policy)]

    def formfield(self, **kwargs):
        # The member's file name is not kept on disk, so its length does not matter.
        return super().formfield(**{"max_length": None, **kwargs})


# --- Older entry points ------------------------------------------------------------------


def validate_image_content(file) -> None:
    """Any image policy's check (kept for migrations that name it)."""
    if file and not _is_stored(file):
        check_upload(file, "cover")


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
    """An attachment's check by name and content; returns the content type to serve it with."""
    validate_file_name(getattr(file, "name", "") or "")
    return check_upload(file, "attachment").content_type
