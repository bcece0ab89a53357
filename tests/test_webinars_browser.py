"""A member registers for a webinar in a real browser, sees the confirmation, and cancels."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.utils import timezone

from webinars.models import Registration

from . import webinars_support
from .accessibility import assert_accessible
from .browser import log_in
from .factories import UserFactory
from .webinars_support import SpeakerFactory, WebinarFactory

pytestmark = [pytest.mark.browser]

eager_tasks = webinars_support.eager_tasks


def test_register_see_confirmation_and_cancel(page, eager_tasks):
    starts_at = timezone.now() + timedelta(days=4)
    webinar = WebinarFactory(
        title="Learning from failure",
        host_time_zone="America/Santiago",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        capacity=20,
        is_sample=True,
        speakers=[SpeakerFactory(name="Lessons-learned expert", organisation="NASA")],
    )
    member = UserFactory(time_zone="Asia/Jakarta")

    log_in(page, member.email)

    page.get_by_role("link", name="Webinars").click()
    page.wait_for_url("**/webinars/")
    assert_accessible(page)
    page.get_by_role("link", name="Learning from failure").click()
    assert page.get_by_text("Your time (Asia/Jakarta)").is_visible()
    assert page.get_by_text("Host's time (America/Santiago)").is_visible()
    assert page.get_by_test_id("join").count() == 0
    assert webinar.join_url not in page.content()
    assert_accessible(page)

    page.get_by_role("button", name="Register").click()
    assert page.get_by_text("You are registered. A confirmation").is_visible()
    assert page.get_by_role("link", name=webinar.join_url).is_visible()
    assert_accessible(page)
    assert Registration.objects.get(user=member).status == "confirmed"

    page.get_by_role("button", name="Cancel my registration").click()
    assert page.get_by_text("Your registration has been cancelled.").is_visible()
    assert page.get_by_role("button", name="Register").is_visible()
    assert webinar.join_url not in page.content()
    assert_accessible(page)
    assert Registration.objects.get(user=member).status == "cancelled"

    page.goto(page.base_url + "/webinars/calendar/")
    assert_accessible(page)


def test_organiser_and_feedback_pages_are_accessible(page, eager_tasks):
    member = UserFactory()
    starts_at = timezone.now() - timedelta(days=1)
    past = WebinarFactory(
        title="Transforming institutions",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
        recording_url="https://video.example.org/transforming",
    )
    past.organisers.add(member)
    Registration.objects.create(
        webinar=past, user=member, status="confirmed", queued_at=starts_at - timedelta(days=3)
    )

    log_in(page, member.email)

    page.goto(page.base_url + past.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Leave feedback").click()
    assert_accessible(page)
    page.get_by_label("4").check()
    page.get_by_label("Comment (optional)").fill("Clear and practical.")
    page.get_by_role("button", name="Send feedback").click()
    assert page.get_by_text("Thank you for your feedback.").is_visible()

    page.get_by_role("link", name="Registrants, waiting list and attendance").click()
    assert_accessible(page)
    page.get_by_role("checkbox").check()
    page.get_by_role("button", name="Save attendance").click()
    assert page.get_by_text("Attendance saved.").is_visible()
    assert Registration.objects.get(user=member).attended is True

    page.get_by_role("link", name="Change the time").click()
    assert page.get_by_label("Starts at").is_visible()
    assert_accessible(page)


@pytest.mark.parametrize(
    ("locale", "your_time", "host_time"),
    [
        ("en-GB", "Your time (Asia/Tokyo)", "Host's time (America/Santiago)"),
        ("es-ES", "Su hora (Asia/Tokyo)", "Hora del anfitrión (America/Santiago)"),
    ],
)
def test_a_tokyo_browser_sees_tokyo_time_on_its_first_visit(
    browser, live_server, db, locale, your_time, host_time
):
    """06:00 UTC is 15:00 in Tokyo (no daylight saving), on the very first page view."""
    starts_at = (timezone.now() + timedelta(days=10)).replace(
        hour=6, minute=0, second=0, microsecond=0
    )
    webinar = WebinarFactory(
        title="Milk banks at night",
        host_time_zone="America/Santiago",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=1),
    )
    context = browser.new_context(locale=locale, timezone_id="Asia/Tokyo")
    try:
        page = context.new_page()
        page.goto(live_server.url + webinar.get_absolute_url())
        block = page.locator("[data-webinar-times]")
        assert block.get_by_text(your_time).is_visible()
        assert block.get_by_text(host_time).is_visible()
        viewer_row = block.locator("[data-viewer-row]")
        assert "15:00" in viewer_row.inner_text()
        assert "16:00" in viewer_row.inner_text()
        santiago = starts_at.astimezone(zoneinfo.ZoneInfo("America/Santiago")).strftime("%H:%M")
        assert santiago in block.locator("[data-host-row]").inner_text()
        assert_accessible(page)
    finally:
        context.close()
