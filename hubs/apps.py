from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.reference_data import ensure_after_migrate


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = _("Knowledge hubs")
    reference_models = ("PriorityArea", "Questionnaire")

    def ready(self):
        post_migrate.connect(ensure_after_migrate, sender=self)
