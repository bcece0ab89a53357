from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_reference_data(sender, apps=None, **kwargs):
    from django.apps import apps as live_apps

    from .reference_data import ensure_all

    apps = apps or live_apps  # flush sends no registry: the live one is the current state
    try:
        apps.get_model("community", "Category")
    except LookupError:
        return
    ensure_all(apps)


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community of Practice")

    def ready(self):
        post_migrate.connect(_ensure_reference_data, sender=self)
