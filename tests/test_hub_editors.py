"""One rule for "is an editor of this hub": ``HubQuerySet.edited_by`` and ``is_hub_editor``."""

import pytest
from django.contrib.auth.models import AnonymousUser

from catalogue import permissions as catalogue_permissions
from exchanges import permissions as exchange_permissions
from hubs import assessment_services
from hubs.models import Assessment, Hub
from hubs.permissions import is_hub_editor

from .factories import UserFactory
from .factories_hubs import HubFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def hubs():
    return HubFactory(name="Own"), HubFactory(name="Other"), HubFactory(is_published=False)


def test_a_verified_editor_edits_their_hubs_only(hubs):
    own, other, draft = hubs
    user = UserFactory()
    own.editors.add(user)
    draft.editors.add(user)
    assert set(Hub.objects.edited_by(user)) == {own, draft}
    assert is_hub_editor(user, own) and is_hub_editor(user, draft)
    assert not is_hub_editor(user, other)


@pytest.mark.parametrize("who", ["anonymous", "unverified", "inactive"])
def test_no_one_but_a_verified_active_member_is_an_editor(hubs, who):
    own = hubs[0]
    if who == "anonymous":
        user = AnonymousUser()
    else:
        user = UserFactory(verified=False) if who == "unverified" else UserFactory(is_active=False)
        own.editors.add(user)
    assert not Hub.objects.edited_by(user).exists()
    assert not is_hub_editor(user, own)
    assert not catalogue_permissions.can_submit_for_hub(user, own)
    assert not exchange_permissions.edits_any_hub(user)


def test_related_hub_sets_answer_the_same_question(hubs):
    own, other, _draft = hubs
    user = UserFactory()
    own.editors.add(user)
    assert other.partner_hubs.edited_by(user).exists() is False
    other.partner_hubs.add(own)
    assert other.partner_hubs.edited_by(user).exists()


def test_lists_show_published_hubs_and_the_members_own_drafts(hubs):
    own, other, draft = hubs
    editor, stranger = UserFactory(), UserFactory()
    draft.editors.add(editor)
    assert set(Hub.objects.visible_to(editor)) == {own, other, draft}
    assert set(Hub.objects.visible_to(stranger)) == {own, other}
    assert set(Hub.objects.visible_to(AnonymousUser())) == {own, other}
    unverified = UserFactory(verified=False)
    draft.editors.add(unverified)
    assert set(Hub.objects.published_or_edited_by(unverified)) == {own, other}


def test_unpublished_assessments_are_listed_for_their_hubs_editors(hubs):
    own, other, _draft = hubs
    editor = UserFactory()
    own.editors.add(editor)
    other_editor = UserFactory()
    other.editors.add(other_editor)
    mine = assessment_services.assessment_start(hub=own, user=editor)
    theirs = assessment_services.assessment_start(hub=other, user=other_editor)
    assert list(Assessment.objects.visible_to(editor)) == [mine]
    assert theirs not in Assessment.objects.visible_to(AnonymousUser())
