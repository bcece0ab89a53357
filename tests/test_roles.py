"""One way to set up a role (a group holding permissions), from migrations and from code."""

import pytest
from django.apps import apps as live_apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from core.roles import Perm, ensure_group

pytestmark = pytest.mark.django_db

EDIT = Perm("hubs", "hub", "edit_everything", "Can edit everything")
VIEW = Perm("hubs", "hub", "view_everything", "Can view everything")


def test_creates_the_group_and_its_permissions():
    group = ensure_group("Editors in chief", [EDIT, VIEW])
    assert set(group.permissions.values_list("codename", flat=True)) == {
        "edit_everything",
        "view_everything",
    }
    assert Permission.objects.get(codename="edit_everything").name == "Can edit everything"


def test_running_again_changes_nothing_and_keeps_what_was_added():
    group = ensure_group("Editors in chief", [EDIT])
    extra = Permission.objects.get(codename="curate_hub")
    group.permissions.add(extra)
    Permission.objects.filter(codename="edit_everything").update(name="Renamed by hand")
    again = ensure_group("Editors in chief", [EDIT])
    assert again.pk == group.pk
    assert Group.objects.filter(name="Editors in chief").count() == 1
    assert set(again.permissions.values_list("codename", flat=True)) == {
        "edit_everything",
        "curate_hub",
    }
    assert Permission.objects.get(codename="edit_everything").name == "Renamed by hand"


def test_works_with_a_migrations_historical_registry():
    state = MigrationLoader(connection).project_state(
        ("hubs", "0002_curators_group_and_priority_areas")
    )
    historical = state.apps
    group = ensure_group("Historical editors", [EDIT], apps=historical)
    assert group.__class__ is not Group  # a historical model, not the live one
    assert (
        Group.objects.get(name="Historical editors")
        .permissions.filter(codename="edit_everything")
        .exists()
    )


@pytest.mark.parametrize(
    ("group", "codename"),
    [
        ("Curators", "curate_hub"),
        ("Reviewers", "review_solution"),
        ("Moderators", "moderate"),
        ("Expert authors", "write_blog"),
    ],
)
def test_every_portal_role_is_set_up(group, codename):
    assert Group.objects.get(name=group).permissions.filter(codename=codename).exists()


def test_the_live_registry_is_the_default():
    assert ensure_group("Live", [VIEW], apps=live_apps).pk == ensure_group("Live", [VIEW]).pk
