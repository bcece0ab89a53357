from django import template

from ..models import Notification

register = template.Library()


@register.simple_tag
def unread_notification_count(user) -> int:
    """One query: the member's unread notifications (partial index ``notif_unread``)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.for_member(user).unread().count()
