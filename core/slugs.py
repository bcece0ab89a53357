"""Addresses made from titles: one rule for every model with a unique slug."""

from __future__ import annotations

from django.utils.text import slugify

SUFFIX_ROOM = 8  # "-" and up to seven digits


def unique_slug(model, text: str, *, fallback: str, field: str = "slug") -> str:
    """``text`` as a slug not yet taken in ``model``: "title", then "title-2", "title-3"…

    The base is cut to fit the field with room for the number; a text with nothing
    slug-worthy in it (only punctuation, or a script slugify drops) gets ``fallback``.
    One query, whatever the number of earlier namesakes.
    """
    max_length = model._meta.get_field(field).max_length
    base = slugify(text or "")[: max_length - SUFFIX_ROOM].strip("-") or fallback
    taken = set(
        model.objects.filter(**{f"{field}__startswith": base}).values_list(field, flat=True)
    )
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug
