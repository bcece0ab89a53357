"""Reference data the community needs in every database: the Moderators and Expert authors
groups with their permissions, and the general forum.

Idempotent, called after every migrate and flush by the post_migrate handler in apps.py
(so tests that flush the database keep it), with an app registry (historical or live).
"""


def _group_with_permission(apps, *, model: str, codename: str, name: str, group: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="community", model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    instance, _ = Group.objects.get_or_create(name=group)
    instance.permissions.add(permission)


def ensure_groups(apps) -> None:
    _group_with_permission(
        apps,
        model="thread",
        codename="moderate",
        name="Can moderate the Community of Practice forums",
        group="Moderators",
    )
    _group_with_permission(
        apps,
        model="blogpost",
        codename="write_blog",
        name="Can write expert blog posts",
        group="Expert authors",
    )


def ensure_general_forum(apps) -> None:
    Category = apps.get_model("community", "Category")
    Category.objects.get_or_create(
        slug="general",
        defaults={
            "name": "General discussion",
            "description": "Anything about knowledge exchange that has no other home.",
            "kind": "general",
            "position": 0,
        },
    )


def ensure_all(apps) -> None:
    ensure_groups(apps)
    ensure_general_forum(apps)
