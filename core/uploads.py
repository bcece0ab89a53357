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
