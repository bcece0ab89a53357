from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_reference_data(sender, apps=None, **kwargs):
    from django.apps import apps as live_apps

    from .reference_data import ensure_all

    apps = apps or live_apps  # flush sends no registry: the live one is the current state

    # Only once the hubs tables exist in the migrated state.
    try:
        apps.get_model("hubs", "Questionnaire")
    except LookupError:
        return
    ensure_all(apps)


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = _("Knowledge hubs")

    def ready(self):
        post_migrate.connect(_ensure_reference_data, sender=self)
