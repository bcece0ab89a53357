from django import template
from django.utils.safestring import mark_safe

from core.markdown import render_markdown
from core.permissions import is_verified_member

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3


@register.filter
def verified_member(user) -> bool:
    return is_verified_member(user)


@register.filter
def translated(obj, field: str) -> str:
    """A field in the viewer's language when a translation exists, else the original."""
    return obj.translated(field)


@register.filter
def is_translated(obj, field: str) -> bool:
    return obj.translated(field) != getattr(obj, field)
