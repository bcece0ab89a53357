"""A curator approves a hub editor's proposal in the browser, end to end."""

import pytest
from django.contrib.auth.models import Group

from hubs.models import Hub

from .accessibility import assert_accessible
from .factories import PASSWORD, UserFactory
from .factories_hubs import HubFactory

pytestmark = [pytest.mark.browser]


def _log_in(page, email):
    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(page.base_url + "/")


def test_editor_proposes_and_curator_approves(page):
    hub = HubFactory(
        name="Agency for Cooperation", acronym="AGC", year_established=2001, areas=["health"]
    )
    editor = UserFactory(email="editor@example.org", name="Eduardo Editor")
    hub.editors.add(editor)
    curator = UserFactory(email="curator@example.org", name="Clara Curator")
    curator.groups.add(Group.objects.get(name="Curators"))

    # The editor proposes a new year and a financing share through the form.
    _log_in(page, editor.email)
    page.goto(page.base_url + hub.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Propose a change").click()
    assert_accessible(page)
    page.get_by_label("Year established").fill("1999")
    page.get_by_label("Membership fees", exact=True).check()
    page.get_by_label("Share of Membership fees (%)").fill("40")
    page.get_by_label("Note to the curators").fill("From the 2012 annual report.")
    page.get_by_role("button", name="Send proposal").click()
    assert page.get_by_text("A curator will review your proposal").is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # Not public yet.
    page.goto(page.base_url + hub.get_absolute_url())
    assert page.locator(".facts").get_by_text("2001").is_visible()

    # The curator finds it in the queue, reviews it field by field and approves.
    _log_in(page, curator.email)
    page.goto(page.base_url + "/hubs/proposals/")
    assert_accessible(page)
    page.get_by_role("link", name="Agency for Cooperation").click()
    assert_accessible(page)
    assert page.get_by_role("cell", name="1999").is_visible()
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(page.base_url + hub.get_absolute_url())
    assert page.get_by_text("The proposal is approved").is_visible()
    assert page.locator(".facts").get_by_text("1999").is_visible()
    assert page.get_by_text("proposed by Eduardo Editor, approved by Clara Curator").is_visible()
    assert page.locator(".financing-chart").get_by_text("40%").is_visible()
    assert Hub.objects.get(pk=hub.pk).year_established == 1999


def test_directory_filters_in_the_browser(page):
    HubFactory(name="Health Hub", kind="sector", areas=["health"])
    HubFactory(name="Energy Hub", kind="national", areas=["energy"])
    page.goto(page.base_url + "/hubs/")
    assert_accessible(page)
    page.get_by_label("Sector hub").check()
    page.get_by_role("button", name="Apply").click()
    assert page.get_by_role("link", name="Health Hub (KH", exact=False).is_visible()
    assert page.get_by_text("Energy Hub").count() == 0
    assert_accessible(page)
    hub = Hub.objects.get(name="Health Hub")
    page.goto(page.base_url + hub.get_absolute_url() + "history/")
    assert_accessible(page)
