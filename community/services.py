"""Every write in the Community of Practice: threads, replies, edits, moderation, flags,
subscriptions, chapters, endorsements and blog posts.

Each function checks permission, validates with full_clean() and writes in one transaction.
Pages and the API call the same functions.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from core.exceptions import RateLimited
from core.slugs import unique_slug

from .models import (
    BlogPost,
    Category,
    Chapter,
    EmergingSolution,
    Endorsement,
    Flag,
    LivingLab,
    MemberProfile,
    Mention,
    Post,
    PostRevision,
    Status,
    Subscription,
    Theme,
    Thread,
)
from .permissions import (
    can_edit_post,
    can_endorse,
    can_flag,
    can_join_chapter,
    can_mark_answer,
    can_moderate,
    can_reply,
    can_see_post,
    can_start_thread,
    can_write_blog,
    is_moderator,
)

logger = logging.getLogger(__name__)

MENTION_RE = re.compile(r"(?<![\w@./-])@([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)(?![\w-])", re.I)
MAX_MENTIONS = 20


class PostingRateLimited(RateLimited):
    """A member posted faster than COMMUNITY_POST_RATE_PER_MINUTE / _PER_DAY allow."""


# --- Members ----------------------------------------------------------------------------


def profile_for(user: User) -> MemberProfile:
    """The member's community profile, created with a unique handle on first use."""
    try:
        return user.community_profile
    except MemberProfile.DoesNotExist:
        pass
    base = slugify(user.display_name)[:34].strip("-") or "member"
    handle = base
    for number in range(2, 1000):
        if not MemberProfile.objects.filter(handle=handle).exists():
            try:
                with transaction.atomic():
                    return MemberProfile.objects.create(user=user, handle=handle)
            except IntegrityError:
                existing = MemberProfile.objects.filter(user=user).first()
                if existing:
                    return existing
        handle = f"{base}-{number}"
    return MemberProfile.objects.create(user=user, handle=f"member-{user.pk}")


def member_export(*, user: User) -> dict:
    """Everything the community holds about a member, for their own download."""
    profile = profile_for(user)
    return {
        "handle": profile.handle,
        "name": user.name,
        "organisation": user.organisation,
        "bio": user.bio,
        "chapters": list(user.community_chapters.values_list("slug", flat=True)),
        "coordinated_chapters": list(user.coordinated_chapters.values_list("slug", flat=True)),
        "threads": [
            {"id": t.pk, "title": t.title, "created": t.created.isoformat(), "status": t.status}
            for t in user.community_threads.order_by("created")
        ],
        "posts": [
            {
                "id": p.pk,
                "thread": p.thread_id,
                "body": p.body,
                "created": p.created.isoformat(),
                "status": p.status,
            }
            for p in user.community_posts.order_by("created")
        ],
        "subscriptions": [
            {"thread": s.thread_id, "forum": s.category_id}
            for s in user.community_subscriptions.all()
        ],
        "endorsements": [
            {"solution": e.solution_id, "justification": e.justification}
            for e in user.endorsements.all()
        ],
        "blog_posts": list(user.blog_posts.values_list("slug", flat=True)),
    }


# --- Rate limits ------------------------------------------------------------------------


def _rate_keys(user: User, now: datetime) -> tuple[str, str]:
    return (
        f"community:posts:{user.pk}:m:{now:%Y%m%d%H%M}",
        f"community:posts:{user.pk}:d:{now:%Y%m%d}",
    )


def _check_rate(user: User, now: datetime) -> None:
    if is_moderator(user):
        return
    minute_key, day_key = _rate_keys(user, now)
    counts = cache.get_many([minute_key, day_key])
    if counts.get(minute_key, 0) >= settings.COMMUNITY_POST_RATE_PER_MINUTE:
        raise PostingRateLimited(
            _("You are posting too quickly. Please wait a minute and try again."),
            retry_after=60 - now.second,
        )
    if counts.get(day_key, 0) >= settings.COMMUNITY_POST_RATE_PER_DAY:
        raise PostingRateLimited(
            _("You have reached today's limit of posts. Please come back tomorrow."),
            retry_after=86_400 - (now.hour * 3600 + now.minute * 60 + now.second),
        )


def _count_rate(user: User, now: datetime) -> None:
    """Count a post once everything about it is valid (called last in the service)."""
    for key, timeout in zip(_rate_keys(user, now), (120, 2 * 86_400), strict=True):
        cache.add(key, 0, timeout)
        cache.incr(key)


# --- Mentions ---------------------------------------------------------------------------


def _record_mentions(post: Post) -> list[Mention]:
    handles = {match.lower() for match in MENTION_RE.findall(post.body)}
    if not handles:
        return []
    users = (
        MemberProfile.objects.filter(handle__in=list(handles)[:MAX_MENTIONS])
        .exclude(user_id=post.author_id)
        .values_list("user_id", flat=True)
    )
    existing = set(post.mentions.values_list("member_id", flat=True))
    return Mention.objects.bulk_create(
        [Mention(post=post, member_id=user_id) for user_id in users if user_id not in existing]
    )


def notify_mentions(*, post: Post, now: datetime | None = None) -> list[Mention]:
    """Tell members mentioned in a visible post, once each, through the notification outbox.

    Called inside the transaction that publishes the post, so a rollback sends nothing.
    Followers of the thread or its forum are told too (community.reply), except the author
    and the members already told by their mention.
    """
    from notifications.services import notify_many

    if post.status != Status.PUBLISHED or post.thread.status != Status.PUBLISHED:
        return []
    now = now or timezone.now()
    mentions = list(post.mentions.filter(notified__isnull=True).select_related("member"))
    payload = {
        "author": post.author.display_name,
        "thread": post.thread.title,
        "excerpt": post.body[:300],
        "url": reverse("community:post", args=[post.pk]),
    }
    if mentions:
        notify_many(
            recipients=[m.member for m in mentions],
            kind="community.mention",
            target=post,
            payload=payload,
            now=now,
        )
        Mention.objects.filter(pk__in=[m.pk for m in mentions]).update(notified=now)
    if not post.revisions.exists():  # a new post, not an edit
        followers = (
            User.objects.filter(
                Q(community_subscriptions__thread=post.thread)
                | Q(community_subscriptions__category=post.thread.category)
            )
            .exclude(pk=post.author_id)
            .exclude(pk__in=[m.member_id for m in mentions])
            .distinct()
        )
        notify_many(
            recipients=list(followers),
            kind="community.reply",
            target=post,
            payload=payload,
            now=now,
        )
    return mentions


# --- Threads and posts ------------------------------------------------------------------


def _initial_status(author: User, moderator: bool) -> str:
    if moderator:
        return Status.PUBLISHED
    published = Post.objects.filter(author=author, status=Status.PUBLISHED).count()
    if published < settings.COMMUNITY_APPROVAL_FIRST_POSTS:
        return Status.PENDING
    return Status.PUBLISHED


def _refresh_thread(thread: Thread) -> None:
    """Recompute the counters a thread list shows from the published posts."""
    published = thread.posts.filter(status=Status.PUBLISHED)
    thread.reply_count = published.filter(is_opening=False).count()
    last = published.order_by("-created", "-pk").values("created", "author_id").first()
    if last:
        thread.last_activity = last["created"]
        thread.last_post_author_id = last["author_id"]
    thread.save(update_fields=["reply_count", "last_activity", "last_post_author"])


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    return body


@transaction.atomic
def thread_create(
    *, category: Category, author: User, title: str, body: str, now: datetime | None = None
) -> Thread:
    """A verified member opens a thread; a new member's opening post waits for approval."""
    if not can_start_thread(author, category):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    now = now or timezone.now()
    _check_rate(author, now)
    moderator = can_moderate(author, category)
    status = _initial_status(author, moderator)
    profile_for(author)
    thread = Thread(
        category=category,
        theme=category.theme if category.theme_id else None,
        title=(title or "").strip(),
        author=author,
        status=status,
        created=now,
        last_activity=now,
        last_post_author=author,
    )
    thread.slug = slugify(thread.title)[:80].strip("-") or "thread"
    thread.full_clean()
    thread.save()
    post = Post(
        thread=thread,
        author=author,
        body=_clean_body(body),
        is_opening=True,
        status=status,
        created=now,
    )
    post.full_clean()
    post.save()
    _record_mentions(post)
    Subscription.objects.get_or_create(member=author, thread=thread)
    _count_rate(author, now)
    notify_mentions(post=post, now=now)
    return thread


@transaction.atomic
def post_reply(*, thread: Thread, author: User, body: str, now: datetime | None = None) -> Post:
    """A verified member replies; quotes are plain Markdown ("> …") in the body."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)
    moderator = can_moderate(author, thread.category)
    if not can_reply(author, thread, moderator=moderator):
        if thread.is_locked:
            raise PermissionDenied(_("This thread is locked."))
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    now = now or timezone.now()
    _check_rate(author, now)
    profile_for(author)
    post = Post(
        thread=thread,
        author=author,
        body=_clean_body(body),
        status=_initial_status(author, moderator),
        created=now,
    )
    post.full_clean()
    post.save()
    _record_mentions(post)
    if post.status == Status.PUBLISHED:
        _refresh_thread(thread)
        notify_mentions(post=post, now=now)
    _count_rate(author, now)
    return post


def quote_markdown(post: Post) -> str:
    """A reply's starting text quoting a post: its author and each line prefixed with "> "."""
    handle = profile_for(post.author).handle
    lines = [f"> **@{handle}** {_('wrote:')}", ">"]
    lines += [f"> {line}" if line else ">" for line in post.body.splitlines()]
    return "\n".join(lines) + "\n\n"


@transaction.atomic
def post_edit(*, post: Post, editor: User, body: str, now: datetime | None = None) -> Post:
    """The author or a moderator edits a post; the previous text is kept as a revision."""
    post = Post.objects.select_for_update().select_related("thread__category").get(pk=post.pk)
    if not can_edit_post(editor, post):
        raise PermissionDenied(_("You can only edit your own posts."))
    body = _clean_body(body)
    if body == post.body:
        return post
    now = now or timezone.now()
    PostRevision.objects.create(post=post, body=post.body, editor=editor, created=now)
    post.body = body
    post.edited = now
    post.full_clean()
    post.save(update_fields=["body", "edited"])
    new_mentions = _record_mentions(post)
    if new_mentions:
        notify_mentions(post=post, now=now)
    return post


def _require_moderator(user: User, category: Category) -> None:
    if not can_moderate(user, category):
        raise PermissionDenied(_("Only moderators can do that."))


@transaction.atomic
def post_approve(*, post: Post, moderator: User, now: datetime | None = None) -> Post:
    post = Post.objects.select_for_update().select_related("thread__category").get(pk=post.pk)
    _require_moderator(moderator, post.thread.category)
    if post.status != Status.PENDING:
        raise ValidationError(_("This post is not waiting for approval."))
    post.status = Status.PUBLISHED
    post.moderated_by = moderator
    post.save(update_fields=["status", "moderated_by"])
    thread = post.thread
    if post.is_opening and thread.status == Status.PENDING:
        thread.status = Status.PUBLISHED
        thread.save(update_fields=["status"])
    _refresh_thread(thread)
    notify_mentions(post=post, now=now)
    return post


@transaction.atomic
def post_hide(*, post: Post, moderator: User, note: str = "") -> Post:
    """A moderator hides a post (an opening post hides its whole thread)."""
    post = Post.objects.select_for_update().select_related("thread__category").get(pk=post.pk)
    _require_moderator(moderator, post.thread.category)
    post.status = Status.HIDDEN
    post.moderated_by = moderator
    post.moderation_note = note[:300]
    post.save(update_fields=["status", "moderated_by", "moderation_note"])
    if post.is_opening:
        post.thread.status = Status.HIDDEN
        post.thread.save(update_fields=["status"])
    if post.thread.answer_id == post.pk:
        post.thread.answer = None
        post.thread.save(update_fields=["answer"])
    _refresh_thread(post.thread)
    post.flags.filter(resolution=Flag.Resolution.OPEN).update(
        resolution=Flag.Resolution.HIDDEN, resolved_by=moderator, resolved_at=timezone.now()
    )
    return post


@transaction.atomic
def post_unhide(*, post: Post, moderator: User) -> Post:
    post = Post.objects.select_for_update().select_related("thread__category").get(pk=post.pk)
    _require_moderator(moderator, post.thread.category)
    if post.status != Status.HIDDEN:
        raise ValidationError(_("This post is not hidden."))
    post.status = Status.PUBLISHED
    post.moderated_by = moderator
    post.save(update_fields=["status", "moderated_by"])
    if post.is_opening:
        post.thread.status = Status.PUBLISHED
        post.thread.save(update_fields=["status"])
    _refresh_thread(post.thread)
    return post


@transaction.atomic
def post_flag(*, post: Post, reporter: User, reason: str, now: datetime | None = None) -> Flag:
    """A member reports a post to the moderators; one open flag per member and post."""
    if not can_flag(reporter):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    post = Post.objects.select_related("thread__category").get(pk=post.pk)
    if not can_see_post(reporter, post):
        raise PermissionDenied(_("You cannot see this post."))
    if post.author_id == reporter.pk:
        raise ValidationError({"reason": _("You cannot flag your own post.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with this post.")})
    if post.flags.filter(reporter=reporter, resolution=Flag.Resolution.OPEN).exists():
        raise ValidationError({"reason": _("You have already flagged this post.")})
    flag = Flag(post=post, reporter=reporter, reason=reason, created=now or timezone.now())
    flag.full_clean()
    flag.save()
    return flag


@transaction.atomic
def flag_resolve(*, flag: Flag, moderator: User, hide: bool, now: datetime | None = None) -> Flag:
    flag = Flag.objects.select_for_update().select_related("post__thread__category").get(pk=flag.pk)
    _require_moderator(moderator, flag.post.thread.category)
    if flag.resolution != Flag.Resolution.OPEN:
        raise ValidationError(_("This flag has already been handled."))
    if hide:
        post_hide(post=flag.post, moderator=moderator, note=flag.reason)
        flag.refresh_from_db()
        return flag
    flag.resolution = Flag.Resolution.DISMISSED
    flag.resolved_by = moderator
    flag.resolved_at = now or timezone.now()
    flag.save(update_fields=["resolution", "resolved_by", "resolved_at"])
    return flag


@transaction.atomic
def thread_mark_answer(*, thread: Thread, post: Post | None, user: User) -> Thread:
    """The thread's author marks (or, with post=None, clears) the reply that answered it."""
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if not can_mark_answer(user, thread):
        raise PermissionDenied(_("Only the author of the thread can mark the answer."))
    if post is not None and (
        post.thread_id != thread.pk or post.is_opening or post.status != Status.PUBLISHED
    ):
        raise ValidationError(_("Choose a published reply in this thread."))
    thread.answer = post
    thread.save(update_fields=["answer"])
    return thread


THREAD_ACTIONS = {"pin", "unpin", "lock", "unlock", "hide", "unhide", "move"}


@transaction.atomic
def thread_moderate(
    *, thread: Thread, moderator: User, action: str, category: Category | None = None
) -> Thread:
    """Pin, unpin, lock, unlock, hide, unhide or move a thread."""
    thread = Thread.objects.select_for_update().select_related("category").get(pk=thread.pk)
    _require_moderator(moderator, thread.category)
    if action not in THREAD_ACTIONS:
        raise ValidationError(_("Unknown moderation action."))
    if action in {"pin", "unpin"}:
        thread.is_pinned = action == "pin"
    elif action in {"lock", "unlock"}:
        thread.is_locked = action == "lock"
    elif action == "hide":
        thread.status = Status.HIDDEN
    elif action == "unhide":
        if thread.status != Status.HIDDEN:
            raise ValidationError(_("This thread is not hidden."))
        thread.status = Status.PUBLISHED
    elif action == "move":
        if category is None:
            raise ValidationError({"category": _("Choose the forum to move the thread to.")})
        _require_moderator(moderator, category)
        thread.category = category
        thread.theme = category.theme if category.theme_id else None
    thread.save()
    return thread


@transaction.atomic
def subscription_toggle(
    *, member: User, thread: Thread | None = None, category: Category | None = None
) -> bool:
    """Subscribe to (or unsubscribe from) a thread or a whole forum; returns the new state."""
    from core.permissions import is_verified_member

    if not is_verified_member(member):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    if (thread is None) == (category is None):
        raise ValidationError(_("Subscribe to a thread or a forum."))
    existing = Subscription.objects.filter(member=member, thread=thread, category=category)
    if existing.exists():
        existing.delete()
        return False
    Subscription.objects.create(member=member, thread=thread, category=category)
    return True


# --- Chapters, labs, blog, themes ------------------------------------------------------


@transaction.atomic
def chapter_join(*, chapter: Chapter, member: User) -> None:
    if not can_join_chapter(member):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    chapter.members.add(member)


@transaction.atomic
def chapter_leave(*, chapter: Chapter, member: User) -> None:
    chapter.members.remove(member)


@transaction.atomic
def endorsement_create(
    *, solution: EmergingSolution, member: User, justification: str, now: datetime | None = None
) -> Endorsement:
    """A member endorses an emerging solution or lesson, saying why: community validation."""
    if not can_endorse(member):
        raise PermissionDenied(_("Please verify your e-mail address before taking part."))
    justification = (justification or "").strip()
    if not justification:
        raise ValidationError({"justification": _("Say briefly why you endorse it.")})
    if solution.endorsements.filter(member=member).exists():
        raise ValidationError({"justification": _("You have already endorsed this.")})
    endorsement = Endorsement(
        solution=solution, member=member, justification=justification, created=now or timezone.now()
    )
    endorsement.full_clean()
    endorsement.save()
    return endorsement


def _blog_category() -> Category:
    category, _created = Category.objects.get_or_create(
        slug="blog-comments",
        defaults={"name": "Blog comments", "kind": Category.Kind.BLOG, "position": 90},
    )
    return category


def parse_tags(text: str | list[str]) -> list[str]:
    items = text if isinstance(text, list) else (text or "").split(",")
    tags = []
    for item in items:
        tag = item.strip().lower()[:50]
        if tag and tag not in tags:
            tags.append(tag)
    return tags[:12]


@transaction.atomic
def blogpost_create(
    *,
    author: User,
    title: str,
    body: str,
    summary: str = "",
    theme: Theme | None = None,
    tags: list[str] | str = "",
    now: datetime | None = None,
    is_sample: bool = False,
) -> BlogPost:
    """An expert author publishes a blog post; its comments are a forum thread."""
    if not can_write_blog(author):
        raise PermissionDenied(_("Only expert authors can write blog posts."))
    now = now or timezone.now()
    post = BlogPost(
        slug=unique_slug(BlogPost, title, fallback="post"),
        title=(title or "").strip(),
        summary=(summary or "").strip(),
        body=(body or "").strip(),
        author=author,
        theme=theme,
        tags=parse_tags(tags),
        published_at=now,
        is_sample=is_sample,
    )
    post.full_clean()
    profile_for(author)
    thread = Thread(
        category=_blog_category(),
        theme=theme,
        title=post.title,
        author=author,
        status=Status.PUBLISHED,
        created=now,
        last_activity=now,
        is_sample=is_sample,
    )
    thread.save()
    post.thread = thread
    post.save()
    return post


def category_ensure(
    *, theme: Theme | None = None, chapter: Chapter | None = None, lab: LivingLab | None = None
) -> Category:
    """The forum of a theme, chapter or living lab (created on first use)."""
    if theme is not None:
        defaults = {
            "slug": f"theme-{theme.month}",
            "name": theme.title,
            "kind": "theme",
            "position": 20,
        }
        category, _created = Category.objects.get_or_create(theme=theme, defaults=defaults)
    elif chapter is not None:
        defaults = {
            "slug": f"chapter-{chapter.slug}"[:80],
            "name": chapter.name,
            "kind": "chapter",
            "position": 30,
        }
        category, _created = Category.objects.get_or_create(chapter=chapter, defaults=defaults)
    elif lab is not None:
        defaults = {"slug": f"lab-{lab.slug}"[:80], "name": lab.name, "kind": "lab", "position": 40}
        category, _created = Category.objects.get_or_create(lab=lab, defaults=defaults)
    else:
        raise ValueError("category_ensure needs a theme, chapter or lab")
    return category

