"""Reads for the community pages and the home page, with the joins each page needs."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone

from .models import BlogPost, Category, Chapter, Flag, Post, Status, Theme, Thread


def current_theme(now: datetime | None = None) -> Theme | None:
    return Theme.objects.current(now)


def latest_discussions(user, limit: int = 5):
    return list(
        Thread.objects.visible_to(user)
        .exclude(category__kind=Category.Kind.BLOG)
        .with_card_data()
        .order_by("-last_activity", "-pk")[:limit]
    )


def forum_categories():
    """Forums with their count of published threads, in one query."""
    # Explicit order: a model's default ordering does not apply to an aggregating query.
    return (
        Category.objects.exclude(kind=Category.Kind.BLOG)
        .annotate(thread_count=Count("threads", filter=Q(threads__status=Status.PUBLISHED)))
        .order_by("position", "name")
    )


def forum_threads(category: Category, user, *, moderator: bool):
    return (
        Thread.objects.visible_to(user, moderator=moderator)
        .filter(category=category)
        .with_card_data()
        .latest()
    )


def thread_posts_page(thread: Thread, user, *, moderator: bool, page_number):
    posts = Post.objects.visible_to(user, moderator=moderator).filter(thread=thread)
    paginator = Paginator(posts.for_thread_page(), settings.COMMUNITY_POSTS_PER_PAGE)
    return paginator.get_page(page_number)


def post_page_number(post: Post, user, *, moderator: bool) -> int:
    """The page of its thread a post is on, as the viewer sees the thread."""
    before = (
        Post.objects.visible_to(user, moderator=moderator)
        .filter(thread_id=post.thread_id)
        .filter(Q(created__lt=post.created) | Q(created=post.created, pk__lt=post.pk))
        .count()
    )
    return before // settings.COMMUNITY_POSTS_PER_PAGE + 1


def theme_page(theme: Theme, user):
    threads = (
        Thread.objects.visible_to(user)
        .filter(theme=theme)
        .exclude(category__kind=Category.Kind.BLOG)
        .with_card_data()
        .latest()[:20]
    )
    blog_posts = BlogPost.objects.published().filter(theme=theme).with_card_data()[:20]
    return {"threads": list(threads), "blog_posts": list(blog_posts)}


def moderation_queue(user):
    """Pending posts (oldest first) and open flags, for moderators."""
    pending = (
        Post.objects.filter(status=Status.PENDING)
        .select_related("author", "thread", "thread__category")
        .order_by("created", "pk")
    )
    flags = (
        Flag.objects.filter(resolution=Flag.Resolution.OPEN)
        .select_related("post", "post__author", "post__thread", "reporter")
        .order_by("created", "pk")
    )
    return pending, flags


def chapter_detail(chapter: Chapter, user):
    from .services import category_ensure

    category = category_ensure(chapter=chapter)
    threads = (
        Thread.objects.visible_to(user).filter(category=category).with_card_data().latest()[:10]
    )
    return {
        "category": category,
        "threads": list(threads),
        "members": list(chapter.members.select_related("community_profile").order_by("name")[:100]),
        "member_count": chapter.members.count(),
        "coordinators": list(chapter.coordinators.order_by("name")),
    }


def meeting_slots(
    chapter: Chapter, *, now: datetime | None = None, viewer_zone=None, count: int = 3
) -> list[dict]:
    """The next few usual meeting times of a chapter, in its zone and the viewer's."""
    now = now or timezone.now()
    zone = zoneinfo.ZoneInfo(chapter.time_zone or "UTC")
    viewer_zone = viewer_zone or timezone.get_current_timezone()
    local_now = now.astimezone(zone)
    slots = []
    day = local_now.date()
    while len(slots) < count:
        if day.weekday() == chapter.meeting_weekday:
            start = datetime(day.year, day.month, day.day, chapter.meeting_hour, tzinfo=zone)
            if start > local_now:
                slots.append(
                    {
                        "utc": start.astimezone(zoneinfo.ZoneInfo("UTC")),
                        "chapter": start,
                        "viewer": start.astimezone(viewer_zone),
                    }
                )
        day += timedelta(days=1)
    return slots
