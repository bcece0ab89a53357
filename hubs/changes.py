"""The editable fields of a hub profile as plain JSON values: compare, apply, display."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_countries import countries

from .models import Hub, PriorityArea

# Fields an editor may propose and a curator may edit, in display order.
EDITABLE_FIELDS = (
    "name",
    "acronym",
    "kind",
    "country",
    "host_institution",
    "organisational_model",
    "year_established",
    "staff_exchange",
    "staff_total",
    "institutions_coordinated",
    "direction",
    "financing",
    "financing_note",
    "priority_areas",
    "languages",
    "partner_organisations",
    "website",
    "contact_email",
    "description",
    "original_language",
)
M2M_FIELDS = {"priority_areas"}


def to_json(field: str, value):
    """A field's value as JSON (countries as codes, priority areas as sorted slugs)."""
    if field == "country":
        return str(getattr(value, "code", value) or "")
    if field == "priority_areas":
        return sorted(area.slug if isinstance(area, PriorityArea) else str(area) for area in value)
    if field in {"languages", "partner_organisations"}:
        return list(value or [])
    if field == "financing":
        return list(value or [])
    if value is None:
        return None
    return value


def current_values(hub: Hub) -> dict:
    values = {
        field: to_json(field, getattr(hub, field))
        for field in EDITABLE_FIELDS
        if field not in M2M_FIELDS
    }
    values["priority_areas"] = to_json("priority_areas", hub.priority_areas.all()) if hub.pk else []
    return values


def diff(hub: Hub, data: dict) -> dict:
    """The proposed values that differ from the hub's current ones."""
    current = current_values(hub)
    proposed = {
        field: to_json(field, value) for field, value in data.items() if field in EDITABLE_FIELDS
    }
    return {field: value for field, value in proposed.items() if value != current[field]}


def label(field: str) -> str:
    return str(Hub._meta.get_field(field).verbose_name).capitalize()


def display(field: str, value) -> str:
    """A JSON value as people read it."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "logo":
        return str(value).rsplit("/", 1)[-1]
    model_field = Hub._meta.get_field(field)
    if field == "country":
        return countries.name(value) or value
    if field == "priority_areas":
        names = {area.slug: area.label for area in PriorityArea.objects.filter(slug__in=value)}
        return ", ".join(names.get(slug, slug) for slug in value)
    if field == "financing":
        sources = dict(Hub.FinancingSource.choices)
        parts = []
        for row in value:
            name = str(sources.get(row.get("source"), row.get("source")))
            share = row.get("share")
            parts.append(f"{name} {share}%" if share is not None else name)
        return ", ".join(parts)
    if field == "languages":
        from django.conf.global_settings import LANGUAGES

        names = dict(LANGUAGES)
        return ", ".join(_(names.get(code, code)) for code in value)
    if field == "partner_organisations":
        return ", ".join(value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def rows(changes: dict, previous: dict | None = None, current: dict | None = None) -> list[dict]:
    """Rows for a field-by-field table: label, old, (current,) new."""
    previous = previous or {}
    result = []
    ordered = [f for f in EDITABLE_FIELDS if f in changes] + [
        f for f in changes if f not in EDITABLE_FIELDS
    ]
    for field in ordered:
        row = {
            "field": field,
            "label": label(field),
            "old": display(field, previous.get(field)),
            "new": display(field, changes[field]),
        }
        if current is not None:
            row["current"] = display(field, current.get(field))
            row["drifted"] = current.get(field) != previous.get(field)
        result.append(row)
    return result
