"""Apply each viewer's language and time zone to the request."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

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


class RejectNullCharactersMiddleware:
    """Refuse, with a 400, any request whose parameters contain a NUL character.

    PostgreSQL cannot store or even compare text containing NUL, so such input can only
    be an attack or a broken client; stopping it here keeps every form, filter and API
    field from failing with a server error. Checked: the query string, form fields (not
    uploaded files) and JSON bodies.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            message = _("Null characters are not allowed.")
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in unquote(request.META.get("QUERY_STRING", "")):
            return True
        content_type = request.content_type or ""
        if content_type == "application/json":
            body = request.body
            return b"\\u0000" in body or b"\x00" in body
        if request.method == "POST" and content_type in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            return any("\x00" in value for values in request.POST.lists() for value in values[1])
        return False
