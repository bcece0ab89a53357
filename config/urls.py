from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from catalogue.feeds import NewlyVettedSolutions
from community.feeds import BlogFeed
from core import files as core_files
from core import views as core_views
from webinars.feeds import UpcomingWebinarsFeed

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    # Members' files, only through a permission check (MEDIA_URL is never served).
    path("files/<slug:kind>/<int:pk>/<str:name>", core_files.serve, name="user-file"),
    path("hubs/", include("hubs.urls")),
    path("solutions/", include("catalogue.urls")),
    path("requests/", include("exchanges.request_urls")),
    path("exchanges/", include("exchanges.urls")),
    path("community/", include("community.urls")),
    path("feeds/blog/", BlogFeed(), name="feed-blog"),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("feeds/solutions/", NewlyVettedSolutions(), name="feed-solutions"),
    # Without a CSRF token, so that pages carrying the language switcher can be kept by
    # shared caches; a forged request can only change the visitor's display language.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("notifications/", include("notifications.urls")),
    path("api/", include("config.api_urls")),
    path("webinars/", include("webinars.urls")),
    path("feeds/webinars/", UpcomingWebinarsFeed(), name="feed-webinars"),
]

handler400 = "core.views.bad_request"
handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler500 = "core.views.server_error"
