"""The versioned JSON API: ``/api/v1/…``, its OpenAPI 3 schema and browsable docs."""

from django.urls import include, path, re_path
from django.views.decorators.cache import cache_page
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from catalogue import api as catalogue_api
from community import api as community_api
from core import views as core_views
from core.docs import DocsView
from exchanges import api as exchanges_api
from hubs import api as hubs_api
from webinars import api as webinars_api

# No `.json` suffix routes: the API speaks JSON only, and DRF's extra actions do not take
# the suffix's `format` argument.
router = DefaultRouter()
router.include_format_suffixes = False
router.register("hubs", hubs_api.HubViewSet, basename="hub")
router.register("assessments", hubs_api.AssessmentViewSet, basename="assessment")
router.register("solutions", catalogue_api.SolutionViewSet, basename="solution")
router.register("webinars", webinars_api.WebinarViewSet, basename="webinar")
router.register("themes", community_api.ThemeViewSet, basename="theme")
router.register("chapters", community_api.ChapterViewSet, basename="chapter")
router.register("forums", community_api.ForumViewSet, basename="forum")
router.register("threads", community_api.ThreadViewSet, basename="thread")
router.register("requests", exchanges_api.RequestViewSet, basename="request")
router.register("exchanges", exchanges_api.ExchangeViewSet, basename="exchange")

v1 = [
    path("me/", accounts_api.MeView.as_view(), name="api-me"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    # The schema only changes with a deployment: keep it (per language) in the process.
    path(
        "schema/",
        cache_page(24 * 3600, cache="process")(SpectacularAPIView.as_view()),
        name="api-schema",
    ),
    path("docs/", DocsView.as_view(url_name="api-schema"), name="api-docs"),
    # Anything else under /api/ is a JSON 404, with DEBUG on too (not Django's HTML page),
    # and without APPEND_SLASH's redirect (or its error for a POST).
    re_path(r"", core_views.api_not_found, name="api-not-found"),
]
