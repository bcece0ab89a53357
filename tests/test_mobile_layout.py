"""Every page of the URL configuration reflows on a phone: 320 and 375 CSS pixels wide.

The patterns come from the URL configuration (``url_patterns`` of the permission matrix),
filled with the demonstration data's objects, so a page added later is visited without
anyone touching this file; a pattern with a URL argument this file does not know fails the
test until someone says which object fills it (``KWARGS``). Each page is visited by every
role that has pages (anonymous, member, hub editor, curator who is also staff and a
moderator), one browser context per role. A page fails when the document scrolls sideways
or when any element is wider than the viewport (except inside an element that scrolls on
its own, such as a table's wrapper), when a button or form control is less than 44 px
tall, and on axe violations (WCAG 2.1 AA).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Error as PlaywrightError

from .accessibility import assert_accessible
from .browser import log_in
from .factories import UserFactory
from .factories_community import PostFactory, ThreadFactory
from .test_permission_matrix import url_patterns

pytestmark = [pytest.mark.browser]

WIDTHS = (320, 375)
HEIGHT = 812
# Pages that fail are photographed here; MOBILE_SCREENSHOTS_ALL=1 photographs every page.
SCREENSHOTS = Path(os.environ.get("MOBILE_SCREENSHOTS", "/tmp/mobile"))

# Patterns not visited, and why.
EXCLUDED = {
    "healthz": "a JSON health check, not a page",
    "user-file": "a download (a member's file)",
    "hubs:export-csv": "a download",
    "hubs:export-json": "a download",
    "hubs:proposal-review": "POST only",
    "hubs:assessment-submit": "POST only",
    "hubs:assessment-visibility": "POST only",
    "hubs:assessment-json": "a download",
    "hubs:assessment-csv": "a download",
    "hubs:roadmap-step": "POST only",
    "catalogue:export-csv": "a download",
    "catalogue:export-json": "a download",
    "catalogue:review-action": "POST only",
    "catalogue:download": "a download",
    "catalogue:add-replication": "POST only",
    "catalogue:submit": "POST only",
    "requests:close": "POST only",
    "requests:match-accept": "POST only",
    "requests:match-decline": "POST only",
    "exchanges:dashboard-csv": "a download",
    "exchanges:status": "POST only",
    "exchanges:replicate": "POST only",
    "community:forum-subscribe": "POST only",
    "community:thread-short": "a redirect to community:thread",
    "community:thread-subscribe": "POST only",
    "community:thread-moderate": "POST only",
    "community:post": "a redirect to the post in its thread",
    "community:post-answer": "POST only",
    "community:post-moderate": "POST only",
    "community:flag-resolve": "POST only",
    "community:chapter-membership": "POST only",
    "community:member-me": "a redirect to community:member",
    "community:member-export": "a download",
    "feed-blog": "an Atom feed",
    "feed-solutions": "an Atom feed",
    "feed-webinars": "an Atom feed",
    "accounts:regenerate-token": "POST only",
    "account_logout": "signs the role out",
    "account_confirm_email": "needs a real key",
    "account_reset_password_from_key": "needs a real key",
    "notifications:mark-read": "POST only",
    "notifications:mark-all-read": "POST only",
    "notifications:unsubscribe": "needs a real token",
    "api-schema": "the API's schema, a download",
    "api-docs": "the API's documentation, drawn by a third-party viewer",
    "api-not-found": "the API's JSON 404",
    "webinars:member-feed": "a calendar feed",
    "webinars:ics": "a calendar file",
    "webinars:registrants-csv": "a download",
    "webinars:register": "POST only",
    "webinars:cancel": "POST only",
}
EXCLUDED_PREFIXES = ("api/v1/",)  # the JSON API, not pages


def _first(model, **filters):
    return model.objects.filter(**filters).order_by("pk").first()


def _world():
    """The demonstration data, the roles, and the objects that fill URL arguments."""
    from catalogue.models import Solution, SolutionRevision
    from community.models import (
        BlogPost,
        Category,
        Chapter,
        EmergingSolution,
        Flag,
        LivingLab,
        MemberProfile,
        Post,
        Theme,
        Thread,
    )
    from exchanges.models import Exchange, KnowledgeRequest
    from hubs import assessment_services
    from hubs import services as hub_services
    from hubs.models import Hub
    from webinars.models import Webinar

    call_command("load_demo", verbosity=0)
    hub = Hub.objects.filter(is_published=True).order_by("pk").first()
    editor = UserFactory(name="Edna Editor")
    hub.editors.add(editor)
    staff = UserFactory(name="Clara Curator", is_staff=True)
    for name in ("Curators", "Moderators", "Reviewers"):
        staff.groups.add(Group.objects.get(name=name))
    member = UserFactory(name="Mia Member")
    assessment = assessment_services.assessment_start(hub=hub, user=editor)
    proposal = hub_services.hub_proposal_create(
        hub=hub, author=editor, data={"description": "A clearer description of the hub."}
    )
    # The moderation queue is empty in the demonstration data: give it a pending thread, a
    # pending reply and a flagged post, so that its table is measured.
    newcomer = UserFactory(name="Nora Newcomer")
    forum = _first(Category)
    pending = ThreadFactory(
        category=forum,
        author=newcomer,
        status="pending",
        title="A first question from a new member about milk banks",
    )
    PostFactory(thread=pending, author=newcomer, status="pending", body="Me too, please.")
    flagged = PostFactory(
        thread=_first(Thread, status="published"), author=newcomer, body="Words someone found rude."
    )
    Flag.objects.create(post=flagged, reporter=member, reason="This reads as an insult.")
    solution = _first(Solution, published__isnull=False) or _first(Solution)
    thread = _first(Thread, status="published")
    roles = {"anonymous": None, "member": member, "editor": editor, "staff": staff}
    kwargs = {
        "hubs": {"slug": hub.slug, "pk": proposal.pk},
        "hubs:assessment-take": {"slug": hub.slug, "pk": assessment.pk},
        "hubs:assessment-result": {"slug": hub.slug, "pk": assessment.pk},
        "catalogue": {"slug": solution.slug, "pk": getattr(_first(SolutionRevision), "pk", None)},
        "requests": {"slug": _first(KnowledgeRequest).slug},
        "exchanges": {"slug": _first(Exchange).slug},
        "webinars": {"slug": _first(Webinar).slug},
        "community:theme": {"month": _first(Theme).month},
        "community:forum": {"slug": _first(Category).slug},
        "community:thread-create": {"slug": _first(Category).slug},
        "community:thread": {"pk": thread.pk, "slug": thread.slug},
        "community:thread-reply": {"pk": thread.pk},
        "community": {"pk": getattr(_first(Post), "pk", None)},
        "community:chapter": {"slug": _first(Chapter).slug},
        "community:lab": {"slug": _first(LivingLab).slug},
        "community:endorse": {"pk": getattr(_first(EmergingSolution), "pk", None)},
        "community:blog-post": {"slug": getattr(_first(BlogPost), "slug", None)},
        "community:member": {"handle": _first(MemberProfile).handle},
    }
    return roles, kwargs


def _urls(kwargs_table) -> tuple[list[tuple[str, str]], list[str]]:
    """(name, path) of every page to visit; problems with patterns this file cannot fill."""
    urls, problems = [], []
    for pattern in url_patterns():
        if pattern.name in EXCLUDED or pattern.route.startswith(EXCLUDED_PREFIXES):
            continue
        namespace = pattern.name.split(":")[0]
        table = kwargs_table.get(pattern.name) or kwargs_table.get(namespace, {})
        missing = [k for k in pattern.kwargs if table.get(k) is None]
        if missing:
            problems.append(f"{pattern.name}: no object for {missing} (see KWARGS)")
            continue
        try:
            path = reverse(pattern.name, kwargs={k: table[k] for k in pattern.kwargs})
        except NoReverseMatch as exc:
            problems.append(f"{pattern.name}: {exc}")
            continue
        if (pattern.name, path) not in urls:
            urls.append((pattern.name, path))
    return urls, problems


# Elements wider than the viewport that are not inside an element that scrolls on its own.
MEASURE = """() => {
  const width = window.innerWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= 0) continue;  // moved off-screen on purpose (the skip link until focused)
    if ((r.right > width + 1 || r.left < -1) && !scrolls(el)) {
      const style = getComputedStyle(el);
      if (style.position === 'fixed' || style.visibility === 'hidden') continue;
      if (el.closest('.visually-hidden, .sr-only, [hidden]')) continue;
      wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
        ' ' + Math.round(r.left) + '..' + Math.round(r.right));
    }
  }
  // Touch targets: buttons and form controls at least 44 px tall.
  const small = [];
  const targets = 'button:not(.link-button), .button, select, textarea, ' +
    'input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file])';
  for (const el of document.querySelectorAll(targets)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || el.closest('.visually-hidden')) continue;
    if (r.height < 43.5) small.push(el.tagName.toLowerCase() + ' "' + (el.textContent || el.name || '').trim().slice(0, 30) + '" ' + Math.round(r.height) + 'px');
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 6), small: small.slice(0, 6)};
}"""


def _screenshot(page, role, name, width):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    slug = name.replace(":", "-")
    page.screenshot(path=str(SCREENSHOTS / f"{role}-{slug}-{width}.png"), full_page=True)


def _check(page, name, path, role, problems, axed):
    try:
        response = page.goto(page.base_url + path, wait_until="load")
    except PlaywrightError:
        return  # an error status with an empty body (e.g. 405 for a POST-only page)
    if response is None or response.status != 200:
        return  # refused or not found for this role: the permission matrix covers that
    if not page.url.startswith(page.base_url + path.split("?")[0]):
        return  # redirected (e.g. to sign in): the target page is visited on its own
    if "text/html" not in (response.headers.get("content-type") or ""):
        problems.append(f"{role} {name} {path}: not HTML; add it to EXCLUDED")
        return
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": HEIGHT})
        found = page.evaluate(MEASURE)
        if found["small"]:
            problems.append(
                f"{role} {name} {path} @{width}: touch targets under 44 px: {found['small']}"
            )
        if found["scrollWidth"] > found["width"] or found["wide"]:
            problems.append(
                f"{role} {name} {path} @{width}: scrollWidth {found['scrollWidth']}; "
                f"wider than the viewport: {found['wide']}"
            )
            _screenshot(page, role, name, width)
        elif os.environ.get("MOBILE_SCREENSHOTS_ALL"):
            _screenshot(page, role, name, width)
    if name in axed:
        return
    axed.add(name)
    try:
        assert_accessible(page)
    except AssertionError as exc:
        problems.append(f"{role} {name}: {exc}")


def test_every_page_reflows_at_phone_widths(browser, live_server):
    roles, kwargs_table = _world()
    urls, problems = _urls(kwargs_table)
    axed = set()  # axe runs once per pattern, for the first role that sees it (runtime)
    for role, user in roles.items():
        context = browser.new_context(
            locale="en-GB", timezone_id="UTC", viewport={"width": WIDTHS[-1], "height": HEIGHT}
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        page.base_url = live_server.url
        if user is not None:
            log_in(page, user.email)
        for name, path in urls:
            if role != "anonymous" and name.startswith("account_") and "login" in name:
                continue
            page.set_viewport_size({"width": WIDTHS[-1], "height": HEIGHT})
            _check(page, name, path, role, problems, axed)
        context.close()
    assert not problems, f"{len(problems)} problem(s) at phone widths:\n" + "\n".join(problems)
