"""The bell, the list, read marks and preferences, through the client."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.kinds import Frequency
from notifications.models import Notification, Preference

from .factories import UserFactory
from .notification_factories import NotificationFactory

ANNOUNCEMENT = "notifications.announcement"


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", ["/", "/notifications/"])
def test_bell_and_list_run_constant_queries(member_client, member, url):
    NotificationFactory.create_batch(3, recipient=member)
    few = _queries(member_client, url)
    NotificationFactory.create_batch(27, recipient=member, read_at=None)
    many = _queries(member_client, url)
    assert few == many
    if url == "/notifications/":  # session, member, unread count (bell), page count, page rows
        assert many == 5


def test_bell_shows_the_unread_count(member_client, member):
    NotificationFactory.create_batch(2, recipient=member)
    NotificationFactory(recipient=UserFactory())  # someone else's
    html = member_client.get("/").content.decode()
    assert "data-notification-bell" in html
    assert "2 unread" in html


def test_anonymous_visitors_have_no_bell_and_no_list(client, db):
    assert "data-notification-bell" not in client.get("/").content.decode()
    response = client.get("/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_list_is_paginated_newest_first_and_shows_only_mine(member_client, member):
    mine = NotificationFactory.create_batch(25, recipient=member)
    theirs = NotificationFactory(recipient=UserFactory(), payload={"title": "Not yours"})
    first = member_client.get("/notifications/").content.decode()
    assert mine[-1].payload["title"] in first and mine[0].payload["title"] not in first
    assert theirs.payload["title"] not in first
    second = member_client.get("/notifications/?page=2").content.decode()
    assert mine[0].payload["title"] in second
    assert member_client.get("/notifications/?page=999").status_code == 200  # last page


def test_mark_read_and_mark_all_read(member_client, member):
    first, second, third = NotificationFactory.create_batch(3, recipient=member)
    response = member_client.post(
        f"/notifications/{first.pk}/read/", {"next": "/notifications/?page=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/notifications/?page=1"
    first.refresh_from_db()
    assert first.read_at is not None
    member_client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()


def test_mark_read_refuses_an_outside_next(member_client, member):
    notification = NotificationFactory(recipient=member)
    response = member_client.post(
        f"/notifications/{notification.pk}/read/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == "/notifications/"


def test_another_members_notification_is_404(member_client):
    theirs = NotificationFactory(recipient=UserFactory())
    assert member_client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert member_client.post("/notifications/999999/read/").status_code == 404


@pytest.mark.parametrize("url", ["/notifications/1/read/", "/notifications/read-all/"])
def test_get_on_post_only_endpoints_is_405(member_client, url):
    assert member_client.get(url).status_code == 405


def test_post_without_csrf_token_is_refused(member, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    NotificationFactory(recipient=member)
    assert client.post("/notifications/read-all/").status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_preferences_page_shows_defaults_and_saves(member_client, member):
    html = member_client.get("/notifications/preferences/").content.decode()
    assert "Announcements and reminders from the portal" in html
    from notifications.kinds import all_kinds

    choices = {kind.key: kind.default for kind in all_kinds()}
    response = member_client.post(
        "/notifications/preferences/", {**choices, ANNOUNCEMENT: Frequency.WEEKLY}
    )
    assert response.status_code == 302
    assert Preference.objects.get(user=member, kind=ANNOUNCEMENT).frequency == Frequency.WEEKLY


@pytest.mark.parametrize("value", ["sometimes", "", "OFF"])
def test_bad_preference_value_is_refused_and_nothing_saved(member_client, member, value):
    response = member_client.post("/notifications/preferences/", {ANNOUNCEMENT: value})
    assert response.status_code == 400
    assert "error" in response.content.decode()
    assert not Preference.objects.exists()


def test_preferences_need_a_login(client, db):
    assert client.get("/notifications/preferences/").status_code == 302


@pytest.mark.parametrize("model", ["notification", "digest", "preference", "suppression"])
def test_admin_pages_load(client, staff_member, model):
    NotificationFactory(recipient=staff_member)
    Preference.objects.create(user=staff_member, kind=ANNOUNCEMENT, frequency=Frequency.OFF)
    client.force_login(staff_member)
    assert client.get(f"/admin/notifications/{model}/").status_code == 200


def test_admin_retry_action_queues_failed_e_mails(
    client, staff_member, django_capture_on_commit_callbacks
):
    from notifications.models import EmailState

    failed = NotificationFactory(recipient=staff_member, email_state=EmailState.FAILED, attempts=8)
    client.force_login(staff_member)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            "/admin/notifications/notification/",
            {"action": "retry_now", "_selected_action": [failed.pk]},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1  # delivery is queued once the change is committed
    failed.refresh_from_db()
    assert failed.email_state == EmailState.PENDING and failed.attempts == 0
