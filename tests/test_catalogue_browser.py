"""Submit → editorial check → expert review with criteria → vetted → found by search, in a browser."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from catalogue.models import Solution

from .accessibility import assert_accessible
from .browser import log_in
from .factories import UserFactory
from .factories_hubs import HubFactory

pytestmark = [pytest.mark.browser]


def test_a_solution_goes_from_submission_to_search(page):
    hub = HubFactory(name="Oswaldo Cruz Foundation", acronym="FIOCRUZ")
    editor = UserFactory(email="editor@example.org")
    hub.editors.add(editor)
    reviewer = UserFactory(email="reviewer@example.org", name="Rita Reviewer")
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    curator = UserFactory(email="curator@example.org")
    curator.groups.add(Group.objects.get(name="Curators"))

    log_in(page, editor.email)
    page.goto(page.base_url + f"/solutions/new/?hub={hub.slug}")
    assert_accessible(page)
    page.get_by_label("Title").fill("Human milk banks")
    page.get_by_label("Summary").fill(
        "A network that collects and pasteurises donated milk for premature babies."
    )
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_label("Challenge addressed").fill("Premature babies die for lack of breast milk.")
    page.get_by_label("What the solution is").fill("Milk banks attached to maternity hospitals.")
    page.get_by_role("button", name="Save and continue").click()
    assert_accessible(page)
    page.locator("#id_blocks-0-title").fill("Reference centre")
    page.locator("#id_blocks-0-description").fill(
        "A national reference laboratory sets the standards."
    )
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#id_results-results").fill("Fewer neonatal deaths.")
    page.get_by_role("button", name="Save and continue").click()
    page.locator("#id_adaptation-lessons_learned").fill("Start with one reference centre.")
    page.get_by_label("Field visit").check()
    page.get_by_role("button", name="Save and continue").click()
    assert_accessible(page)
    page.get_by_role("button", name="Submit for vetting").click()
    expect(page.get_by_text("Submitted for vetting.")).to_be_visible()

    # The reviewer does the editorial check, then the expert review with every criterion.
    log_in(page, reviewer.email)
    page.goto(page.base_url + "/solutions/review/")
    assert_accessible(page)
    page.get_by_role("link", name="Human milk banks").click()
    page.get_by_role("button", name="Start the editorial check").click()
    page.get_by_label("Complete and in plain language: send to expert review").check()
    page.get_by_role("button", name="Record the editorial check").click()
    assert_accessible(page)
    for fieldset in page.locator("fieldset.question").all():
        fieldset.get_by_label("Met", exact=True).check()
        fieldset.get_by_label("Justification").fill("Documented in the network's reports.")
    page.get_by_label("Vet", exact=True).check()
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_text("Review recorded.")).to_be_visible()

    # Not public yet.
    page.goto(page.base_url + "/solutions/?q=milk")
    expect(page.get_by_text("No vetted solution matches.")).to_be_visible()

    # The curator vets it.
    log_in(page, curator.email)
    page.goto(page.base_url + "/solutions/review/")
    page.get_by_role("link", name="Human milk banks").click()
    page.get_by_label("Vet and publish").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_role("heading", name="Vetting record")).to_be_visible()
    assert_accessible(page)

    page.goto(page.base_url + "/solutions/?q=leite+OR+milk")
    expect(page.get_by_role("link", name="Human milk banks")).to_be_visible()
    assert Solution.objects.get().published is not None
