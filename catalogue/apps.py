from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.reference_data import ensure_after_migrate


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Solutions catalogue")
    reference_models = ("SDG", "Criterion")

    def ready(self):
        post_migrate.connect(ensure_after_migrate, sender=self)
