"""Request-wide behaviour: each viewer's language and time zone, unreadable requests, NUL
characters, the answer while the database cannot be reached, and who may keep a page."""

from __future__ import annotations

import logging
import sys
import zoneinfo
from functools import lru_cache
from urllib.parse import unquote

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.exceptions import (
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest, JsonResponse, QueryDict, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty
from django.utils.log import log_response
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
        # Unknown on a first visit: pages then show times in the host's zone and UTC, and
        # static/js/portal.js adds the browser's own (webinars/partials/_times.html).
        request.time_zone_known = zone is not None
        if zone:
            timezone.activate(zoneinfo.ZoneInfo(zone))
        else:
            timezone.deactivate()
        return self.get_response(request)


# What a request that cannot be read raises: too many fields or files, a body over the
# size limit (SuspiciousOperation subclasses), a broken multipart body, a bad Content-Type.
PARSING_ERRORS = (SuspiciousOperation, BadRequest, MultiPartParserError, UnreadablePostError)


class RequestParsingErrorsMiddleware:
    """Answer a request that cannot be parsed with a 400 (JSON under /api/), DEBUG or not.

    Django turns these errors into a 400, but with DEBUG on its technical page reads the
    query string again and fails with a 500; and a broken multipart body is a 500 anyway.
    So the query string is parsed here, before anything else reads it, and the errors
    raised later while reading the body (in a middleware below or in a view) come back
    here. Logged as Django does, on the django.security.<error> logger.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.GET  # noqa: B018 -- parse the query string now
        except PARSING_ERRORS as error:
            request.GET = QueryDict()
            return self.refuse(request, error)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PARSING_ERRORS):
            return self.refuse(request, exception)
        return None

    @staticmethod
    def refuse(request, error):
        from .views import bad_request

        if isinstance(error, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
            request._mark_post_parse_error()  # as Django does: the body cannot be read again
        response = bad_request(request, error)
        log_response(
            "%s: %s",
            str(error),
            request.path,
            response=response,
            request=request,
            exception=error,
            level="warning",
            logger=logging.getLogger(f"django.security.{error.__class__.__name__}"),
        )
        return response


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
        try:
            has_nul = self._has_nul(request)
        except PARSING_ERRORS as error:
            return RequestParsingErrorsMiddleware.refuse(request, error)
        if has_nul:
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


# What the database layer raises when PostgreSQL cannot be reached or a connection broke:
# the pool's timeout, a refused or lost connection, one already closed.
DATABASE_ERRORS = (OperationalError, InterfaceError)

database_logger = logging.getLogger("core.database")


class DatabaseUnavailableMiddleware:
    """While PostgreSQL cannot be reached, every request answers 503 at once, in the visitor's
    language (core.views.service_unavailable), JSON under /api/, never a 500.

    The error can come from the view or from the template it returned (TemplateResponse):
    those reach process_exception. Or from a middleware below this one, reading the session
    or the user (UserPreferencesMiddleware is the first to), or saving the session on the
    way out: Django turns those into a 500 before this middleware sees the response, so
    the got_request_exception signal marks the request first and the 500 is replaced here.
    How long any of this waits for the database is the backend's business
    (core/postgresql/base.py): seconds for the first request, then almost nothing.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_note_database_error, dispatch_uid=__name__)

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, "_database_error", None)
        if error is not None and response.status_code >= 500:
            return self.unavailable(request, error)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return self.unavailable(request, exception)
        return None

    @staticmethod
    def unavailable(request, error):
        from .views import service_unavailable

        database_logger.warning(
            "Database error, answered 503: %s %s: %s: %s",
            request.method,
            request.path,
            error.__class__.__name__,
            str(error).strip().splitlines()[0] if str(error).strip() else "",
        )
        return service_unavailable(request)


def _note_database_error(sender, request=None, **kwargs):
    """Mark a request whose error Django is about to answer with a 500 (see above)."""
    error = sys.exc_info()[1]
    if request is None or not isinstance(error, DATABASE_ERRORS):
        return
    request._database_error = error
    # The 500 page rendered next (with DEBUG, the technical page, which shows the user)
    # must not go back to the database for a user not looked up yet.
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        from django.contrib.auth.models import AnonymousUser

        request.user = AnonymousUser()


# Seconds a browser or a shared cache (reverse proxy, CDN) may keep an anonymous page.
SHARED_MAX_AGE = 60


class CachePolicyMiddleware:
    """Anonymous pages may be kept a minute by browsers and shared caches; others are private.

    A page is shared only when nothing in it depends on who asked: a GET or HEAD answered
    200 to a visitor who is not signed in (no session user, no Authorization header), that
    used no CSRF token, showed no message, set no cookie and changed no session.
    Such a page varies by language and by cookies (language and time-zone choices). Every
    other answer is ``private``. An answer that sets its own Cache-Control keeps it. ETags
    (ConditionalGetMiddleware) then let a browser or proxy revalidate either kind cheaply.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control") or request.method not in ("GET", "HEAD"):
            return response
        if self._shared(request, response):
            patch_cache_control(response, public=True, max_age=SHARED_MAX_AGE)
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        else:
            patch_cache_control(response, private=True)
        return response

    @staticmethod
    def _shared(request, response) -> bool:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        return (
            response.status_code == 200
            and not response.cookies
            and "HTTP_AUTHORIZATION" not in request.META
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (session is not None and session.modified)
            and not (user is not None and user.is_authenticated)
            # Messages shown in this page (the base template lists them only when any).
            and not getattr(get_messages(request), "used", False)
        )
