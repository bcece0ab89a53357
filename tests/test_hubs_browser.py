"""A curator approves a hub editor's proposal in the browser, end to end."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from hubs.models import Hub

from .accessibility import assert_accessible
from .browser import log_in
from .factories import UserFactory
from .factories_hubs import HubFactory

pytestmark = [pytest.mark.browser]


def test_editor_proposes_and_curator_approves(page):
    hub = HubFactory(
        name="Agency for Cooperation", acronym="AGC", year_established=2001, areas=["health"]
    )
    editor = UserFactory(email="editor@example.org", name="Eduardo Editor")
    hub.editors.add(editor)
    curator = UserFactory(email="curator@example.org", name="Clara Curator")
    curator.groups.add(Group.objects.get(name="Curators"))

    # The editor proposes a new year and a financing share through the form.
    log_in(page, editor.email)
    page.goto(page.base_url + hub.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Propose a change").click()
    assert_accessible(page)
    page.get_by_label("Year established").fill("1999")
    page.get_by_label("Membership fees", exact=True).check()
    page.get_by_label("Share of Membership fees (%)").fill("40")
    page.get_by_label("Note to the curators").fill("From the 2012 annual report.")
    page.get_by_role("button", name="Send proposal").click()
    expect(page.get_by_text("A curator will review your proposal")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    # Not public yet.
    page.goto(page.base_url + hub.get_absolute_url())
    expect(page.locator(".facts").get_by_text("2001")).to_be_visible()

    # The curator finds it in the queue, reviews it field by field and approves.
    log_in(page, curator.email)
    page.goto(page.base_url + "/hubs/proposals/")
    assert_accessible(page)
    page.get_by_role("link", name="Agency for Cooperation").click()
    assert_accessible(page)
    expect(page.get_by_role("cell", name="1999")).to_be_visible()
    page.get_by_role("button", name="Approve and publish").click()
    page.wait_for_url(page.base_url + hub.get_absolute_url())
    expect(page.get_by_text("The proposal is approved")).to_be_visible()
    expect(page.locator(".facts").get_by_text("1999")).to_be_visible()
    expect(
        page.get_by_text("proposed by Eduardo Editor, approved by Clara Curator")
    ).to_be_visible()
    expect(page.locator(".financing-chart").get_by_text("40%")).to_be_visible()
    assert Hub.objects.get(pk=hub.pk).year_established == 1999


def test_directory_filters_in_the_browser(page):
    HubFactory(name="Health Hub", kind="sector", areas=["health"])
    HubFactory(name="Energy Hub", kind="national", areas=["energy"])
    page.goto(page.base_url + "/hubs/")
    assert_accessible(page)
    page.get_by_label("Sector hub").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("link", name="Health Hub (KH", exact=False)).to_be_visible()
    expect(page.get_by_text("Energy Hub")).to_have_count(0)
    assert_accessible(page)
    hub = Hub.objects.get(name="Health Hub")
    page.goto(page.base_url + hub.get_absolute_url() + "history/")
    assert_accessible(page)
