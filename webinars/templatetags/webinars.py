from django import template

from ..timezones import dual_times

register = template.Library()


@register.inclusion_tag("webinars/partials/_times.html", takes_context=True)
def webinar_times(context, webinar, compact=False):
    """The webinar's time in the viewer's zone and the host's, both labelled.

    When the viewer's zone is not known yet (a first visit, no profile zone), the host's
    time and UTC, for the browser to add its own zone to (static/js/portal.js).
    """
    request = context.get("request")
    return {
        "times": dual_times(webinar),
        "webinar": webinar,
        "compact": compact,
        "zone_known": getattr(request, "time_zone_known", True),
    }
