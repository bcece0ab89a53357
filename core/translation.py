"""Content in several languages: pick the viewer's version of a text, or the original."""

from __future__ import annotations

from django.utils import translation


def in_viewer_language(versions: dict[str, str] | None, original: str) -> str:
    """``versions`` maps language codes to texts; "pt-br" falls back to "pt", then to the original."""
    if not versions:
        return original
    language = translation.get_language() or "en"
    return versions.get(language) or versions.get(language.split("-")[0]) or original


class TranslatedFields:
    """For models with a ``translations`` JSON field shaped {field: {language: text}}."""

    def translated(self, field: str) -> str:
        return in_viewer_language((self.translations or {}).get(field), getattr(self, field))
