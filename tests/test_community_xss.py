"""Stored XSS: a corpus of hostile Markdown as thread, reply, blog post and profile bio."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from community import services
from core.markdown import render_markdown

from .factories import UserFactory
from .factories_community import ThreadFactory
from .xss_payloads import PAYLOADS, html_problems


@pytest.fixture
def unlimited(settings):
    settings.COMMUNITY_APPROVAL_FIRST_POSTS = 0
    settings.COMMUNITY_POST_RATE_PER_MINUTE = 10_000
    settings.COMMUNITY_POST_RATE_PER_DAY = 10_000


def test_corpus_is_large_enough():
    assert len(PAYLOADS) >= 100
    assert html_problems('<a href="javascript:alert(1)" onclick="x">')  # the audit works


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_renders_payload_harmlessly(payload):
    html = render_markdown(payload)
    assert html_problems(html) == [], (payload, html)
    for link in html.split("<a ")[1:]:
        assert 'rel="nofollow ugc noopener"' in link.split(">")[0]


def test_threads_and_replies_render_payloads_harmlessly(db, unlimited):
    member = UserFactory()
    thread = ThreadFactory()
    client = Client()
    for payload in PAYLOADS:
        own = services.thread_create(
            category=thread.category, author=member, title=payload[:200], body=payload
        )
        services.post_reply(thread=thread, author=member, body=payload)
        response = client.get(own.get_absolute_url())
        assert response.status_code == 200
        assert html_problems(response.text, page=True) == [], payload
    pages = thread.posts.count() // 20 + 1
    for number in range(1, pages + 1):
        response = client.get(f"{thread.get_absolute_url()}?page={number}")
        assert html_problems(response.text, page=True) == []
    for number in range(1, len(PAYLOADS) // 20 + 2):
        response = client.get(f"{thread.category.get_absolute_url()}?page={number}")
        assert html_problems(response.text, page=True) == []
    assert html_problems(client.get("/community/").text, page=True) == []
    assert html_problems(client.get("/").text, page=True) == []


def test_blog_posts_and_bios_render_payloads_harmlessly(db, unlimited):
    author = UserFactory()
    author.groups.add(Group.objects.get(name="Expert authors"))
    client = Client()
    member = UserFactory(name="Bio Owner")
    profile = services.profile_for(member)
    for number, payload in enumerate(PAYLOADS):
        post = services.blogpost_create(
            author=author, title=f"Post {number}", body=payload, summary=payload[:500]
        )
        response = client.get(post.get_absolute_url())
        assert html_problems(response.text, page=True) == [], payload
        member.bio = payload[:1000]
        member.save(update_fields=["bio"])
        response = client.get(profile.get_absolute_url())
        assert html_problems(response.text, page=True) == [], payload
    assert html_problems(client.get("/community/blog/").text, page=True) == []
    feed = client.get("/feeds/blog/").text
    assert "<script" not in feed
