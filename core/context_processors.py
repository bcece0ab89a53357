from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Main sections, in order. A section appears once its app provides the URL.
NAVIGATION = [
    ("hubs:directory", _("Hubs")),
    ("catalogue:search", _("Solutions")),
    ("requests:list", _("Requests")),
    ("exchanges:dashboard", _("Exchanges")),
    ("community:index", _("Community")),
    ("webinars:list", _("Webinars")),
]


def _navigation(request):
    items = []
    for name, label in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return items


def portal(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "CURRENT_TIME_ZONE": timezone.get_current_timezone_name(),
        "NAVIGATION": _navigation(request),
    }
