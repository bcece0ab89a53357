"""Apply each viewer's language and time zone to the request."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.utils import timezone, translation

TIMEZONE_COOKIE = "portal_tz"


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_time_zone(name: str | None) -> str | None:
    return name if name and name in _known_zones() else None


class UserPreferencesMiddleware:
    """A member's saved time zone and language win; otherwise the browser's.

    The browser's time zone arrives in a cookie set by static/js/portal.js; the
    browser's language through Accept-Language (LocaleMiddleware). An explicit
    choice in the language switcher (the language cookie) always wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        zone = None
        if user.is_authenticated:
            zone = valid_time_zone(user.time_zone)
            if user.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.language)
                request.LANGUAGE_CODE = translation.get_language()
        zone = zone or valid_time_zone(unquote(request.COOKIES.get(TIMEZONE_COOKIE, "")))
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        return self.get_response(request)
