"""The forums in a real browser: start a thread, reply quoting and mentioning, flag, hide;
and hostile Markdown that must not run in Chromium."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from community import services
from community.models import Category, Flag, Mention, Post, Thread

from .accessibility import assert_accessible
from .factories import PASSWORD, UserFactory
from .factories_community import ThreadFactory
from .xss_payloads import PAYLOADS

pytestmark = [pytest.mark.browser]


@pytest.fixture
def no_waiting(settings):
    settings.COMMUNITY_APPROVAL_FIRST_POSTS = 0
    settings.COMMUNITY_POST_RATE_PER_MINUTE = 10_000
    settings.COMMUNITY_POST_RATE_PER_DAY = 10_000


def _log_in(page, email):
    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(page.base_url + "/")


def _log_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_thread_reply_quote_mention_flag_and_hide(page, no_waiting):
    alice = UserFactory(email="alice@example.org", name="Alice Andrade")
    bruno = UserFactory(email="bruno@example.org", name="Bruno Barros")
    moderator = UserFactory(email="mod@example.org", name="Mona Moderator")
    moderator.groups.add(Group.objects.get(name="Moderators"))

    # Alice starts a thread.
    _log_in(page, alice.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Community").click()
    assert_accessible(page)
    page.get_by_role("navigation", name="Community").get_by_role("link", name="Forums").click()
    assert_accessible(page)
    page.get_by_role("link", name="General discussion").click()
    assert_accessible(page)
    page.get_by_role("link", name="Start a thread").click()
    assert_accessible(page)
    page.get_by_label("Title").fill("How do you fund study tours?")
    page.get_by_label("Message").fill("We share costs **half and half**.")
    page.get_by_role("button", name="Post the thread").click()
    expect(page.get_by_role("heading", name="How do you fund study tours?")).to_be_visible()
    expect(page.locator(".prose strong", has_text="half and half")).to_be_visible()
    assert_accessible(page)
    thread = Thread.objects.get()
    _log_out(page)

    # Bruno quotes her and mentions her.
    _log_in(page, bruno.email)
    page.goto(page.base_url + thread.get_absolute_url())
    page.get_by_role("link", name="Quote").first.click()
    assert_accessible(page)
    reply = page.get_by_label("Your reply")
    expect(reply).to_have_value(
        "> **@alice-andrade** wrote:\n>\n> We share costs **half and half**.\n\n"
    )
    reply.press("End")
    reply.fill(reply.input_value() + "Thanks @alice-andrade, we do the same.")
    page.get_by_role("button", name="Post the reply").click()
    bruno_post = Post.objects.get(author=bruno)
    expect(page.locator(f"#post-{bruno_post.pk} blockquote")).to_contain_text("We share costs")
    expect(page.locator(f"#post-{bruno_post.pk}")).to_contain_text("we do the same")
    assert_accessible(page)
    assert Mention.objects.filter(post=bruno_post, member=alice).exists()
    _log_out(page)

    # Alice flags Bruno's reply.
    _log_in(page, alice.email)
    page.goto(page.base_url + thread.get_absolute_url())
    page.locator(f"#post-{bruno_post.pk}").get_by_role("link", name="Flag").click()
    assert_accessible(page)
    page.get_by_label("What is wrong with this post?").fill("Off topic advertising")
    page.get_by_role("button", name="Send to the moderators").click()
    expect(page.get_by_text("The moderators will look at this post")).to_be_visible()
    _log_out(page)

    # The moderator finds it in the queue and hides it.
    _log_in(page, moderator.email)
    page.goto(page.base_url + "/community/moderation/")
    expect(page.get_by_text("Off topic advertising")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Hide the post").click()
    expect(page.get_by_text("No open flags.")).to_be_visible()
    assert Flag.objects.get().resolution == "hidden"
    page.goto(page.base_url + thread.get_absolute_url())
    expect(page.locator(f"#post-{bruno_post.pk}")).to_contain_text("Hidden by a moderator")
    assert_accessible(page)
    _log_out(page)

    # Everyone else no longer sees it.
    page.goto(page.base_url + thread.get_absolute_url())
    expect(page.get_by_role("heading", name="How do you fund study tours?")).to_be_visible()
    expect(page.locator(f"#post-{bruno_post.pk}")).to_have_count(0)


def test_hostile_markdown_runs_nothing_in_chromium(page, no_waiting):
    member = UserFactory(name="Hostile Member", bio=PAYLOADS[3])
    author = UserFactory(name="Hostile Author")
    author.groups.add(Group.objects.get(name="Expert authors"))
    thread = ThreadFactory(category=Category.objects.get(slug="general"), title="Payloads")
    for payload in PAYLOADS:
        services.post_reply(thread=thread, author=member, body=payload)
    own = services.thread_create(
        category=thread.category, author=member, title=PAYLOADS[0], body="\n\n".join(PAYLOADS)
    )
    blog = services.blogpost_create(author=author, title="Hostile", body="\n\n".join(PAYLOADS))
    profile = services.profile_for(member)

    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    pages = [f"{thread.get_absolute_url()}?page={n}" for n in range(1, len(PAYLOADS) // 20 + 2)]
    pages += [own.get_absolute_url(), blog.get_absolute_url(), profile.get_absolute_url()]
    pages += ["/community/", "/community/forums/general/"]
    for url in pages:
        page.goto(page.base_url + url)
        page.wait_for_load_state("load")
        # Hover and click over member content to trigger any event handler that slipped through.
        for element in page.locator(".prose *").all()[:40]:
            element.hover(timeout=1000, force=True)
        assert page.evaluate("window.__xss") is None, url
        assert page.locator("script").count() == 1, url
        assert (
            page.locator("main iframe, main svg, main object, main embed, main style").count() == 0
        )
        assert page.locator("main [onerror], main [onclick], main [onload]").count() == 0
    assert dialogs == []


def test_a_tokyo_browser_sees_chapter_meetings_in_tokyo_time_on_its_first_visit(
    browser, live_server, db
):
    """Manila 15:00 is 16:00 in Tokyo; before the browser has said its zone, the server
    shows UTC (07:00), which the page's script turns into Tokyo time."""
    from .factories_community import ChapterFactory

    chapter = ChapterFactory(name="Asia-Pacific", time_zone="Asia/Manila", meeting_hour=15)
    context = browser.new_context(locale="fr-FR", timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(live_server.url + chapter.get_absolute_url())
        table = page.locator("table.data-table")
        expect(table.locator("th").nth(1)).to_have_text("Votre heure (Asia/Tokyo)")
        cells = table.locator("tbody tr td:nth-child(2)")
        assert cells.count() == 3
        assert all(text.endswith("16:00") for text in cells.all_inner_texts())
        assert_accessible(page)
    finally:
        context.close()
