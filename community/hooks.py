"""Extension points for apps that add to community pages (webinars, the catalogue).

A later app registers, in its AppConfig.ready(), a function that takes the theme (or chapter)
and the viewer and returns a section for its page, or None to add nothing:

    from community.hooks import register_theme_section

    @register_theme_section
    def theme_webinars(theme, user):
        webinars = Webinar.objects.visible_to(user).filter(theme=theme)[:10]
        return {"title": _("Webinars"), "items": webinars, "empty": _("No webinars yet.")}

``items`` are objects with a ``title`` (or ``__str__``) and ``get_absolute_url()``. A section
function should run a bounded number of queries.
"""

from __future__ import annotations

from collections.abc import Callable

SectionFunction = Callable[..., dict | None]

theme_sections: list[SectionFunction] = []
chapter_sections: list[SectionFunction] = []


def register_theme_section(function: SectionFunction) -> SectionFunction:
    if function not in theme_sections:
        theme_sections.append(function)
    return function


def register_chapter_section(function: SectionFunction) -> SectionFunction:
    if function not in chapter_sections:
        chapter_sections.append(function)
    return function


def sections_for(functions: list[SectionFunction], obj, user) -> list[dict]:
    sections = []
    for function in functions:
        section = function(obj, user)
        if section:
            sections.append(section)
    return sections
