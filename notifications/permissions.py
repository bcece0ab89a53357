"""Who may see and change a notification: only its recipient."""


def can_view_notification(user, notification) -> bool:
    return bool(user.is_authenticated and notification.recipient_id == user.pk)
