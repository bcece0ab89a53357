"""load_demo only adds what is missing and never changes what people changed; --reset restores.

portal_setup follows the same rule for the site.
"""

import io
import sys

import pytest
from allauth.account.models import EmailAddress
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from accounts.services import profile_update
from catalogue import services as catalogue_services
from catalogue.models import (
    SDG,
    CriterionAssessment,
    Replication,
    Review,
    Solution,
    SolutionRevision,
)
from community import services as community_services
from community.models import (
    BlogPost,
    Category,
    Chapter,
    EmergingSolution,
    LivingLab,
    MemberProfile,
    Post,
    Theme,
    Thread,
)
from exchanges.models import (
    Exchange,
    ExchangeFinancing,
    ExchangeResult,
    KnowledgeRequest,
    Match,
    Offer,
)
from hubs import services as hub_services
from hubs.models import Hub, PriorityArea
from webinars import services as webinar_services
from webinars.models import Speaker, Webinar, WebinarSpeaker

DEMO_MODELS = [
    Hub, PriorityArea, Solution, SolutionRevision, Review, CriterionAssessment, Replication, SDG,
    Theme, Chapter, LivingLab, EmergingSolution, Category, Thread, Post, BlogPost, MemberProfile,
    User, EmailAddress, Speaker, Webinar, WebinarSpeaker, KnowledgeRequest, Offer, Match,
    Exchange, ExchangeFinancing, ExchangeResult,
]  # fmt: skip
THROUGH = [Hub.editors.through, Hub.priority_areas.through, Chapter.members.through,
           Chapter.coordinators.through, User.groups.through]  # fmt: skip

WEBINAR = "sample-finance-and-development-asia-pacific"
THREAD = "What did your last failed exchange teach you? (sample)"


def _counts() -> dict[str, int]:
    return {f"{model._meta.label}": model.objects.count() for model in [*DEMO_MODELS, *THROUGH]}


def _load(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out, **kwargs)
    return out.getvalue()


def _change_everything(curator, member):
    """What people do with the demonstration data, through the services they use."""
    webinar = Webinar.objects.get(slug=WEBINAR)
    webinar_services.webinar_cancel(webinar=webinar)
    hub_services.hub_update(
        hub=Hub.objects.get(slug="fiocruz"), curator=curator, data={"name": "FIOCRUZ (renamed)"}
    )
    editor = User.objects.get(email="sample.editor@example.org")
    draft = Solution.objects.get(slug="statistics-modernisation").revisions.get()
    catalogue_services.revision_update(
        revision=draft, user=editor, data={"title": "Edited statistics solution"}
    )
    community_services.post_reply(
        thread=Thread.objects.get(title=THREAD), author=member, body="A member's own reply."
    )
    sample_member = User.objects.get(email="sample.member@example.org")
    profile_update(user=sample_member, data={"name": "Renamed sample member"})
    community_services.chapter_leave(
        chapter=Chapter.objects.get(slug="asia-pacific"), member=sample_member
    )
    return Webinar.objects.get(slug=WEBINAR).sequence


def _assert_changes_survived(sequence: int):
    webinar = Webinar.objects.get(slug=WEBINAR)
    assert webinar.status == Webinar.Status.CANCELLED
    assert webinar.sequence == sequence
    assert Hub.objects.get(slug="fiocruz").name == "FIOCRUZ (renamed)"
    draft = Solution.objects.get(slug="statistics-modernisation").revisions.get()
    assert draft.title == "Edited statistics solution"
    assert Post.objects.filter(body__contains="A member's own reply.").count() == 1
    sample_member = User.objects.get(email="sample.member@example.org")
    assert sample_member.name == "Renamed sample member"
    assert not Chapter.objects.get(slug="asia-pacific").members.filter(pk=sample_member.pk).exists()


def test_load_demo_keeps_what_people_changed_and_duplicates_nothing(db, curator, member):
    _load()
    sequence = _change_everything(curator, member)
    assert sequence >= 1
    changed = _counts()
    assert all(changed[m._meta.label] for m in DEMO_MODELS), changed

    _load()
    assert _counts() == changed
    _assert_changes_survived(sequence)
    _load()
    assert _counts() == changed
    _assert_changes_survived(sequence)


def test_reset_restores_the_demonstration_values_and_keeps_members_rows(db, curator, member):
    _load()
    webinar_services.webinar_register(webinar=Webinar.objects.get(slug=WEBINAR), user=member)
    fresh = _counts()
    sequence = _change_everything(curator, member)
    # What the member added, which a reset keeps: their reply, and the profile it gave them.
    expected = {
        **fresh,
        "community.Post": fresh["community.Post"] + 1,
        "community.MemberProfile": fresh["community.MemberProfile"] + 1,
    }

    out = _load("--reset", "--yes")

    webinar = Webinar.objects.get(slug=WEBINAR)
    assert webinar.status == Webinar.Status.SCHEDULED
    assert webinar.sequence > sequence  # calendars learn that it is back
    # Restored in place: the member's registration is still there.
    assert webinar.registrations.filter(user=member).exists()
    assert Hub.objects.get(slug="fiocruz").name == "Oswaldo Cruz Foundation"
    draft = Solution.objects.get(slug="statistics-modernisation").revisions.get()
    assert draft.title == "Modernización de las estadísticas nacionales"
    sample_member = User.objects.get(email="sample.member@example.org")
    assert sample_member.name == "Sample member"
    assert Chapter.objects.get(slug="asia-pacific").members.filter(pk=sample_member.pk).exists()
    # The member's reply is theirs: its sample thread is kept, with a one-line note.
    reply = Post.objects.get(body__contains="A member's own reply.")
    assert reply.author == member and reply.thread.title == THREAD
    assert f"Kept sample thread “{THREAD}”" in out
    restored = _counts()
    assert restored == expected
    # A second reset, then a plain load, duplicate nothing.
    _load("--reset", "--yes")
    _load()
    assert _counts() == restored


def test_reset_without_yes_and_without_a_terminal_refuses_and_changes_nothing(
    db, curator, member, monkeypatch
):
    _load()
    _change_everything(curator, member)
    before = _counts()
    monkeypatch.setattr(sys, "stdin", io.StringIO("yes\n"))  # not a TTY
    with pytest.raises(CommandError, match="--yes"):
        _load("--reset")
    assert _counts() == before
    assert Hub.objects.get(slug="fiocruz").name == "FIOCRUZ (renamed)"
    assert Webinar.objects.get(slug=WEBINAR).status == Webinar.Status.CANCELLED


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_reset_asks_on_a_terminal_and_only_yes_goes_ahead(db, curator, member, monkeypatch):
    _load()
    _change_everything(curator, member)
    monkeypatch.setattr(sys, "stdin", _Terminal("no\n"))
    with pytest.raises(CommandError, match="cancelled"):
        _load("--reset")
    assert Hub.objects.get(slug="fiocruz").name == "FIOCRUZ (renamed)"
    monkeypatch.setattr(sys, "stdin", _Terminal("yes\n"))
    _load("--reset")
    assert Hub.objects.get(slug="fiocruz").name == "Oswaldo Cruz Foundation"


def test_a_sample_that_cannot_be_created_is_skipped_with_one_line_not_a_crash(db):
    _load("hubs")
    PriorityArea.objects.filter(slug="environment").delete()
    out = _load()
    skipped = [line for line in out.splitlines() if line.startswith("Skipped")]
    assert any("redd-forest-policy" in line for line in skipped), out
    assert any("REDD+ workshop" in line for line in skipped), out
    assert not Solution.objects.filter(slug="redd-forest-policy").exists()
    assert Solution.objects.filter(slug="human-milk-banks").exists()
    assert Exchange.objects.filter(title__startswith="Joint Fund Mexico").count() == 2


def test_portal_setup_creates_the_site_once_and_keeps_an_edited_one(db, settings):
    settings.SITE_URL = "https://portal.example.net"
    Site.objects.filter(pk=settings.SITE_ID).update(domain="example.com", name="example.com")
    Site.objects.clear_cache()
    call_command("portal_setup", stdout=io.StringIO())
    site = Site.objects.get(pk=settings.SITE_ID)
    assert site.domain == "portal.example.net"

    Site.objects.filter(pk=site.pk).update(domain="hubs.example.org", name="Our hubs")
    out = io.StringIO()
    call_command("portal_setup", stdout=out)
    site = Site.objects.get(pk=settings.SITE_ID)
    assert (site.domain, site.name) == ("hubs.example.org", "Our hubs")
    assert "kept as hubs.example.org" in out.getvalue()

    Site.objects.all().delete()
    call_command("portal_setup", stdout=io.StringIO())
    assert Site.objects.get(pk=settings.SITE_ID).domain == "portal.example.net"
