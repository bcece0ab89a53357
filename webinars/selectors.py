"""Reads other apps may use (the home page's "Next webinars", a theme or chapter page)."""

from __future__ import annotations

from django.utils import timezone

from .models import Webinar


def next_webinars(*, viewer=None, limit: int = 3) -> list[Webinar]:
    """The next published webinars, soonest first, with their card data."""
    return list(
        Webinar.objects.listed().upcoming(now=timezone.now()).with_card_data(viewer=viewer)[:limit]
    )
