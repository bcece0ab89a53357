from django import template

from ..timezones import dual_times

register = template.Library()


@register.inclusion_tag("webinars/partials/_times.html")
def webinar_times(webinar, compact=False):
    """The webinar's time in the viewer's zone and the host's, both labelled."""
    return {"times": dual_times(webinar), "webinar": webinar, "compact": compact}
