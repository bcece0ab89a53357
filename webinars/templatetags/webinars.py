from django import template

from ..permissions import can_organise, can_see_join_link
from ..timezones import dual_times

register = template.Library()


@register.inclusion_tag("webinars/partials/_times.html")
def webinar_times(webinar, compact=False):
    """The webinar's time in the viewer's zone and the host's, both labelled."""
    return {"times": dual_times(webinar), "webinar": webinar, "compact": compact}


@register.filter
def organises(user, webinar) -> bool:
    return can_organise(user, webinar)


@register.filter
def shows_join_link(registration) -> bool:
    return can_see_join_link(registration)
