from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.reference_data import ensure_after_migrate


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community of Practice")
    reference_models = ("Category",)

    def ready(self):
        from core.files import register_file_kind
        from notifications.kinds import Frequency, register_kind

        post_migrate.connect(ensure_after_migrate, sender=self)
        register_file_kind(  # monthly themes are public
            "theme-cover",
            model="community.Theme",
            field="cover",
            can_view=lambda user, theme: True,
            is_public=lambda theme: True,
        )
        register_kind(
            "community.mention",
            label=_("Someone mentions you in the forums"),
            default=Frequency.IMMEDIATELY,
            template="community/notifications/mention",
        )
        register_kind(
            "community.reply",
            label=_("New posts in threads and forums you follow"),
            default=Frequency.DAILY,
            template="community/notifications/reply",
        )
