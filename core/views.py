from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import health


@require_safe
def home(request):
    from catalogue.selectors import featured_solutions
    from community import selectors as community
    from webinars.selectors import next_webinars

    return render(
        request,
        "core/home.html",
        {
            "theme": community.current_theme(),
            "solutions": featured_solutions(limit=3),
            "webinars": next_webinars(viewer=request.user, limit=3),
            "discussions": community.latest_discussions(request.user),
        },
    )


@never_cache
@require_safe
def healthz(request):
    status = {
        "web": "ok",
        "database": health.database_status(),
        "broker": health.broker_status(),
    }
    status["worker"] = health.worker_status()
    status["beat"] = health.beat_status()
    # Without the database nothing works: 503. Without Redis, a worker or beat the portal
    # still serves (rate limits off, mail and reminders wait): 200, "degraded". A worker or
    # beat never seen ("unknown", e.g. none started yet) does not count against it.
    if status["database"] != "ok":
        status["status"] = "error"
    elif status["broker"] != "ok" or "down" in (status["worker"], status["beat"]):
        status["status"] = "degraded"
    else:
        status["status"] = "ok"
    if status["status"] == "error":
        response = JsonResponse(status, status=503)
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
        return response
    return JsonResponse(status)


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def _error(request, status: int, template: str, detail: str):
    if _wants_json(request):
        return JsonResponse({"detail": detail}, status=status)
    return render(request, template, {"detail": detail}, status=status)


def bad_request(request, exception=None):
    """Also answers the request-parsing errors (core.middleware.RequestParsingErrorsMiddleware).

    Rendered without the request context, which may be what could not be read.
    """
    if _wants_json(request):
        return JsonResponse({"detail": _("The request could not be read.")}, status=400)
    from django.http import HttpResponseBadRequest
    from django.template import loader

    return HttpResponseBadRequest(loader.get_template("400.html").render())


def permission_denied(request, exception=None):
    message = (
        str(exception) if exception and str(exception) else _("You are not allowed to do that.")
    )
    return _error(request, 403, "403.html", message)


def page_not_found(request, exception=None):
    return _error(request, 404, "404.html", _("Not found."))


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any path under /api/ that names nothing, whatever the method."""
    return JsonResponse({"detail": _("Not found.")}, status=404)


def server_error(request):
    if _wants_json(request):
        return JsonResponse({"detail": _("Server error.")}, status=500)
    # Render without the request context: the failure may be in a context processor.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render())


# Seconds a client is asked to wait (Retry-After) while the database cannot be reached.
UNAVAILABLE_RETRY_AFTER = 5


def service_unavailable(request):
    """503 while PostgreSQL cannot be reached (core.middleware.DatabaseUnavailableMiddleware).

    Nothing here may touch the database: the language comes from the language cookie or
    Accept-Language (not a member's saved choice, which is in the database), the template
    extends nothing and gets no context processors, and request.user is never read.
    """
    language = translation.get_language_from_request(request)
    with translation.override(language):
        detail = _("The portal is briefly unavailable. Please try again in a moment.")
        if _wants_json(request) or request.path == "/healthz":
            response = JsonResponse({"detail": detail}, status=503)
        else:
            html = loader.get_template("503.html").render(
                {"LANGUAGE_CODE": language, "detail": detail, "path": request.path}
            )
            response = HttpResponse(html, status=503)
    response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
    response["Content-Language"] = language
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    add_never_cache_headers(response)
    return response
