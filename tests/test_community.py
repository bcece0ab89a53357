"""Community of Practice: forums, moderation, approval, rate limits, themes, chapters, labs, blog."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from community import services
from community.models import (
    BlogPost,
    Category,
    Chapter,
    Endorsement,
    Flag,
    Mention,
    Post,
    PostRevision,
    Subscription,
    Theme,
    Thread,
)
from community.selectors import meeting_slots

from .factories import UserFactory
from .factories_community import (
    CategoryFactory,
    ChapterFactory,
    EmergingSolutionFactory,
    PostFactory,
    ThemeFactory,
    ThreadFactory,
)


@pytest.fixture
def moderator(db):
    user = UserFactory(name="Mona Moderator")
    user.groups.add(Group.objects.get(name="Moderators"))
    return user


@pytest.fixture
def author(db):
    user = UserFactory(name="Ana Author", organisation="Fail Forward")
    user.groups.add(Group.objects.get(name="Expert authors"))
    return user


@pytest.fixture
def trusted(settings):
    """Members post without waiting for approval."""
    settings.COMMUNITY_APPROVAL_FIRST_POSTS = 0


@pytest.fixture
def general(db):
    return Category.objects.get(slug="general")


def count_queries(function) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Reference data ---------------------------------------------------------------------


def test_reference_data_survives_a_flush(db):
    assert Group.objects.get(name="Moderators").permissions.filter(codename="moderate").exists()
    assert Group.objects.get(name="Expert authors").permissions.filter(codename="write_blog")
    assert Category.objects.filter(slug="general").exists()


def test_nav_links_to_the_community(client, db):
    response = client.get("/")
    assert reverse("community:index") == "/community/"
    assert 'href="/community/"' in response.text


# --- Threads and replies ------------------------------------------------------------------


def test_verified_member_starts_a_thread_and_replies(member_client, member, general, trusted):
    response = member_client.post(
        "/community/forums/general/new/",
        {"title": "How do you fund exchanges?", "body": "We use **cost-sharing**."},
    )
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert thread.get_absolute_url() == f"/community/threads/{thread.pk}-how-do-you-fund-exchanges/"
    assert thread.status == "published" and thread.author == member
    page = member_client.get(thread.get_absolute_url())
    assert "<strong>cost-sharing</strong>" in page.text
    assert Subscription.objects.filter(member=member, thread=thread).exists()

    response = member_client.post(f"/community/threads/{thread.pk}/reply/", {"body": "And fees."})
    post = Post.objects.get(is_opening=False)
    assert response.status_code == 302
    assert response["Location"] == f"/community/posts/{post.pk}/"
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_anonymous_visitor_cannot_post(client, general):
    response = client.post("/community/forums/general/new/", {"title": "Hi", "body": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    thread = ThreadFactory()
    response = client.post(f"/community/threads/{thread.pk}/reply/", {"body": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


def test_unverified_member_is_refused(client, unverified_member, general):
    client.force_login(unverified_member)
    response = client.post("/community/forums/general/new/", {"title": "Hi", "body": "x"})
    assert response.status_code == 403
    thread = ThreadFactory()
    response = client.post(f"/community/threads/{thread.pk}/reply/", {"body": "x"})
    assert response.status_code == 403
    assert Thread.objects.count() == 1 and Post.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.thread_create(category=general, author=unverified_member, title="t", body="b")


def test_bad_thread_input_shows_errors_and_saves_nothing(member_client, general, trusted):
    response = member_client.post("/community/forums/general/new/", {"title": "", "body": " "})
    assert response.status_code == 200
    assert "This field is required." in response.text
    response = member_client.post(
        "/community/forums/general/new/", {"title": "x" * 201, "body": "ok"}
    )
    assert response.status_code == 200
    assert Thread.objects.count() == 0
    assert member_client.get("/community/forums/nope/new/").status_code == 404


def test_reply_to_a_locked_thread_is_refused_except_for_moderators(
    member_client, moderator, trusted
):
    thread = ThreadFactory(is_locked=True)
    assert (
        member_client.post(f"/community/threads/{thread.pk}/reply/", {"body": "x"}).status_code
        == 403
    )
    response = client_for(moderator).post(f"/community/threads/{thread.pk}/reply/", {"body": "ok"})
    assert response.status_code == 302
    assert Post.objects.filter(thread=thread).count() == 2


def test_quote_link_prefills_the_reply(member_client, trusted):
    thread = ThreadFactory(opening="First line\n\nsecond <b>line</b>")
    services.profile_for(thread.author)
    opening = thread.posts.get()
    page = member_client.get(thread.get_absolute_url())
    assert f"/community/threads/{thread.pk}/reply/?quote={opening.pk}" in page.text
    form = member_client.get(f"/community/threads/{thread.pk}/reply/?quote={opening.pk}")
    handle = thread.author.community_profile.handle
    assert f"&gt; **@{handle}** wrote:" in form.text
    assert "&gt; First line" in form.text
    assert "&gt; second &lt;b&gt;line&lt;/b&gt;" in form.text
    # A quote of something the viewer cannot see is ignored.
    hidden = PostFactory(thread=thread, status="hidden", body="secret")
    form = member_client.get(f"/community/threads/{thread.pk}/reply/?quote={hidden.pk}")
    assert "secret" not in form.text


def test_mentions_are_recorded_and_handed_to_notify(member, trusted, monkeypatch):
    thread = ThreadFactory()
    other = UserFactory(name="Bea Bravo")
    handle = services.profile_for(other).handle
    assert handle == "bea-bravo"
    calls = []
    monkeypatch.setattr(services, "notify_mentions", lambda *, post, now=None: calls.append(post))
    post = services.post_reply(
        thread=thread,
        author=member,
        body=f"Thanks @{handle}, and @nobody and mail@{handle}.org and @{handle} again",
    )
    assert list(Mention.objects.values_list("member", flat=True)) == [other.pk]
    assert Mention.objects.get().post == post


def test_notify_mentions_only_for_published_posts(member, trusted):
    other = UserFactory(name="Carl Charlie")
    services.profile_for(other)
    thread = ThreadFactory()
    post = services.post_reply(thread=thread, author=member, body="hi @carl-charlie")
    from notifications.models import Notification

    told = Notification.objects.get(kind="community.mention")
    assert told.recipient == other and told.payload["thread"] == thread.title
    assert services.notify_mentions(post=post) == []  # each mention is told once
    Mention.objects.filter(post=post).update(notified=None)
    post.status = "pending"
    assert services.notify_mentions(post=post) == []  # nothing for a post nobody can see
    assert Notification.objects.filter(kind="community.mention").count() == 1


def test_member_cannot_edit_anothers_post_but_moderator_can(member_client, member, moderator):
    post = PostFactory(body="Original")
    response = member_client.post(f"/community/posts/{post.pk}/edit/", {"body": "Vandalised"})
    assert response.status_code == 403
    assert member_client.get(f"/community/posts/{post.pk}/edit/").status_code == 403
    post.refresh_from_db()
    assert post.body == "Original" and not PostRevision.objects.exists()

    response = client_for(moderator).post(f"/community/posts/{post.pk}/edit/", {"body": "Tidied"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "Tidied" and post.edited is not None


def test_author_edits_with_visible_history(member_client, member):
    post = PostFactory(author=member, body="First version")
    response = member_client.post(f"/community/posts/{post.pk}/edit/", {"body": "Second version"})
    assert response.status_code == 302
    assert PostRevision.objects.get().body == "First version"
    thread_page = member_client.get(post.thread.get_absolute_url())
    assert f"/community/posts/{post.pk}/history/" in thread_page.text
    history = member_client.get(f"/community/posts/{post.pk}/history/")
    assert "First version" in history.text and "Second version" in history.text
    # Empty edits are refused and change nothing.
    response = member_client.post(f"/community/posts/{post.pk}/edit/", {"body": "  "})
    assert response.status_code == 200
    assert PostRevision.objects.count() == 1


def test_subscriptions_to_thread_and_forum(member_client, member, general):
    thread = ThreadFactory(category=general)
    member_client.post(f"/community/threads/{thread.pk}/subscribe/")
    assert Subscription.objects.filter(member=member, thread=thread).exists()
    member_client.post(f"/community/threads/{thread.pk}/subscribe/")
    assert not Subscription.objects.filter(member=member, thread=thread).exists()
    member_client.post("/community/forums/general/subscribe/")
    assert Subscription.objects.filter(member=member, category=general).exists()
    assert Client().post("/community/forums/general/subscribe/").status_code == 302
    assert Subscription.objects.count() == 1


def test_thread_author_marks_the_answer(member, trusted):
    thread = ThreadFactory(author=member)
    reply = PostFactory(thread=thread)
    other = UserFactory()
    assert client_for(other).post(f"/community/posts/{reply.pk}/answer/").status_code == 403
    thread.refresh_from_db()
    assert thread.answer is None
    assert client_for(member).post(f"/community/posts/{reply.pk}/answer/").status_code == 302
    thread.refresh_from_db()
    assert thread.answer == reply
    with pytest.raises(ValidationError):
        services.thread_mark_answer(
            thread=thread, post=thread.posts.get(is_opening=True), user=member
        )


@pytest.mark.parametrize("action", ["pin", "lock", "hide"])
def test_only_moderators_pin_lock_hide(member_client, moderator, action):
    thread = ThreadFactory()
    assert (
        member_client.post(
            f"/community/threads/{thread.pk}/moderate/", {"action": action}
        ).status_code
        == 403
    )
    thread.refresh_from_db()
    assert not thread.is_pinned and not thread.is_locked and thread.status == "published"
    client_for(moderator).post(f"/community/threads/{thread.pk}/moderate/", {"action": action})
    thread.refresh_from_db()
    assert {"pin": thread.is_pinned, "lock": thread.is_locked, "hide": thread.status == "hidden"}[
        action
    ]


def test_moderator_moves_a_thread_into_a_theme(moderator, general):
    thread = ThreadFactory(category=general)
    theme = ThemeFactory()
    category = services.category_ensure(theme=theme)
    client_for(moderator).post(
        f"/community/threads/{thread.pk}/moderate/", {"action": "move", "category": category.slug}
    )
    thread.refresh_from_db()
    assert thread.category == category and thread.theme == theme
    response = client_for(moderator).post(
        f"/community/threads/{thread.pk}/moderate/", {"action": "move", "category": "nope"}
    )
    assert response.status_code == 302
    thread.refresh_from_db()
    assert thread.category == category


def test_hidden_thread_is_gone_for_members_but_not_moderators(member_client, moderator):
    thread = ThreadFactory(status="hidden")
    assert member_client.get(thread.get_absolute_url()).status_code == 404
    assert Client().get(f"/api/v1/threads/{thread.pk}/").status_code == 404
    assert client_for(moderator).get(thread.get_absolute_url()).status_code == 200


# --- Flags and the moderation queue -----------------------------------------------------


def test_flag_goes_to_the_queue_and_moderator_hides(member_client, member, moderator):
    post = PostFactory(body="Buy cheap watches")
    response = member_client.post(f"/community/posts/{post.pk}/flag/", {"reason": "Spam"})
    assert response.status_code == 302
    flag = Flag.objects.get()
    # Twice is refused, and so is an empty reason.
    assert (
        member_client.post(f"/community/posts/{post.pk}/flag/", {"reason": "Spam"}).status_code
        == 200
    )
    assert Flag.objects.count() == 1
    assert member_client.get("/community/moderation/").status_code == 403
    queue = client_for(moderator).get("/community/moderation/")
    assert "Buy cheap watches" in queue.text and "Spam" in queue.text
    assert (
        member_client.post(
            f"/community/moderation/flags/{flag.pk}/", {"action": "hide"}
        ).status_code
        == 403
    )
    client_for(moderator).post(f"/community/moderation/flags/{flag.pk}/", {"action": "hide"})
    post.refresh_from_db()
    flag.refresh_from_db()
    assert post.status == "hidden" and flag.resolution == "hidden"
    assert "Buy cheap watches" not in member_client.get(post.thread.get_absolute_url()).text
    assert member_client.get(f"/community/posts/{post.pk}/").status_code == 404


def test_cannot_flag_own_post(member):
    post = PostFactory(author=member)
    with pytest.raises(ValidationError):
        services.post_flag(post=post, reporter=member, reason="x")


def test_flag_dismissed(member, moderator):
    post = PostFactory()
    flag = services.post_flag(post=post, reporter=member, reason="Rude")
    client_for(moderator).post(f"/community/moderation/flags/{flag.pk}/", {"action": "dismiss"})
    flag.refresh_from_db()
    post.refresh_from_db()
    assert flag.resolution == "dismissed" and post.status == "published"


# --- First posts wait for approval ------------------------------------------------------


def test_new_members_first_posts_wait_for_approval(settings, member, moderator, general):
    settings.COMMUNITY_APPROVAL_FIRST_POSTS = 2
    owner = client_for(member)
    owner.post(
        "/community/forums/general/new/", {"title": "My first question", "body": "Hello all"}
    )
    thread = Thread.objects.get()
    assert thread.status == "pending"
    # The author sees it, marked pending; others and the public don't.
    page = owner.get(thread.get_absolute_url())
    assert "Pending approval" in page.text and "Hello all" in page.text
    other = client_for(UserFactory())
    assert other.get(thread.get_absolute_url()).status_code == 404
    assert "My first question" not in other.get("/community/forums/general/").text
    assert "My first question" not in Client().get("/").text
    assert Client().get("/api/v1/threads/").json()["count"] == 0
    # Moderators see it in the queue with its age.
    queue = client_for(moderator).get("/community/moderation/")
    assert "My first question" in queue.text and "1 post waiting for approval" in queue.text
    assert "minute" in queue.text
    opening = thread.posts.get()
    client_for(moderator).post(f"/community/posts/{opening.pk}/moderate/", {"action": "approve"})
    thread.refresh_from_db()
    assert thread.status == "published"
    assert other.get(thread.get_absolute_url()).status_code == 200

    # The second post still waits; once two are approved, the third is published at once.
    second = services.post_reply(thread=thread, author=member, body="Anyone?")
    assert second.status == "pending"
    assert "Anyone?" not in other.get(thread.get_absolute_url()).text
    services.post_approve(post=second, moderator=moderator)
    third = services.post_reply(thread=thread, author=member, body="Thanks")
    assert third.status == "published"


def test_non_moderator_cannot_approve(member, settings):
    settings.COMMUNITY_APPROVAL_FIRST_POSTS = 2
    thread = ThreadFactory()
    pending = services.post_reply(thread=thread, author=UserFactory(), body="wait")
    response = client_for(member).post(
        f"/community/posts/{pending.pk}/moderate/", {"action": "approve"}
    )
    assert response.status_code == 404  # the member cannot even see it
    pending.refresh_from_db()
    assert pending.status == "pending"


# --- Rate limits ------------------------------------------------------------------------


def test_posting_faster_than_the_minute_limit_is_refused(member_client, settings, trusted):
    settings.COMMUNITY_POST_RATE_PER_MINUTE = 2
    thread = ThreadFactory()
    for _ in range(2):
        assert (
            member_client.post(f"/community/threads/{thread.pk}/reply/", {"body": "x"}).status_code
            == 302
        )
    response = member_client.post(f"/community/threads/{thread.pk}/reply/", {"body": "third"})
    assert response.status_code == 429
    assert "You are posting too quickly" in response.text
    assert Post.objects.filter(body="third").count() == 0
    response = member_client.post("/community/forums/general/new/", {"title": "t", "body": "b"})
    assert response.status_code == 429
    assert Thread.objects.count() == 1


def test_rate_limit_message_is_translated(member_client, settings, trusted):
    settings.COMMUNITY_POST_RATE_PER_MINUTE = 1
    thread = ThreadFactory()
    member_client.post(f"/community/threads/{thread.pk}/reply/", {"body": "x"})
    response = member_client.post(
        f"/community/threads/{thread.pk}/reply/", {"body": "y"}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 429
    assert response.text.count('role="alert"') >= 1


def test_daily_limit(member, settings, trusted):
    settings.COMMUNITY_POST_RATE_PER_MINUTE = 100
    settings.COMMUNITY_POST_RATE_PER_DAY = 3
    thread = ThreadFactory()
    for minute in range(3):
        services.post_reply(
            thread=thread, author=member, body="x", now=datetime(2026, 1, 1, 10, minute, tzinfo=UTC)
        )
    with pytest.raises(services.PostingRateLimited) as error:
        services.post_reply(
            thread=thread, author=member, body="x", now=datetime(2026, 1, 1, 18, 0, tzinfo=UTC)
        )
    assert "today's limit" in error.value.message
    # Tomorrow is another day.
    services.post_reply(
        thread=thread, author=member, body="x", now=datetime(2026, 1, 2, 9, 0, tzinfo=UTC)
    )


def test_api_rate_limit_returns_429(member, settings, trusted):
    from rest_framework.test import APIClient

    settings.COMMUNITY_POST_RATE_PER_MINUTE = 1
    thread = ThreadFactory()
    api = APIClient()
    api.force_authenticate(member)
    assert api.post(f"/api/v1/threads/{thread.pk}/reply/", {"body": "a"}).status_code == 201
    response = api.post(f"/api/v1/threads/{thread.pk}/reply/", {"body": "b"})
    assert response.status_code == 429
    assert "posting too quickly" in response.json()["detail"]
    assert 0 < int(response["Retry-After"]) <= 60
    assert not Post.objects.filter(body="b").exists()


# --- Pagination and stable links ---------------------------------------------------------


def test_long_thread_paginates_with_stable_post_links(client, settings, db):
    settings.COMMUNITY_POSTS_PER_PAGE = 20
    thread = ThreadFactory()
    author = quick_users(1)[0]
    posts = [PostFactory(thread=thread, author=author) for _ in range(45)]
    target = posts[30]  # 32nd post with the opening one → page 2
    response = client.get(f"/community/posts/{target.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"{thread.get_absolute_url()}?page=2#post-{target.pk}"
    page3 = client.get(thread.get_absolute_url() + "?page=3")
    assert f'id="post-{posts[-1].pk}"' in page3.text
    assert "Page 3 of 3" in page3.text
    # A wrong slug or none redirects to the canonical address.
    wrong = client.get(f"/community/threads/{thread.pk}-wrong/?page=2")
    assert wrong.status_code == 301
    assert wrong["Location"] == thread.get_absolute_url() + "?page=2"
    assert client.get(f"/community/threads/{thread.pk}/").status_code == 301
    assert client.get("/community/posts/999999/").status_code == 404


def quick_users(count: int) -> list:
    """Members without a password hash (hashing is what makes factories slow)."""
    from accounts.models import User

    start = User.objects.count()
    return User.objects.bulk_create(
        [
            User(email=f"quick{start + i}@example.org", name=f"Quick {start + i}")
            for i in range(count)
        ]
    )


def _make_posts(thread, count, *, distinct_authors=True):
    authors = quick_users(count) if distinct_authors else [thread.author]
    Post.objects.bulk_create(
        [
            Post(
                thread=thread,
                author=authors[i % len(authors)],
                body=f"reply {i}",
                status="published",
            )
            for i in range(count)
        ]
    )
    for user in set(authors):
        services.profile_for(user)


def test_thread_page_queries_do_not_grow(client, member, django_assert_num_queries):
    small = ThreadFactory()
    _make_posts(small, 3)
    large = ThreadFactory()
    _make_posts(large, 60)
    client.force_login(member)
    client.get(small.get_absolute_url())  # warm up sessions and the like
    few = count_queries(lambda: client.get(small.get_absolute_url()))
    with django_assert_num_queries(few):
        client.get(large.get_absolute_url() + "?page=2")


def test_thousand_replies_paginate_in_constant_queries(client, db, django_assert_max_num_queries):
    thread = ThreadFactory()
    _make_posts(thread, 1000, distinct_authors=False)
    thread.reply_count = 1000
    thread.save()
    response = client.get(thread.get_absolute_url() + "?page=50")
    assert response.status_code == 200
    assert "Page 50 of 51" in response.text
    with django_assert_max_num_queries(8):
        client.get(thread.get_absolute_url() + "?page=51")


def test_forum_page_queries_do_not_grow(client, general, django_assert_num_queries):
    ThreadFactory(category=general)
    client.get("/community/forums/general/")
    few = count_queries(lambda: client.get("/community/forums/general/"))
    for _ in range(25):
        ThreadFactory(category=general, author=quick_users(1)[0])
    with django_assert_num_queries(few):
        client.get("/community/forums/general/")


@pytest.mark.parametrize(
    "url", ["/community/", "/api/v1/threads/", "/api/v1/forums/", "/api/v1/chapters/", "/"]
)
def test_lists_queries_do_not_grow(client, general, url, django_assert_num_queries):
    ThreadFactory(category=general, author=quick_users(1)[0])
    ChapterFactory().members.add(*quick_users(1))
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for _ in range(12):
        ThreadFactory(category=general, author=quick_users(1)[0])
        ChapterFactory().members.add(*quick_users(1))
    with django_assert_num_queries(few):
        client.get(url)


def test_api_posts_queries_do_not_grow(client, db, django_assert_num_queries):
    thread = ThreadFactory()
    _make_posts(thread, 2)
    url = f"/api/v1/threads/{thread.pk}/posts/"
    client.get(url)
    few = count_queries(lambda: client.get(url))
    _make_posts(thread, 30)
    with django_assert_num_queries(few):
        client.get(url)


# --- API ------------------------------------------------------------------------------


def test_api_lists_only_what_the_viewer_may_see(member, moderator):
    from rest_framework.test import APIClient

    visible = ThreadFactory(title="Visible")
    ThreadFactory(title="Hidden", status="hidden")
    ThreadFactory(title="Pending", status="pending")
    PostFactory(thread=visible, status="hidden", body="secret hidden")
    PostFactory(thread=visible, status="pending", body="secret pending")
    api = APIClient()
    titles = [t["title"] for t in api.get("/api/v1/threads/").json()["results"]]
    assert titles == ["Visible"]
    posts = api.get(f"/api/v1/threads/{visible.pk}/posts/").json()["results"]
    assert [p["body"] for p in posts] == ["Opening post."]
    api.force_authenticate(moderator)
    assert api.get("/api/v1/threads/").json()["count"] == 3


def test_api_create_thread_and_reply(member, general, trusted):
    from rest_framework.test import APIClient

    api = APIClient()
    response = api.post("/api/v1/threads/", {"forum": "general", "title": "API", "body": "x"})
    assert response.status_code == 401
    api.force_authenticate(member)
    response = api.post("/api/v1/threads/", {"forum": "general", "title": "API", "body": "**x**"})
    assert response.status_code == 201, response.json()
    thread_id = response.json()["id"]
    response = api.post(f"/api/v1/threads/{thread_id}/reply/", {"body": "<script>x</script>"})
    assert response.status_code == 201
    assert "<script>" not in response.json()["body_html"]
    # Bad input.
    assert (
        api.post("/api/v1/threads/", {"forum": "nope", "title": "t", "body": "b"}).status_code
        == 400
    )
    assert (
        api.post("/api/v1/threads/", {"forum": "general", "title": "", "body": "b"}).status_code
        == 400
    )
    assert api.post(f"/api/v1/threads/{thread_id}/reply/", {"body": ""}).status_code == 400
    assert api.post("/api/v1/threads/999999/reply/", {"body": "b"}).status_code == 404
    assert Thread.objects.count() == 1 and Post.objects.count() == 2


def test_api_unverified_member_refused(unverified_member, general):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(unverified_member)
    response = api.post("/api/v1/threads/", {"forum": "general", "title": "t", "body": "b"})
    assert response.status_code == 403
    thread = ThreadFactory()
    assert api.post(f"/api/v1/threads/{thread.pk}/reply/", {"body": "b"}).status_code == 403
    assert Thread.objects.count() == 1 and Post.objects.count() == 1


def test_api_themes_chapters_forums(client, db):
    ThemeFactory(month="2013-06", title="Learning from Failure")
    chapter = ChapterFactory(slug="africa", name="Africa")
    chapter.members.add(UserFactory())
    assert client.get("/api/v1/themes/2013-06/").json()["title"] == "Learning from Failure"
    assert client.get("/api/v1/chapters/africa/").json()["member_count"] == 1
    forums = client.get("/api/v1/forums/").json()["results"]
    assert "general" in [f["slug"] for f in forums]


# --- Themes, chapters, labs, blog ---------------------------------------------------------


def test_theme_page_gathers_discussions_and_blog_posts(client, db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    response = client.get("/community/themes/2013-06/")
    assert response.status_code == 200
    assert "Learning from Failure" in response.text
    assert "What did your last failed exchange teach you?" in response.text
    assert "Why admitting failure helps an exchange" in response.text
    assert client.get("/community/themes/2099-13/").status_code == 404
    assert client.get("/community/themes/june/").status_code == 404


def test_demo_is_idempotent_and_marks_samples(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    counts = (
        Theme.objects.count(),
        Thread.objects.count(),
        Post.objects.count(),
        BlogPost.objects.count(),
    )
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert counts == (
        Theme.objects.count(),
        Thread.objects.count(),
        Post.objects.count(),
        BlogPost.objects.count(),
    )
    assert set(Theme.objects.filter(is_sample=False).values_list("month", flat=True)) == {
        "2013-04",
        "2013-05",
        "2013-06",
        "2013-09",
    }
    assert not Thread.objects.filter(is_sample=False).exists()
    assert Chapter.objects.get(slug="asia-pacific").partner.startswith("Asian Development Bank")
    assert Theme.objects.current() is not None


def test_home_shows_current_theme_and_discussions(client, db):
    now = datetime.now(UTC)
    theme = ThemeFactory(month=now.strftime("%Y-%m"), title="This Month Theme")
    ThreadFactory(title="A lively discussion")
    response = client.get("/")
    assert "This Month Theme" in response.text and theme.get_absolute_url() in response.text
    assert "A lively discussion" in response.text


def test_theme_validation_and_cover(db):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError):
        Theme(month="2013-13", title="x").full_clean()
    theme = Theme(month="2013-07", title="x", cover=SimpleUploadedFile("x.png", b"<svg/>"))
    with pytest.raises(ValidationError) as error:
        theme.full_clean()
    assert "cover" in error.value.message_dict


def test_chapter_page_shows_members_discussions_and_meeting_slots(client, member):
    chapter = ChapterFactory(name="Asia-Pacific", time_zone="Asia/Manila", meeting_hour=15)
    chapter.members.add(member)
    category = services.category_ensure(chapter=chapter)
    ThreadFactory(category=category, title="Kick-off call")
    response = client.get(chapter.get_absolute_url())
    assert member.display_name in response.text
    assert "Kick-off call" in response.text
    assert "Asia/Manila" in response.text


def test_meeting_slots_in_both_zones(db):
    import zoneinfo

    chapter = ChapterFactory(time_zone="Asia/Manila", meeting_weekday=2, meeting_hour=15)
    now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # a Monday
    slots = meeting_slots(chapter, now=now, viewer_zone=zoneinfo.ZoneInfo("America/Bogota"))
    assert len(slots) == 3
    first = slots[0]
    assert first["chapter"].strftime("%A %H:%M") == "Wednesday 15:00"
    assert first["utc"] == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert first["viewer"].strftime("%Y-%m-%d %H:%M") == "2026-12-02 02:00"


def test_join_and_leave_a_chapter(member_client, member, unverified_member):
    chapter = ChapterFactory()
    member_client.post(f"/community/chapters/{chapter.slug}/membership/", {"action": "join"})
    assert chapter.members.filter(pk=member.pk).exists()
    member_client.post(f"/community/chapters/{chapter.slug}/membership/", {"action": "leave"})
    assert not chapter.members.exists()
    assert member_client.get(f"/community/chapters/{chapter.slug}/membership/").status_code == 405
    response = client_for(unverified_member).post(f"/community/chapters/{chapter.slug}/membership/")
    assert response.status_code == 403 and not chapter.members.exists()


def test_coordinator_moderates_their_chapter_forum_only(general):
    chapter = ChapterFactory()
    coordinator = UserFactory()
    chapter.coordinators.add(coordinator)
    own = ThreadFactory(category=services.category_ensure(chapter=chapter))
    elsewhere = ThreadFactory(category=general)
    services.thread_moderate(thread=own, moderator=coordinator, action="pin")
    with pytest.raises(PermissionDenied):
        services.thread_moderate(thread=elsewhere, moderator=coordinator, action="pin")


def test_endorse_an_emerging_solution(member_client, member, client):
    solution = EmergingSolutionFactory()
    url = f"/community/solutions/{solution.pk}/endorse/"
    assert member_client.post(url, {"justification": ""}).status_code == 400
    assert (
        member_client.post(url, {"justification": "It worked for us in Peru."}).status_code == 302
    )
    assert member_client.post(url, {"justification": "again"}).status_code == 400
    assert Endorsement.objects.count() == 1
    page = client.get(solution.lab.get_absolute_url())
    assert "Endorsed by 1 member" in page.text and "It worked for us in Peru." in page.text
    assert Client().post(url, {"justification": "anon"}).status_code == 302
    assert Endorsement.objects.count() == 1


def test_expert_author_writes_a_blog_post_with_comments_and_feed(author, member, client, trusted):
    assert client_for(member).get("/community/blog/new/").status_code == 403
    theme = ThemeFactory(month="2013-06", title="Learning from Failure")
    response = client_for(author).post(
        "/community/blog/new/",
        {
            "title": "Failing well",
            "body": "Say *what* failed.",
            "theme": "2013-06",
            "tags": "Failure, learning",
        },
    )
    post = BlogPost.objects.get()
    assert response.status_code == 302 and post.tags == ["failure", "learning"]
    assert post.theme == theme and post.thread is not None
    services.post_reply(thread=post.thread, author=member, body="Great comment")
    page = client.get(post.get_absolute_url())
    assert "<em>what</em>" in page.text and "Great comment" in page.text
    assert "Failing well" in client.get("/community/blog/?tag=failure").text
    assert "Failing well" not in client.get("/community/blog/?tag=other").text
    assert "Failing well" in client.get(theme.get_absolute_url()).text
    feed = client.get("/feeds/blog/")
    assert feed["Content-Type"].startswith("application/atom+xml")
    assert "<title>Failing well</title>" in feed.text
    # Blog comment threads do not crowd the forums' latest discussions.
    assert (
        "Failing well"
        not in client.get("/community/")
        .text.split("Latest discussions")[1]
        .split("From the expert blog")[0]
    )


def test_blog_post_bad_input(author):
    response = client_for(author).post("/community/blog/new/", {"title": "", "body": ""})
    assert response.status_code == 200 and not BlogPost.objects.exists()
    response = client_for(author).post(
        "/community/blog/new/", {"title": "t", "body": "b", "theme": "1999-01"}
    )
    assert response.status_code == 200 and not BlogPost.objects.exists()


# --- Members ------------------------------------------------------------------------------


def test_member_page_and_export(member_client, member, trusted):
    thread = ThreadFactory()
    services.post_reply(thread=thread, author=member, body="My reply")
    profile = member.community_profile
    response = Client().get(profile.get_absolute_url())
    assert member.display_name in response.text and thread.title in response.text
    assert member_client.get("/community/members/me/")["Location"] == profile.get_absolute_url()
    export = member_client.get("/community/members/me/export.json")
    data = json.loads(export.content)
    assert export["Content-Disposition"].startswith("attachment")
    assert data["posts"][0]["body"] == "My reply"
    assert Client().get("/community/members/me/export.json").status_code == 302


# --- Every page renders ---------------------------------------------------------------


def test_every_community_page_renders(client, member, moderator, db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    thread = Thread.objects.exclude(category__kind="blog").first()
    post = thread.posts.first()
    urls = [
        "/community/",
        "/community/themes/",
        "/community/themes/2013-04/",
        "/community/forums/",
        "/community/forums/general/",
        thread.get_absolute_url(),
        f"/community/posts/{post.pk}/history/",
        "/community/blog/",
        f"/community/blog/{BlogPost.objects.first().slug}/",
        "/community/chapters/",
        "/community/chapters/asia-pacific/",
        "/community/labs/",
        "/community/labs/bnpb-indonesia/",
        "/community/members/sample-member/",
        "/feeds/blog/",
    ]
    for viewer in (None, member, moderator):
        browser = client_for(viewer) if viewer else Client()
        for url in urls:
            assert browser.get(url).status_code == 200, url
    assert client_for(moderator).get("/community/moderation/").status_code == 200
    assert client_for(member).get(f"/community/threads/{thread.pk}/reply/").status_code == 200
    assert client_for(member).get(f"/community/posts/{post.pk}/flag/").status_code == 200
    assert Client().get("/community/moderation/").status_code == 302


def test_forum_for_each_kind(db):
    theme = ThemeFactory()
    chapter = ChapterFactory()
    from .factories_community import LivingLabFactory

    lab = LivingLabFactory()
    assert services.category_ensure(theme=theme).kind == "theme"
    assert services.category_ensure(chapter=chapter).kind == "chapter"
    assert services.category_ensure(lab=lab).kind == "lab"
    assert services.category_ensure(lab=lab) == Category.objects.get(lab=lab)
    assert CategoryFactory().kind == "general"


def test_admin_pages_for_every_community_model(client, staff_member, moderator):
    from django.apps import apps

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    pending = PostFactory(status="pending")
    services.post_flag(post=pending, reporter=moderator, reason="Check")
    client.force_login(staff_member)
    for model in apps.get_app_config("community").get_models():
        name = model._meta.model_name
        assert client.get(f"/admin/community/{name}/").status_code == 200, name
        assert client.get(f"/admin/community/{name}/add/").status_code == 200, name
        first = model.objects.first()
        if first is not None:
            assert client.get(f"/admin/community/{name}/{first.pk}/change/").status_code == 200
    response = client.post(
        "/admin/community/post/",
        {"action": "approve_posts", "_selected_action": [pending.pk]},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "published"


def test_other_apps_add_sections_to_theme_and_chapter_pages(client, monkeypatch, db):
    from types import SimpleNamespace

    from community import hooks

    item = SimpleNamespace(title="Failing forward webinar", get_absolute_url=lambda: "/webinars/x/")
    monkeypatch.setattr(hooks, "theme_sections", [])
    monkeypatch.setattr(hooks, "chapter_sections", [])
    hooks.register_theme_section(lambda theme, user: {"title": "Webinars", "items": [item]})
    hooks.register_chapter_section(lambda chapter, user: None)
    theme = ThemeFactory()
    response = client.get(theme.get_absolute_url())
    assert "Webinars" in response.text and 'href="/webinars/x/"' in response.text
    chapter = ChapterFactory()
    assert "data-section" not in client.get(chapter.get_absolute_url()).text


def test_followers_hear_about_new_replies_once_and_not_the_author(member, trusted):
    from notifications.models import Notification

    thread = ThreadFactory()
    follower = UserFactory(name="Fola Follower")
    services.profile_for(follower)
    Subscription.objects.create(member=follower, thread=thread)
    Subscription.objects.create(member=member, thread=thread)
    mentioned = UserFactory(name="Mina Mentioned")
    Subscription.objects.create(member=mentioned, category=thread.category)
    handle = services.profile_for(mentioned).handle
    services.post_reply(thread=thread, author=member, body=f"Good point, @{handle}.")
    replies = Notification.objects.filter(kind="community.reply")
    assert list(replies.values_list("recipient", flat=True)) == [follower.pk]  # not the author
    assert Notification.objects.get(kind="community.mention").recipient == mentioned  # told once
    assert replies.get().payload["thread"] == thread.title


def test_a_first_visit_shows_chapter_meetings_in_utc_until_the_browser_says_its_zone(client, db):
    chapter = ChapterFactory(time_zone="Asia/Manila", meeting_hour=15)
    html = client.get(chapter.get_absolute_url()).content.decode()
    assert 'data-local-label="Your time (ZONE)">UTC</th>' in html
    assert html.count(" data-local>") == 3 and "07:00" in html  # Manila 15:00 in UTC
    assert "Your time (UTC)" not in html

    client.cookies["portal_tz"] = "Asia/Tokyo"
    html = client.get(chapter.get_absolute_url()).content.decode()
    assert "Your time (Asia/Tokyo)" in html and "16:00" in html
    assert "data-local" not in html
