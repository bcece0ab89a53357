from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.reference_data import ensure_after_migrate


class HubsConfig(AppConfig):
    name = "hubs"
    verbose_name = _("Knowledge hubs")
    reference_models = ("PriorityArea", "Questionnaire")

    def ready(self):
        from notifications.kinds import Frequency, register_kind

        post_migrate.connect(ensure_after_migrate, sender=self)
        register_kind(
            "hubs.proposal_reviewed",
            label=_("Reviews of the changes you propose to hub profiles"),
            default=Frequency.IMMEDIATELY,
            template="hubs/notifications/proposal_reviewed",
        )
