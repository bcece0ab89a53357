"""Reference data the community needs in every database: the Moderators and Expert authors
groups with their permissions, and the general forum.

Idempotent, called after every migrate and flush by the post_migrate handler in apps.py
(so tests that flush the database keep it), with an app registry (historical or live).
"""

from core.roles import Perm, ensure_group


def ensure_groups(apps) -> None:
    ensure_group(
        "Moderators",
        [Perm("community", "thread", "moderate", "Can moderate the Community of Practice forums")],
        apps=apps,
    )
    ensure_group(
        "Expert authors",
        [Perm("community", "blogpost", "write_blog", "Can write expert blog posts")],
        apps=apps,
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
