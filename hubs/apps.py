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
        _register_files()
        register_kind(
            "hubs.proposal_reviewed",
            label=_("Reviews of the changes you propose to hub profiles"),
            default=Frequency.IMMEDIATELY,
            template="hubs/notifications/proposal_reviewed",
        )


def _register_files():
    from core.files import register_file_kind

    from . import permissions

    register_file_kind(
        "hub-logo",
        model="hubs.Hub",
        field="logo",
        can_view=permissions.can_see_hub,
        is_public=lambda hub: hub.is_published,
    )
    register_file_kind(
        "proposal-logo",
        model="hubs.HubProposal",
        field="logo",
        can_view=permissions.can_see_proposal_logo,
    )
    register_file_kind(
        "evidence",
        model="hubs.Answer",
        field="evidence_file",
        can_view=permissions.can_see_evidence,
        select_related=("assessment__hub",),
        inline_images=False,  # linked as a download, never shown in a page
    )
