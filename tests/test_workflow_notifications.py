"""Curation and vetting events reach the people concerned through the notification outbox."""

import pytest
from django.contrib.auth.models import Group
from django.db import transaction

from catalogue import services as catalogue
from hubs import services as hubs
from notifications.models import Notification

from .factories import UserFactory
from .factories_hubs import HubFactory


@pytest.fixture
def people(db):
    hub = HubFactory(name="Agency for Cooperation")
    editor = UserFactory()
    hub.editors.add(editor)
    curator = UserFactory()
    curator.groups.add(Group.objects.get(name="Curators"))
    reviewer = UserFactory()
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    return hub, editor, curator, reviewer


def test_the_author_hears_about_an_approved_or_returned_proposal(people):
    hub, editor, curator, _reviewer = people
    first = hubs.hub_proposal_create(hub=hub, author=editor, data={"acronym": "AGC2"})
    hubs.hub_proposal_approve(proposal=first, curator=curator)
    second = hubs.hub_proposal_create(hub=hub, author=editor, data={"acronym": "AGC3"})
    hubs.hub_proposal_return(proposal=second, curator=curator, comment="Which source?")
    rows = list(
        Notification.objects.filter(recipient=editor, kind="hubs.proposal_reviewed").order_by("pk")
    )
    assert [row.payload["approved"] for row in rows] == [True, False]
    assert rows[1].payload["comment"] == "Which source?"


def test_a_rolled_back_review_leaves_no_notification(people):
    hub, editor, curator, _reviewer = people
    proposal = hubs.hub_proposal_create(hub=hub, author=editor, data={"acronym": "AGC2"})
    with pytest.raises(RuntimeError), transaction.atomic():
        hubs.hub_proposal_approve(proposal=proposal, curator=curator)
        raise RuntimeError("something failed after the approval")
    assert not Notification.objects.exists()


def test_vetting_steps_and_messages_notify_editors_and_reviewers(people):
    hub, editor, curator, reviewer = people
    revision = catalogue.solution_create(
        hub=hub,
        user=editor,
        data={"title": "Milk banks", "summary": "s", "challenge": "c", "description": "d", "results": "r",
              "lessons_learned": "l", "blocks": [{"title": "b", "description": "b"}]},
    )  # fmt: skip
    catalogue.revision_submit(revision=revision, user=editor)
    catalogue.editorial_claim(revision=revision, reviewer=reviewer)
    catalogue.feedback_send(revision=revision, user=reviewer, message="Which years?")
    catalogue.editorial_decide(
        revision=revision, reviewer=reviewer, passed=False, comment="Add figures."
    )
    editor_rows = Notification.objects.filter(recipient=editor).order_by("pk")
    assert [row.kind for row in editor_rows] == ["catalogue.feedback", "catalogue.decision"]
    assert (
        editor_rows[1].payload["status"] == "changes_requested"
        and editor_rows[1].payload["comment"] == "Add figures."
    )
    catalogue.revision_submit(revision=revision, user=editor)
    catalogue.feedback_send(revision=revision, user=editor, message="Figures added.")
    assert Notification.objects.filter(recipient=reviewer, kind="catalogue.feedback").count() == 1
    assert not Notification.objects.filter(recipient=curator).exists()
