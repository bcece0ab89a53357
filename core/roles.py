"""One way to set up a role: a group holding named permissions.

The portal's roles (Curators, Reviewers, Moderators, Expert authors) are ``auth`` groups,
each given one or more custom permissions. :func:`ensure_group` creates what is missing
and never removes anything, so it may run any number of times: from a data migration with
its historical ``apps``, from the post_migrate handler (see ``core.reference_data``), or
from ordinary code with the live registry (``apps`` left out).

It touches only ``contenttypes.ContentType``, ``auth.Permission`` and ``auth.Group``
through ``apps.get_model`` and uses fields those models have had since Django 1.8 (the
content type's ``app_label``/``model``; the permission's ``content_type``/``codename``/
``name``; the group's ``name``/``permissions``), so it is safe with historical models.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Perm:
    """A permission by its natural key, with the name given if it has to be created."""

    app_label: str
    model: str
    codename: str
    name: str


def ensure_permission(perm: Perm, *, apps=None):
    """The permission row for ``perm``, created (with its content type) if missing."""
    apps = _registry(apps)
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=perm.app_label, model=perm.model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=perm.codename, defaults={"name": perm.name}
    )
    return permission


def ensure_group(name: str, permissions: Iterable[Perm], *, apps=None):
    """The group ``name``, created if missing, holding at least ``permissions``."""
    apps = _registry(apps)
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(*(ensure_permission(perm, apps=apps) for perm in permissions))
    return group


def _registry(apps):
    if apps is not None:
        return apps
    from django.apps import apps as live_apps

    return live_apps
