"""The bell, the list and mark-as-read in a real browser, each page checked with axe-core."""

import pytest

from notifications.models import Notification

from .accessibility import assert_accessible
from .browser import log_in
from .notification_factories import NotificationFactory

pytestmark = [pytest.mark.browser]


def test_bell_list_and_mark_read(page, member):
    NotificationFactory(recipient=member, payload={"title": "Webinar tomorrow", "url": "/"})
    NotificationFactory(recipient=member, payload={"title": "New vetted solution", "url": "/"})
    log_in(page, member.email)
    bell = page.get_by_role("link", name="Notifications (2 unread)")
    assert bell.is_visible()
    bell.click()
    page.wait_for_url(page.base_url + "/notifications/")
    assert_accessible(page)
    assert page.get_by_role("link", name="Webinar tomorrow").is_visible()

    page.locator("[data-notification]").filter(has_text="Webinar tomorrow").get_by_role(
        "button", name="Mark as read"
    ).click()
    page.wait_for_url(page.base_url + "/notifications/")
    assert page.get_by_role("link", name="Notifications (1 unread)").is_visible()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1

    page.get_by_role("button", name="Mark all as read").click()
    assert page.get_by_text("1 notification(s) marked as read.").is_visible()
    assert page.get_by_role("link", name="Notifications", exact=True).is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="E-mail preferences").click()
    assert_accessible(page)
    page.get_by_label("Announcements and reminders from the portal").select_option("daily")
    page.get_by_role("button", name="Save preferences").click()
    assert page.get_by_text("Your notification preferences have been saved.").is_visible()
