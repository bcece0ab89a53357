from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebinarsConfig(AppConfig):
    name = "webinars"
    verbose_name = _("Webinars")

    def ready(self):
        from community.hooks import register_chapter_section, register_theme_section
        from core.files import register_file_kind

        from . import permissions
        from .emails import register_kinds

        register_kinds()
        register_file_kind(
            "speaker-photo",
            model="webinars.Speaker",
            field="photo",
            can_view=permissions.can_see_speaker,
            is_public=permissions.speaker_is_public,
        )
        register_theme_section(_webinars_section("theme"))
        register_chapter_section(_webinars_section("chapter"))


def _webinars_section(field: str):
    def section(obj, user):
        from .models import Webinar

        webinars = list(
            Webinar.objects.visible_to(user).filter(**{field: obj}).order_by("-starts_at")[:10]
        )
        return {"title": _("Webinars"), "items": webinars, "empty": _("No webinars yet.")}

    section.__name__ = f"{field}_webinars"
    return section
