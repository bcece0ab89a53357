"""Every URL pattern × every role: no server error, the expected refusals, no private content.

The patterns come from the URL configuration itself (``get_resolver()``, walked with its
namespaces), so a pattern added later is visited without anyone touching this file — and
the test fails until the author says which objects fill its URL (``URLS`` below) when
its kwargs are new. Each pattern is requested by every role with GET, with an empty POST
and, where it is cheap, with POSTs shaped like its forms. Every response must be below
500; a role outside a page's ``only`` must be refused (403/404/405, or sent to log in);
and no response may carry a private marker (a string planted in a private object) that
the role may not see.

The world (the demonstration data and the private objects) is built once for the module
inside a transaction rolled back at the end; each request runs in a savepoint rolled back
after it, so one request never changes what the next one sees.
"""

from __future__ import annotations

import collections
import dataclasses
import re
import traceback
import types
from collections.abc import Callable
from datetime import timedelta
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from .factories import UserFactory
from .factories_community import (
    CategoryFactory,
    ChapterFactory,
    EmergingSolutionFactory,
    LivingLabFactory,
    PostFactory,
    ThreadFactory,
)
from .factories_exchanges import ExchangeFactory, KnowledgeRequestFactory
from .factories_hubs import HubFactory
from .webinars_support import WebinarFactory

# --- Roles and private markers --------------------------------------------------------------

ROLES = [
    "anonymous",
    "unverified",
    "member",
    "editor_a",
    "editor_b",
    "reviewer",
    "moderator",
    "coordinator",
    "expert",
    "curator",
]

# Who, besides nobody, may see each planted string. A marker appearing in a response to
# any other role is a leak.
A_READERS = {"editor_a", "reviewer", "curator"}  # catalogue.permissions.can_see_revision
DRAFT_READERS = {"editor_a", "curator"}  # … of a revision not yet submitted
A_MANAGERS = {"editor_a", "curator"}  # hubs.permissions.can_manage_assessment
ANY_EDITOR_OR_CURATOR = {"editor_a", "editor_b", "curator"}  # exchanges.permissions
MARKERS = {
    "MXDRAFTREVISION": DRAFT_READERS,  # a draft solution revision of hub A
    "MXSUBMITTEDREVISION": A_READERS,  # a submitted, unpublished revision of hub A
    "MXFEEDBACKMESSAGE": A_READERS,  # a reviewer's message to the submitter
    "MXATTACHEDFILE": DRAFT_READERS,  # the content of a file of the draft revision
    "MXDRAFTASSESSMENT": A_MANAGERS,  # evidence in hub A's draft self-assessment
    "MXROADMAPSTEP": A_MANAGERS,  # hub A's road map
    "MXHUBPROPOSAL": A_MANAGERS,  # editor A's pending proposal for hub A
    "MXUNPUBLISHEDHUB": {"curator"},  # an unpublished hub with no editor among the roles
    "MXRESTRICTEDREQUEST": ANY_EDITOR_OR_CURATOR,  # a restricted knowledge request
    "MXMATCHNOTE": ANY_EDITOR_OR_CURATOR,  # the curator's note on its match
    "MXPRIVATEEXCHANGE": ANY_EDITOR_OR_CURATOR,  # an exchange that is not public
    "MXPENDINGTHREAD": {"moderator"},  # a new member's thread waiting for approval
    "MXPENDINGREPLY": {"moderator", "coordinator"},  # … and a reply, in the chapter's forum
    "MXHIDDENPOST": {"moderator"},  # a post hidden by a moderator
    "MXFLAGREASON": {"moderator"},  # why a member flagged a post
    "MXUNPUBLISHEDWEBINAR": {"coordinator"},  # organised by the coordinator, not published
    "MXJOINLINK": {"member"},  # the join link, for the confirmed registrant only
    "MXNOTIFICATION": {"member"},  # the member's own notification
}

# --- Which patterns are visited, and with which objects --------------------------------------

SKIPPED_PREFIXES = ("admin/", "i18n/", "static/", "media/", "^media/")


@dataclasses.dataclass(frozen=True)
class Visit:
    """One concrete URL of a pattern: its kwargs (values or callables on the world), an
    optional query string, who may use it (``only``: every other role is refused), and
    POST bodies shaped like its forms (an empty POST is always sent)."""

    kwargs: dict = dataclasses.field(default_factory=dict)
    only: frozenset[str] | None = None
    query: str = ""
    bodies: tuple[dict | Callable, ...] = ()


def only(*roles: str) -> frozenset[str]:
    unknown = set(roles) - set(ROLES)
    assert not unknown, f"unknown roles {unknown}"
    return frozenset(roles)


EDITOR_A = only("editor_a")
EDITORS = only("editor_a", "editor_b")
CURATOR = only("curator")
MODERATOR = only("moderator")
ORGANISER = only("coordinator")
NOBODY = only()

# Default kwargs per namespace: used by every pattern of that namespace that does not say
# otherwise. Only unambiguous names go here; ``pk`` always belongs to one pattern.
NAMESPACE_KWARGS = {
    "hubs": {"slug": lambda w: w.hub_a.slug},
    "catalogue": {"slug": lambda w: w.draft_solution.slug},
    "requests": {"slug": lambda w: w.private_request.slug},
    "exchanges": {"slug": lambda w: w.private_exchange.slug},
    "webinars": {"slug": lambda w: w.public_webinar.slug},
    "v1": {"format": "json"},
}

REVIEW_BODIES = (
    {"action": "expert"},
    {"action": "claim"},
    {"action": "editorial", "decision": "pass"},
    {"action": "decide", "decision": "vet"},
    {"action": "feedback", "message": "Could you add figures?"},
    {"action": "nonsense"},
)

# The table: URL name → its visits. A name missing here is visited once, with the namespace
# kwargs (an unknown kwarg fails the test) and the default rule only.
URLS: dict[str, list[Visit]] = {
    # Hubs
    "hubs:detail": [Visit(), Visit({"slug": lambda w: w.hub_c.slug}, only=CURATOR)],
    "hubs:history": [Visit({"slug": lambda w: w.hub_c.slug}, only=CURATOR)],
    "hubs:propose": [Visit(only=EDITOR_A)],
    "hubs:edit": [Visit(only=CURATOR)],
    "hubs:proposals": [Visit(only=CURATOR)],
    "hubs:proposal": [Visit({"pk": lambda w: w.proposal.pk}, only=A_MANAGERS)],
    "hubs:proposal-review": [
        Visit(
            {"pk": lambda w: w.proposal.pk},
            only=A_MANAGERS,
            bodies=(
                {"action": "approve"},
                {"action": "return", "review_comment": "Say more."},
                {"action": "withdraw"},
                {"action": "nonsense"},
            ),
        )
    ],
    "hubs:assessments": [Visit()],
    "hubs:assessment-start": [Visit(only=A_MANAGERS)],
    "hubs:assessment-take": [Visit({"pk": lambda w: w.assessment.pk}, only=A_MANAGERS)],
    "hubs:assessment-submit": [Visit({"pk": lambda w: w.assessment.pk}, only=A_MANAGERS)],
    "hubs:assessment-result": [Visit({"pk": lambda w: w.assessment.pk}, only=A_MANAGERS)],
    "hubs:assessment-visibility": [
        Visit({"pk": lambda w: w.assessment.pk}, only=A_MANAGERS, bodies=({"publish": "on"},))
    ],
    "hubs:assessment-json": [Visit({"pk": lambda w: w.assessment.pk}, only=A_MANAGERS)],
    "hubs:assessment-csv": [Visit({"pk": lambda w: w.assessment.pk}, only=A_MANAGERS)],
    "hubs:roadmap": [Visit(only=A_MANAGERS, bodies=({"title": "A step"},))],
    "hubs:roadmap-step": [
        Visit(
            {"step_pk": lambda w: w.roadmap_step.pk},
            only=A_MANAGERS,
            bodies=({"action": "up"}, {"action": "delete"}),
        )
    ],
    # Catalogue
    # Links always name the hub; another hub's editor gets 404 for it.
    "catalogue:create": [Visit(only=EDITOR_A, query="hub={hub_a}")],
    "catalogue:queue": [Visit(only=only("reviewer", "curator"))],
    "catalogue:review": [
        Visit({"pk": lambda w: w.draft_revision.pk}, only=frozenset(DRAFT_READERS)),
        Visit({"pk": lambda w: w.submitted_revision.pk}, only=A_READERS),
    ],
    "catalogue:review-action": [
        Visit({"pk": lambda w: w.submitted_revision.pk}, only=A_READERS, bodies=REVIEW_BODIES),
        Visit(
            {"pk": lambda w: w.draft_revision.pk},
            only=frozenset(DRAFT_READERS),
            bodies=REVIEW_BODIES,
        ),
    ],
    "catalogue:detail": [
        Visit(only=frozenset(DRAFT_READERS)),
        Visit({"slug": lambda w: w.submitted_revision.solution.slug}, only=A_READERS),
        Visit({"slug": lambda w: w.public_solution.slug}),
    ],
    "catalogue:edit": [Visit(only=EDITOR_A, bodies=({"basics-title": "Renamed"},))],
    "catalogue:submit": [Visit(only=EDITOR_A)],
    "catalogue:files": [Visit(only=EDITOR_A)],
    "catalogue:download": [Visit({"pk": lambda w: w.attachment.pk}, only=frozenset(DRAFT_READERS))],
    "catalogue:add-replication": [
        Visit(
            {"slug": lambda w: w.public_solution.slug},
            only=A_MANAGERS,
            bodies=({"adopter": "Ministry", "country": "MZ", "result": "Fewer deaths"},),
        )
    ],
    # Knowledge requests
    "requests:detail": [
        Visit(only=ANY_EDITOR_OR_CURATOR),
        Visit({"slug": lambda w: w.public_request.slug}),
    ],
    "requests:for-my-hub": [Visit(only=EDITORS)],
    "requests:edit": [Visit(only=NOBODY)],
    "requests:close": [Visit(only=CURATOR)],
    "requests:offer": [Visit(only=EDITORS, bodies=({"hub": "{hub_a_pk}", "message": "We can"},))],
    "requests:broker": [Visit(only=CURATOR)],
    "requests:match-accept": [Visit({"pk": lambda w: w.match.pk}, only=NOBODY)],
    "requests:match-decline": [Visit({"pk": lambda w: w.match.pk}, only=NOBODY)],
    # Exchanges
    "exchanges:new": [Visit(only=only("editor_a", "editor_b", "curator"))],
    "exchanges:detail": [Visit(only=ANY_EDITOR_OR_CURATOR)],
    "exchanges:edit": [Visit(only=A_MANAGERS)],
    "exchanges:status": [Visit(only=A_MANAGERS, bodies=({"status": "under_way"},))],
    "exchanges:report": [Visit(only=EDITOR_A, bodies=({"side": "provider"},))],
    "exchanges:rate": [Visit(only=NOBODY, bodies=({"usefulness": "5"},))],
    "exchanges:replicate": [Visit(only=A_MANAGERS, bodies=({"solution": "{public_solution}"},))],
    # Community
    "community:theme": [Visit({"month": lambda w: w.theme.month})],
    "community:forum": [
        Visit({"slug": lambda w: w.general_forum.slug}),
        Visit({"slug": lambda w: w.chapter_forum.slug}),
    ],
    "community:thread-create": [Visit({"slug": lambda w: w.general_forum.slug})],
    "community:forum-subscribe": [Visit({"slug": lambda w: w.general_forum.slug})],
    "community:thread-short": [
        Visit({"pk": lambda w: w.pending_thread.pk}, only=MODERATOR),
        Visit({"pk": lambda w: w.chapter_thread.pk}),
    ],
    "community:thread": [
        Visit(
            {"pk": lambda w: w.pending_thread.pk, "slug": lambda w: w.pending_thread.slug},
            only=MODERATOR,
        ),
        Visit({"pk": lambda w: w.chapter_thread.pk, "slug": lambda w: w.chapter_thread.slug}),
        Visit({"pk": lambda w: w.flagged_thread.pk, "slug": lambda w: w.flagged_thread.slug}),
    ],
    "community:thread-reply": [
        Visit({"pk": lambda w: w.pending_thread.pk}, only=MODERATOR, bodies=({"body": "Me too"},)),
        Visit({"pk": lambda w: w.chapter_thread.pk}),
    ],
    "community:thread-subscribe": [Visit({"pk": lambda w: w.pending_thread.pk}, only=MODERATOR)],
    "community:thread-moderate": [
        Visit(
            {"pk": lambda w: w.pending_thread.pk},
            only=MODERATOR,
            bodies=({"action": "lock"}, {"action": "move", "category": "{chapter_forum}"}),
        ),
        Visit(
            {"pk": lambda w: w.chapter_thread.pk},
            only=only("moderator", "coordinator"),
            bodies=({"action": "pin"},),
        ),
    ],
    "community:post": [
        Visit({"pk": lambda w: w.pending_reply.pk}, only=only("moderator", "coordinator")),
        Visit({"pk": lambda w: w.hidden_post.pk}, only=MODERATOR),
        Visit({"pk": lambda w: w.flagged_post.pk}),
    ],
    "community:post-edit": [
        Visit({"pk": lambda w: w.pending_reply.pk}, only=only("moderator", "coordinator")),
        Visit({"pk": lambda w: w.hidden_post.pk}, only=MODERATOR, bodies=({"body": "Edited"},)),
    ],
    "community:post-history": [
        Visit({"pk": lambda w: w.hidden_post.pk}, only=MODERATOR),
        Visit({"pk": lambda w: w.flagged_post.pk}),
    ],
    "community:post-flag": [
        Visit({"pk": lambda w: w.hidden_post.pk}, only=MODERATOR, bodies=({"reason": "Spam"},)),
        Visit({"pk": lambda w: w.flagged_post.pk}),
    ],
    "community:post-answer": [Visit({"pk": lambda w: w.pending_reply.pk}, only=NOBODY)],
    "community:post-moderate": [
        Visit(
            {"pk": lambda w: w.pending_reply.pk},
            only=only("moderator", "coordinator"),
            bodies=({"action": "approve"}, {"action": "hide"}),
        ),
        Visit({"pk": lambda w: w.hidden_post.pk}, only=MODERATOR, bodies=({"action": "unhide"},)),
    ],
    "community:moderation": [Visit(only=MODERATOR)],
    "community:flag-resolve": [
        Visit({"pk": lambda w: w.flag.pk}, only=MODERATOR, bodies=({"action": "hide"},))
    ],
    "community:chapter": [Visit({"slug": lambda w: w.chapter.slug})],
    "community:chapter-membership": [Visit({"slug": lambda w: w.chapter.slug})],
    "community:lab": [Visit({"slug": lambda w: w.lab.slug})],
    "community:endorse": [
        Visit({"pk": lambda w: w.emerging.pk}, bodies=({"justification": "It works"},))
    ],
    "community:blog-create": [Visit(only=only("expert"))],
    "community:blog-post": [Visit({"slug": lambda w: w.blog_post_slug})],
    "community:member": [Visit({"handle": lambda w: w.owner_handle})],
    # Webinars
    "webinars:detail": [Visit(), Visit({"slug": lambda w: w.hidden_webinar.slug}, only=ORGANISER)],
    "webinars:ics": [Visit(), Visit({"slug": lambda w: w.hidden_webinar.slug}, only=ORGANISER)],
    "webinars:register": [Visit({"slug": lambda w: w.hidden_webinar.slug}, only=ORGANISER)],
    "webinars:cancel": [Visit({"slug": lambda w: w.hidden_webinar.slug}, only=ORGANISER)],
    "webinars:feedback": [Visit(only=NOBODY)],
    "webinars:registrants": [Visit(only=ORGANISER)],
    "webinars:registrants-csv": [Visit(only=ORGANISER)],
    "webinars:attendance": [Visit(only=ORGANISER)],
    "webinars:reschedule": [Visit(only=ORGANISER)],
    "webinars:member-feed": [Visit({"token": "not-a-token"})],
    # Members' files (core.files.serve): 404 for anyone who may not see the owning object
    "user-file": [
        Visit(
            {k: (lambda w, k=k: w.attachment_file[k]) for k in ("kind", "pk", "name")},
            only=frozenset(DRAFT_READERS),
        ),
        Visit(
            {"kind": "attachment", "pk": lambda w: w.attachment.pk, "name": "other.pdf"},
            only=NOBODY,
        ),
        Visit({"kind": "no-such-kind", "pk": 1, "name": "x.pdf"}, only=NOBODY),
    ],
    # Notifications
    "notifications:mark-read": [Visit({"pk": lambda w: w.notification.pk}, only=only("member"))],
    "notifications:unsubscribe": [Visit({"token": "not-a-token"})],
    # Accounts (allauth)
    "account_confirm_email": [Visit({"key": "not-a-key"})],
    "account_reset_password_from_key": [Visit({"uidb36": "0", "key": "not-a-key"})],
    # API (its own permissions are tested elsewhere; here: no 500, no leak)
    "v1:hub-detail": [Visit({"slug": lambda w: w.hub_c.slug})],
    "v1:assessment-detail": [Visit({"pk": lambda w: w.assessment.pk})],
    "v1:solution-detail": [Visit({"slug": lambda w: w.draft_solution.slug})],
    "v1:webinar-detail": [Visit({"slug": lambda w: w.hidden_webinar.slug})],
    "v1:webinar-register": [Visit({"slug": lambda w: w.hidden_webinar.slug})],
    "v1:webinar-cancel": [Visit({"slug": lambda w: w.hidden_webinar.slug})],
    "v1:theme-detail": [Visit({"month": lambda w: w.theme.month})],
    "v1:chapter-detail": [Visit({"slug": lambda w: w.chapter.slug})],
    "v1:forum-detail": [Visit({"slug": lambda w: w.chapter_forum.slug})],
    "v1:thread-detail": [Visit({"pk": lambda w: w.pending_thread.pk})],
    "v1:thread-posts": [
        Visit({"pk": lambda w: w.pending_thread.pk}),
        Visit({"pk": lambda w: w.chapter_thread.pk}),
    ],
    "v1:thread-reply": [Visit({"pk": lambda w: w.pending_thread.pk})],
    "v1:request-detail": [Visit({"slug": lambda w: w.private_request.slug})],
    "v1:request-suggestions": [Visit({"slug": lambda w: w.private_request.slug})],
    "v1:exchange-detail": [Visit({"slug": lambda w: w.private_exchange.slug})],
    "v1:exchange-results": [Visit({"slug": lambda w: w.private_exchange.slug})],
}

# Problems this test found outside this change's reach, each waiting for its own fix. They
# are strict: once fixed, the test fails until the entry is removed.
KNOWN_PROBLEMS: dict[str, str] = {}

# Statuses anyone may get (the default rule), and those that count as a refusal.
ALLOWED_STATUSES = {200, 201, 204, 301, 302, 303, 400, 401, 403, 404, 405, 409, 410, 429}
REFUSALS = {401, 403, 404, 405}


# --- Walking the URL configuration -----------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Pattern:
    name: str  # namespaced, e.g. "catalogue:review"
    route: str
    kwargs: tuple[str, ...]


def _kwarg_names(pattern) -> tuple[str, ...]:
    regex = pattern.pattern.regex
    return tuple(sorted(regex.groupindex))


def url_patterns(resolver=None, prefix="", namespaces=()) -> list[Pattern]:
    """Every pattern of the URL configuration (nested includes and namespaces)."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = namespaces + ((entry.namespace,) if entry.namespace else ())
            found.extend(url_patterns(entry, route, inner))
        elif isinstance(entry, URLPattern):
            name = ":".join(namespaces + (entry.name,)) if entry.name else f"<unnamed {route}>"
            found.append(Pattern(name, route, _kwarg_names(entry)))
    return found


PATTERNS = url_patterns()
# A name may cover several patterns (the API's format-suffix variants): visit each.
PATTERN_IDS = [f"{p.name}[{','.join(p.kwargs)}]" if p.kwargs else p.name for p in PATTERNS]
PATTERN_PARAMS = [
    pytest.param(
        pattern,
        id=pattern_id,
        marks=[pytest.mark.xfail(reason=KNOWN_PROBLEMS[pattern_id], strict=True)]
        if pattern_id in KNOWN_PROBLEMS
        else [],
    )
    for pattern, pattern_id in zip(PATTERNS, PATTERN_IDS, strict=True)
]


# --- The world: demonstration data, roles and private objects ---------------------------------


class World(types.SimpleNamespace):
    pass


def _build_world(tmp_media) -> World:
    from catalogue import services as catalogue_services
    from catalogue.models import Attachment, Criterion
    from community import services as community_services
    from community.models import BlogPost, Flag, Theme
    from exchanges import services as exchange_services
    from hubs import assessment_services
    from hubs import services as hub_services
    from hubs.models import PriorityArea
    from notifications.services import notify
    from webinars.models import Registration

    call_command("load_demo", verbosity=0)
    w = World()

    def grouped(name, **extra):
        user = UserFactory(**extra)
        user.groups.add(Group.objects.get(name=name))
        return user

    w.users = {
        "unverified": UserFactory(verified=False),
        "member": UserFactory(),
        "editor_a": UserFactory(),
        "editor_b": UserFactory(),
        "reviewer": grouped("Reviewers"),
        "moderator": grouped("Moderators"),
        "coordinator": UserFactory(),
        "expert": grouped("Expert authors"),
        "curator": grouped("Curators"),
    }
    owner = w.owner = UserFactory()  # a member behind the private things, holding no role
    u = w.users
    w.hub_a = HubFactory(slug="matrix-hub-a", editors=[u["editor_a"]])
    w.hub_b = HubFactory(slug="matrix-hub-b", editors=[u["editor_b"]])
    w.hub_c = HubFactory(
        slug="matrix-hub-c", is_published=False, description="About MXUNPUBLISHEDHUB."
    )
    # Someone else edits hub C, so that it has an editor that is not a role.
    w.hub_c.editors.add(owner)

    # Catalogue: a vetted solution, a submitted one with feedback, and a draft with a file.
    content = {
        "summary": "A network of human milk banks.",
        "challenge": "Neonatal mortality.",
        "description": "Collection and distribution of donated milk.",
        "results": "Fewer deaths.",
        "lessons_learned": "Start small.",
        "country": "BR",
        "priority_area": PriorityArea.objects.get(slug="health"),
        "modalities": ["field_visit"],
        "blocks": [{"title": "Reference centre", "description": "A laboratory."}],
    }

    def solution(slug, title, **extra):
        revision = catalogue_services.solution_create(
            hub=w.hub_a, user=u["editor_a"], data={**content, "title": title, **extra}
        )
        revision.solution.slug = slug
        revision.solution.save(update_fields=["slug"])
        return revision

    public = solution("matrix-public-solution", "Matrix public solution")
    catalogue_services.revision_submit(revision=public, user=u["editor_a"])
    catalogue_services.editorial_claim(revision=public, reviewer=u["reviewer"])
    catalogue_services.editorial_decide(revision=public, reviewer=u["reviewer"], passed=True)
    catalogue_services.expert_review(
        revision=public,
        reviewer=u["reviewer"],
        recommendation="vet",
        assessments={
            c.slug: {"rating": "met", "justification": "Seen.", "evidence_url": ""}
            for c in Criterion.objects.all()
        },
    )
    catalogue_services.revision_decide(revision=public, curator=u["curator"], decision="vet")
    w.public_solution = public.solution
    w.public_solution.refresh_from_db()

    w.submitted_revision = solution(
        "matrix-submitted-solution",
        "MXSUBMITTEDREVISION milk banks",
        description="MXSUBMITTEDREVISION collection.",
    )
    catalogue_services.revision_submit(revision=w.submitted_revision, user=u["editor_a"])
    catalogue_services.feedback_send(
        revision=w.submitted_revision, user=u["reviewer"], message="MXFEEDBACKMESSAGE please."
    )
    w.draft_revision = solution(
        "matrix-draft-solution", "MXDRAFTREVISION milk banks", description="MXDRAFTREVISION."
    )
    w.draft_solution = w.draft_revision.solution
    with override_settings(MEDIA_ROOT=tmp_media):
        w.attachment = catalogue_services.attachment_add(
            revision=w.draft_revision,
            user=u["editor_a"],
            file=ContentFile(b"%PDF-1.4 MXATTACHEDFILE\n%%EOF\n", name="report.pdf"),
            title="Report",
        )
    assert Attachment.objects.filter(pk=w.attachment.pk).exists()
    w.attachment_file = resolve(urlsplit(w.attachment.file.url).path).kwargs

    # Hubs: a pending proposal, a draft self-assessment with evidence, a road map step.
    w.proposal = hub_services.hub_proposal_create(
        hub=w.hub_a,
        author=u["editor_a"],
        data={"description": "MXHUBPROPOSAL new description."},
        comment="MXHUBPROPOSAL please publish.",
    )
    w.assessment = assessment_services.assessment_start(hub=w.hub_a, user=u["editor_a"])
    question = w.assessment.questionnaire.pillars.order_by("position")[0].questions.first()
    assessment_services.assessment_answer(
        assessment=w.assessment,
        user=u["editor_a"],
        answers={question.pk: {"level": 1, "evidence_note": "MXDRAFTASSESSMENT notes."}},
    )
    w.roadmap_step = assessment_services.roadmap_step_save(
        hub=w.hub_a, user=u["editor_a"], title="MXROADMAPSTEP hire two people"
    )

    # Requests and exchanges: a restricted request with a match, a public one, a private
    # exchange.
    w.private_request = KnowledgeRequestFactory(
        slug="matrix-restricted-request",
        title="Restricted request",
        challenge="MXRESTRICTEDREQUEST our budget.",
        requester=owner,
        visibility="restricted",
    )
    w.match = exchange_services.match_propose(
        request=w.private_request,
        curator=u["curator"],
        hubs=[w.hub_a],
        solutions=[w.public_solution],
        modality="joint_study",
        note="MXMATCHNOTE in confidence.",
    )
    w.public_request = KnowledgeRequestFactory(slug="matrix-public-request", requester=owner)
    w.private_exchange = ExchangeFactory(
        slug="matrix-private-exchange",
        title="Private exchange",
        objectives="MXPRIVATEEXCHANGE plans.",
        is_public=False,
        created_by=owner,
        recipient_institution="Ministry of Health",
        recipient_country="MZ",
    )
    w.private_exchange.provider_hubs.add(w.hub_a)

    # Community: a pending thread, a chapter forum with a pending reply, a hidden post, a
    # flag, a lab, a blog post.
    w.general_forum = CategoryFactory(slug="matrix-general")
    w.chapter = ChapterFactory(slug="matrix-chapter")
    w.chapter.coordinators.add(u["coordinator"])
    w.chapter_forum = community_services.category_ensure(chapter=w.chapter)
    w.pending_thread = ThreadFactory(
        category=w.general_forum,
        author=owner,
        title="Pending MXPENDINGTHREAD",
        status="pending",
        opening="MXPENDINGTHREAD opening.",
    )
    w.chapter_thread = ThreadFactory(category=w.chapter_forum, title="Chapter meeting")
    w.pending_reply = PostFactory(
        thread=w.chapter_thread, author=owner, body="MXPENDINGREPLY text", status="pending"
    )
    w.flagged_thread = ThreadFactory(category=w.general_forum, title="Flagged thread")
    w.hidden_post = PostFactory(
        thread=w.flagged_thread, author=owner, body="MXHIDDENPOST text", status="hidden"
    )
    w.flagged_post = PostFactory(thread=w.flagged_thread, author=owner, body="Rude words")
    w.flag = Flag.objects.create(post=w.flagged_post, reporter=u["member"], reason="MXFLAGREASON")
    w.lab = LivingLabFactory(slug="matrix-lab")
    w.emerging = EmergingSolutionFactory(lab=w.lab)
    w.theme = Theme.objects.order_by("month").first()
    w.blog_post_slug = BlogPost.objects.published().values_list("slug", flat=True).first()
    w.owner_handle = community_services.profile_for(owner).handle

    # Webinars: an unpublished one, and a published one the member is registered for.
    now = timezone.now()
    w.hidden_webinar = WebinarFactory(
        slug="matrix-hidden-webinar",
        title="MXUNPUBLISHEDWEBINAR",
        is_published=False,
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=10, hours=1),
    )
    w.hidden_webinar.organisers.add(u["coordinator"])
    w.public_webinar = WebinarFactory(
        slug="matrix-public-webinar",
        is_published=True,
        starts_at=now + timedelta(days=5),
        ends_at=now + timedelta(days=5, hours=1),
        join_url="https://meet.example.org/MXJOINLINK",
    )
    w.public_webinar.organisers.add(u["coordinator"])
    Registration.objects.create(
        webinar=w.public_webinar,
        user=u["member"],
        status=Registration.Status.CONFIRMED,
        queued_at=now,
    )

    # Notifications: the member's own.
    w.notification = notify(
        recipient=u["member"],
        kind="community.mention",
        payload={"author": "Ana", "thread": "MXNOTIFICATION"},
    )

    for required in (w.theme, w.blog_post_slug):
        assert required, "the demonstration data no longer has a theme or a blog post"
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demonstration data and the private objects, once for the module, rolled back."""
    tmp_media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_media),
        transaction.atomic(),
    ):
        w = _build_world(tmp_media)
        w.clients = {"anonymous": Client()}
        for role, user in w.users.items():
            client = Client()
            client.force_login(user)
            w.clients[role] = client
        w.cookies = {role: c.cookies.output(header="") for role, c in w.clients.items()}
        yield w
        transaction.set_rollback(True)


# --- Requesting ------------------------------------------------------------------------------

STATS = {"patterns": 0, "requests": 0, "statuses": collections.Counter()}


def _value(value, w):
    return value(w) if callable(value) else value


def _fill(text: str, w) -> str:
    return text.format(
        hub_a=w.hub_a.slug,
        hub_a_pk=w.hub_a.pk,
        chapter_forum=w.chapter_forum.slug,
        public_solution=w.public_solution.pk,
    )


def _visits(pattern: Pattern) -> list[Visit]:
    visits = URLS.get(pattern.name)
    if visits is None:
        return [Visit()]
    return visits


def _url(pattern: Pattern, visit: Visit, w) -> str:
    namespace = pattern.name.split(":")[0] if ":" in pattern.name else ""
    defaults = NAMESPACE_KWARGS.get(namespace, {})
    kwargs = {}
    for name in pattern.kwargs:
        if name in visit.kwargs:
            kwargs[name] = _value(visit.kwargs[name], w)
        elif name in defaults:
            kwargs[name] = _value(defaults[name], w)
        else:
            pytest.fail(
                f"{pattern.name} ({pattern.route}) has the kwarg {name!r} that this test cannot "
                f"fill: add a Visit for it to URLS (or a default to NAMESPACE_KWARGS) in "
                f"{__name__}."
            )
    url = reverse(pattern.name, kwargs=kwargs)
    return url + ("?" + _fill(visit.query, w) if visit.query else "")


def _body(response) -> str:
    if getattr(response, "streaming", False):
        # Exhausting it closes it the test client's way (closing it here would fire
        # request_finished and close the database connection inside the transaction).
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


def _request(w, role: str, method: str, url: str, data: dict | None):
    """One request in a savepoint rolled back afterwards; the role's cookies restored."""
    client = w.clients[role]
    client.cookies = SimpleCookie(w.cookies[role])
    cache.clear()
    with transaction.atomic():
        try:
            response = client.get(url) if method == "GET" else client.post(url, data or {})
            status, body, location = (
                response.status_code,
                _body(response),
                response.get("Location", ""),
            )
        except Exception:
            status, body, location = 500, traceback.format_exc(limit=-3), ""
        transaction.set_rollback(True)
    STATS["requests"] += 1
    STATS["statuses"][status] += 1
    return status, body, location


def _problems(w, pattern: Pattern, visit: Visit, url: str, role: str) -> list[str]:
    problems = []
    requests = [("GET", None), ("POST", {})] + [
        ("POST", {k: _fill(str(_value(v, w)), w) for k, v in body.items()}) for body in visit.bodies
    ]
    hidden = [marker for marker, allowed in MARKERS.items() if role not in allowed]
    for method, data in requests:
        status, body, location = _request(w, role, method, url, data)
        where = f"{role} {method} {url}" + (f" {data}" if data else "")
        if status >= 500 or status not in ALLOWED_STATUSES:
            problems.append(f"{where} → {status}\n{body[-1500:]}")
            continue
        leaked = [marker for marker in hidden if marker in body]
        if leaked:
            problems.append(f"{where} → {status} leaks {', '.join(leaked)}")
        if visit.only is None:
            continue
        refused = status in REFUSALS or (
            role == "anonymous" and status == 302 and location.startswith(reverse("account_login"))
        )
        if role not in visit.only and not refused:
            problems.append(f"{where} → {status} {location} (only {sorted(visit.only)} may)")
        if role in visit.only and method == "GET" and status in {403, 404}:
            problems.append(f"{where} → {status}, but this role may use it")
    return problems


@pytest.mark.parametrize("pattern", PATTERN_PARAMS)
def test_every_role_on_every_pattern(world, db, pattern):
    assert not pattern.name.startswith("<unnamed"), (
        f"{pattern.route} has no name: name it, so this test (and reverse()) can find it."
    )
    STATS["patterns"] += 1
    problems = []
    for visit in _visits(pattern):
        url = _url(pattern, visit, world)
        for role in ROLES:
            problems.extend(_problems(world, pattern, visit, url, role))
    assert not problems, "\n".join(problems)


def test_the_table_names_only_existing_patterns():
    names = {p.name for p in PATTERNS}
    assert not set(URLS) - names, f"URLS names patterns that no longer exist: {set(URLS) - names}"
    assert set(KNOWN_PROBLEMS) <= set(PATTERN_IDS)
    assert set(NAMESPACE_KWARGS) <= {n.split(":")[0] for n in names if ":" in n}


def test_markers_are_unique_and_roles_known():
    for marker, allowed in MARKERS.items():
        assert re.fullmatch(r"MX[A-Z]+", marker) and allowed <= set(ROLES)
    assert len({m[:8] for m in MARKERS}) > 1


# Where a role that may see each marker sees it: without this, a marker that is planted
# but never shown would make the leak check above pass for nothing.
MARKER_PAGES = {
    "MXDRAFTREVISION": (
        "editor_a",
        lambda w: reverse("catalogue:review", args=[w.draft_revision.pk]),
    ),
    "MXSUBMITTEDREVISION": (
        "reviewer",
        lambda w: reverse("catalogue:review", args=[w.submitted_revision.pk]),
    ),
    "MXFEEDBACKMESSAGE": (
        "editor_a",
        lambda w: reverse("catalogue:review", args=[w.submitted_revision.pk]),
    ),
    "MXATTACHEDFILE": ("curator", lambda w: w.attachment.file.url),
    "MXDRAFTASSESSMENT": (
        "editor_a",
        lambda w: reverse("hubs:assessment-json", args=[w.hub_a.slug, w.assessment.pk]),
    ),
    "MXROADMAPSTEP": ("curator", lambda w: reverse("hubs:roadmap", args=[w.hub_a.slug])),
    "MXHUBPROPOSAL": ("curator", lambda w: reverse("hubs:proposal", args=[w.proposal.pk])),
    "MXUNPUBLISHEDHUB": ("curator", lambda w: reverse("hubs:detail", args=[w.hub_c.slug])),
    "MXRESTRICTEDREQUEST": (
        "editor_b",
        lambda w: reverse("requests:detail", args=[w.private_request.slug]),
    ),
    "MXMATCHNOTE": ("curator", lambda w: reverse("requests:detail", args=[w.private_request.slug])),
    "MXPRIVATEEXCHANGE": (
        "editor_b",
        lambda w: reverse("exchanges:detail", args=[w.private_exchange.slug]),
    ),
    "MXPENDINGTHREAD": ("moderator", lambda w: reverse("community:moderation")),
    "MXPENDINGREPLY": ("coordinator", lambda w: w.chapter_thread.get_absolute_url()),
    "MXHIDDENPOST": ("moderator", lambda w: w.flagged_thread.get_absolute_url()),
    "MXFLAGREASON": ("moderator", lambda w: reverse("community:moderation")),
    "MXUNPUBLISHEDWEBINAR": (
        "coordinator",
        lambda w: reverse("webinars:detail", args=[w.hidden_webinar.slug]),
    ),
    "MXJOINLINK": ("member", lambda w: reverse("webinars:detail", args=[w.public_webinar.slug])),
    "MXNOTIFICATION": ("member", lambda w: reverse("notifications:list")),
}


@pytest.mark.parametrize("marker", sorted(MARKERS))
def test_each_marker_is_shown_to_a_role_that_may_see_it(world, db, marker):
    role, url = MARKER_PAGES[marker]
    assert role in MARKERS[marker]
    status, body, _location = _request(world, role, "GET", url(world), None)
    assert status == 200 and marker in body, f"{role} GET {url(world)} → {status}"


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    """Print the figures of the run (patterns, requests, statuses) after the module."""
    yield
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if STATS["patterns"] and capture:
        with capture.global_and_fixture_disabled():
            print(
                f"\npermission matrix: {STATS['patterns']} patterns, {STATS['requests']} "
                f"requests, statuses {dict(sorted(STATS['statuses'].items()))}"
            )
