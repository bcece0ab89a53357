from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.reference_data import ensure_after_migrate


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = _("Solutions catalogue")
    reference_models = ("SDG", "Criterion")

    def ready(self):
        from core.files import register_file_kind
        from notifications.kinds import Frequency, register_kind

        from .permissions import can_see_revision

        post_migrate.connect(ensure_after_migrate, sender=self)
        register_file_kind(
            "attachment",
            model="catalogue.Attachment",
            field="file",
            can_view=lambda user, attachment: can_see_revision(user, attachment.revision),
            is_public=lambda a: a.revision.solution.published_id == a.revision_id,
            select_related=("revision__solution",),
            filename=lambda attachment: attachment.original_name,
        )
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
