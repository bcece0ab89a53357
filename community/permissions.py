"""Who may do what in the Community of Practice. Views, API, services and templates use these."""

from __future__ import annotations

from core.permissions import is_verified_member

MODERATE = "community.moderate"
WRITE_BLOG = "community.write_blog"


def is_moderator(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(MODERATE))


def is_coordinator(user, chapter) -> bool:
    if not (chapter and user and user.is_authenticated):
        return False
    return chapter.coordinators.filter(pk=user.pk).exists()


def can_moderate(user, category=None) -> bool:
    """Moderators everywhere; a chapter's coordinators in their chapter's forum."""
    if is_moderator(user):
        return True
    return bool(category and category.chapter_id and is_coordinator(user, category.chapter))


def can_start_thread(user, category) -> bool:
    return is_verified_member(user) and (
        category.kind != category.Kind.BLOG or can_moderate(user, category)
    )


def can_reply(user, thread, *, moderator: bool | None = None, verified: bool | None = None) -> bool:
    if not (is_verified_member(user) if verified is None else verified):
        return False
    if moderator is None:
        moderator = can_moderate(user, thread.category)
    if moderator:
        return True
    return not thread.is_locked and thread.status == "published"


def can_edit_post(
    user, post, *, moderator: bool | None = None, verified: bool | None = None
) -> bool:
    if not (is_verified_member(user) if verified is None else verified):
        return False
    if moderator is None:
        moderator = can_moderate(user, post.thread.category)
    if moderator:
        return True
    return post.author_id == user.pk and post.status != "hidden" and not post.thread.is_locked


def can_see_post(user, post, *, moderator: bool | None = None) -> bool:
    if post.status == "published" and post.thread.status == "published":
        return True
    if moderator is None:
        moderator = can_moderate(user, post.thread.category)
    if moderator:
        return True
    return bool(
        user and user.is_authenticated and post.author_id == user.pk and post.status != "hidden"
    )


def can_mark_answer(user, thread) -> bool:
    return is_verified_member(user) and thread.author_id == user.pk


def can_flag(user) -> bool:
    return is_verified_member(user)


def can_write_blog(user) -> bool:
    return is_verified_member(user) and user.has_perm(WRITE_BLOG)


def can_endorse(user) -> bool:
    return is_verified_member(user)


def can_join_chapter(user) -> bool:
    return is_verified_member(user)
