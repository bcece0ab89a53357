from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from .kinds import Frequency, register_kind

        register_kind(
            "notifications.announcement",
            label=_("Announcements and reminders from the portal"),
            default=Frequency.IMMEDIATELY,
        )
