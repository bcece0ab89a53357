from django.http import JsonResponse
from django.shortcuts import render
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
    return JsonResponse(status, status=503 if status["status"] == "error" else 200)


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
