"""A hub editor completes a self-assessment over two sittings in the browser."""

import pytest
from playwright.sync_api import expect

from hubs import assessment_services as services
from hubs.models import Assessment, Question, RoadmapStep

from .accessibility import assert_accessible
from .browser import log_in
from .factories import UserFactory
from .factories_hubs import HubFactory

pytestmark = [pytest.mark.browser]


def _answer_all(page, level: str):
    for radio in page.locator(f"input[type=radio][value='{level}']").all():
        radio.check()


def test_two_sittings_radar_road_map_and_a_second_assessment(browser, live_server):
    hub = HubFactory(name="Agency for Cooperation")
    editor = UserFactory(email="editor@example.org")
    hub.editors.add(editor)

    # First sitting: start, answer the first pillar, save, leave.
    context = browser.new_context()
    page = context.new_page()
    page.base_url = live_server.url
    log_in(page, editor.email)
    page.goto(page.base_url + hub.get_absolute_url())
    page.get_by_role("link", name="Maturity profile, progress over time and road map").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start a new assessment").click()
    assert_accessible(page)
    _answer_all(page, "1")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_text("Your answers are saved")).to_be_visible()
    context.close()

    # Second sitting, another day: progress is there; answer the rest and submit.
    context = browser.new_context()
    page = context.new_page()
    page.base_url = live_server.url
    log_in(page, editor.email)
    page.goto(page.base_url + f"/hubs/{hub.slug}/self-assessment/")
    page.get_by_role("link", name="Continue the assessment").click()
    first_pillar = Question.objects.filter(
        pillar__position=0, pillar__questionnaire__version=1
    ).count()
    expect(page.get_by_text(f"{first_pillar} of").first).to_be_visible()
    # The first pillar keeps its answers; each "Save and continue" moves to the next pillar.
    page.get_by_role("button", name="Save and continue").click()
    for sitting_page in range(10):
        _answer_all(page, "2" if sitting_page % 2 else "3")
        if page.get_by_role("button", name="Save and continue").count() == 0:
            break
        page.get_by_role("button", name="Save and continue").click()
    page.get_by_role("button", name="Save and review before submitting").click()
    assert_accessible(page)
    page.get_by_role("button", name="Submit").click()
    assert page.locator("figure.radar svg polygon").count() >= 1
    expect(page.get_by_role("heading", name="Road map")).to_be_visible()
    assert_accessible(page)

    # Adapt a step of the road map.
    page.get_by_role("link", name="Adapt the road map").click()
    assert_accessible(page)
    page.locator("main details summary").first.click()
    step = RoadmapStep.objects.filter(hub=hub).order_by("position").first()
    page.locator(f"#id_s{step.pk}-owner").fill("Planning unit")
    page.locator(f"#id_s{step.pk}-status").select_option("in_progress")
    page.get_by_role("button", name="Save step").first.click()
    expect(page.get_by_text("Step saved.")).to_be_visible()
    step.refresh_from_db()
    assert (step.owner, step.status) == ("Planning unit", "in_progress")

    # A second assessment, a year later, shows the change per pillar.
    first = Assessment.objects.get(hub=hub)
    later = services.assessment_start(hub=hub, user=editor)
    services.assessment_answer(
        assessment=later,
        user=editor,
        answers={
            q.pk: {"level": 4}
            for q in Question.objects.filter(pillar__questionnaire=later.questionnaire)
        },
    )
    services.assessment_submit(assessment=later, user=editor)
    page.goto(page.base_url + f"/hubs/{hub.slug}/self-assessment/{later.pk}/result/")
    expect(page.get_by_role("columnheader", name="Change since last time")).to_be_visible()
    organisation = first.scores["organisation"]["score"]
    expect(page.get_by_role("cell", name=f"+{round(4 - organisation, 2)}").first).to_be_visible()
    page.goto(page.base_url + f"/hubs/{hub.slug}/self-assessment/")
    expect(page.get_by_role("cell", name="4.0").first).to_be_visible()
    assert_accessible(page)
    context.close()
