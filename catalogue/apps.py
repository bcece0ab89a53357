from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.reference_data import ensure_after_migrate


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Solutions catalogue")
    reference_models = ("SDG", "Criterion")

    def ready(self):
        from notifications.kinds import Frequency, register_kind

        post_migrate.connect(ensure_after_migrate, sender=self)
        register_kind(
            "catalogue.decision",
            label=_("Vetting steps and decisions on your hub's solutions"),
            default=Frequency.IMMEDIATELY,
            template="catalogue/notifications/decision",
        )
        register_kind(
            "catalogue.feedback",
            label=_("Messages between reviewers and submitters"),
            default=Frequency.IMMEDIATELY,
            template="catalogue/notifications/feedback",
        )
