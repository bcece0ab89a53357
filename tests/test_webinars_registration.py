"""Registration, the waiting list and its promotion, refusals, and seats under concurrency."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from notifications.models import Notification
from webinars import emails, services
from webinars.models import Registration, Webinar, WebinarReminder

from . import webinars_support
from .factories import UserFactory
from .webinars_support import NOW, WebinarFactory, deliver_outbox

eager_tasks = webinars_support.eager_tasks


def _told_list(webinar) -> list[tuple[int, str]]:
    """(member, kind) of every notification about ``webinar``."""
    return list(
        Notification.objects.filter(object_id=str(webinar.pk)).values_list("recipient_id", "kind")
    )


def _told(webinar) -> set[tuple[int, str]]:
    return set(_told_list(webinar))


def _snapshot(webinar):
    return sorted(
        Registration.objects.filter(webinar=webinar).values_list("user_id", "status", "queued_at")
    )


def test_register_confirms_while_seats_last_then_waitlists(db):
    webinar = WebinarFactory(capacity=2)
    members = UserFactory.create_batch(4, password=None)
    statuses = [
        services.webinar_register(webinar=webinar, user=m, now=NOW + timedelta(seconds=i)).status
        for i, m in enumerate(members)
    ]
    assert statuses == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    # Confirmed registrants get their two reminders; the waiting list none yet.
    assert WebinarReminder.objects.filter(registration__status="confirmed").count() == 4
    assert not WebinarReminder.objects.filter(registration__status="waitlisted").exists()


def test_unlimited_capacity_always_confirms(db):
    webinar = WebinarFactory(capacity=None)
    for member in UserFactory.create_batch(5, password=None):
        assert services.webinar_register(webinar=webinar, user=member, now=NOW).is_confirmed


def test_cancelling_promotes_the_waiting_list_in_order_and_tells_them(db):
    webinar = WebinarFactory(capacity=2)
    members = UserFactory.create_batch(5, password=None)
    for i, member in enumerate(members):
        services.webinar_register(webinar=webinar, user=member, now=NOW + timedelta(minutes=i))
    # Everyone was told where they stand, in the registering transaction.
    assert _told(webinar) == {
        (members[0].pk, emails.CONFIRMED),
        (members[1].pk, emails.CONFIRMED),
        (members[2].pk, emails.WAITLISTED),
        (members[3].pk, emails.WAITLISTED),
        (members[4].pk, emails.WAITLISTED),
    }

    Notification.objects.all().delete()
    services.registration_cancel(webinar=webinar, user=members[0], now=NOW + timedelta(hours=1))
    promoted = Registration.objects.get(webinar=webinar, user=members[2])
    assert promoted.status == "confirmed"
    assert Registration.objects.get(webinar=webinar, user=members[3]).status == "waitlisted"
    assert _told(webinar) == {(members[0].pk, emails.WITHDRAWN), (members[2].pk, emails.PROMOTED)}
    deliver_outbox(now=NOW + timedelta(hours=1))
    assert sorted(m.to[0] for m in mail.outbox) == sorted([members[0].email, members[2].email])
    (promotion,) = [m for m in mail.outbox if m.to == [members[2].email]]
    assert "A seat is yours" in promotion.subject
    assert webinar.join_url in promotion.body

    # A waitlisted member leaving frees no seat; the next confirmed one leaving promotes #4.
    services.registration_cancel(webinar=webinar, user=members[4], now=NOW + timedelta(hours=2))
    services.registration_cancel(webinar=webinar, user=members[1], now=NOW + timedelta(hours=3))
    assert Registration.objects.get(webinar=webinar, user=members[3]).status == "confirmed"
    assert Registration.objects.filter(webinar=webinar, status="confirmed").count() == 2
    assert not Registration.objects.filter(webinar=webinar, status="waitlisted").exists()
    assert (members[3].pk, emails.PROMOTED) in _told(webinar)


def test_raising_the_capacity_promotes_from_the_waiting_list(db):
    webinar = WebinarFactory(capacity=1)
    members = UserFactory.create_batch(3, password=None)
    for i, member in enumerate(members):
        services.webinar_register(webinar=webinar, user=member, now=NOW + timedelta(minutes=i))
    webinar.capacity = 2
    services.webinar_save(webinar=webinar, changed_fields=["capacity"], now=NOW)
    assert [r.user for r in Registration.objects.confirmed().filter(webinar=webinar)] == members[:2]


@pytest.mark.parametrize(
    ("changes", "now", "message"),
    [
        ({"status": Webinar.Status.CANCELLED}, NOW, "has been cancelled"),
        ({"status": Webinar.Status.FINISHED}, NOW, "already taken place"),
        ({}, NOW + timedelta(days=8), "already taken place"),
        ({}, NOW + timedelta(days=7, minutes=5), "has started"),
        ({"registration_opens_at": NOW + timedelta(days=1)}, NOW, "not opened yet"),
        ({"registration_closes_at": NOW - timedelta(minutes=1)}, NOW, "has closed"),
    ],
)
def test_registration_outside_the_window_is_refused_and_changes_nothing(
    db, member, changes, now, message
):
    webinar = WebinarFactory(**changes)
    with pytest.raises(services.RegistrationRefused, match=message):
        services.webinar_register(webinar=webinar, user=member, now=now)
    assert not Registration.objects.exists()
    assert not WebinarReminder.objects.exists()
    assert not Notification.objects.exists()


def test_registering_twice_is_refused_and_changes_nothing(db, member):
    webinar = WebinarFactory(capacity=1)
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    before = _snapshot(webinar)
    with pytest.raises(services.RegistrationRefused, match="already registered"):
        services.webinar_register(webinar=webinar, user=member, now=NOW + timedelta(minutes=5))
    assert _snapshot(webinar) == before
    assert Notification.objects.filter(recipient=member).count() == 1

    other = UserFactory()
    services.webinar_register(webinar=webinar, user=other, now=NOW)
    with pytest.raises(services.RegistrationRefused, match="already on the waiting list"):
        services.webinar_register(webinar=webinar, user=other, now=NOW)


def test_cancel_twice_or_after_the_start_is_refused(db, member):
    webinar = WebinarFactory()
    services.webinar_register(webinar=webinar, user=member, now=NOW)
    with pytest.raises(services.RegistrationRefused, match="already started"):
        services.registration_cancel(
            webinar=webinar, user=member, now=webinar.starts_at + timedelta(minutes=1)
        )
    services.registration_cancel(webinar=webinar, user=member, now=NOW)
    with pytest.raises(services.RegistrationRefused, match="not registered"):
        services.registration_cancel(webinar=webinar, user=member, now=NOW)


def test_cancelled_member_can_register_again_at_the_end_of_the_queue(db):
    webinar = WebinarFactory(capacity=1)
    first, second = UserFactory.create_batch(2, password=None)
    services.webinar_register(webinar=webinar, user=first, now=NOW)
    services.registration_cancel(webinar=webinar, user=first, now=NOW + timedelta(minutes=1))
    services.webinar_register(webinar=webinar, user=second, now=NOW + timedelta(minutes=2))
    again = services.webinar_register(webinar=webinar, user=first, now=NOW + timedelta(minutes=3))
    assert again.status == "waitlisted"
    assert Registration.objects.filter(webinar=webinar).count() == 2


def test_visitors_and_unverified_members_cannot_register(db, unverified_member):
    from django.contrib.auth.models import AnonymousUser

    webinar = WebinarFactory()
    for user in (AnonymousUser(), unverified_member):
        with pytest.raises(PermissionDenied):
            services.webinar_register(webinar=webinar, user=user, now=NOW)
    assert not Registration.objects.exists()


# --- Real concurrency: one database connection per thread ---------------------------


def _in_threads(count, target):
    barrier = threading.Barrier(count)
    errors = []

    def run(index):
        try:
            barrier.wait(timeout=20)
            target(index)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_capacity_is_never_exceeded_under_concurrent_registrations(eager_tasks):
    start = timezone.now() + timedelta(days=3)
    webinar = WebinarFactory(capacity=5, starts_at=start, ends_at=start + timedelta(hours=1))
    members = UserFactory.create_batch(24, password=None)
    assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 2

    errors = _in_threads(
        len(members), lambda i: services.webinar_register(webinar=webinar, user=members[i])
    )
    assert errors == []
    assert Registration.objects.filter(webinar=webinar, status="confirmed").count() == 5
    assert Registration.objects.filter(webinar=webinar, status="waitlisted").count() == 19
    # Every member heard exactly once about their state, delivered after each commit.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert Counter(kind for _member, kind in _told_list(webinar)) == {
        emails.CONFIRMED: 5,
        emails.WAITLISTED: 19,
    }

    # Concurrent cancellations by every confirmed member: five promoted, in queue order.
    waiting = list(
        Registration.objects.waitlisted().filter(webinar=webinar).values_list("user_id", flat=True)
    )
    confirmed = list(
        Registration.objects.confirmed().filter(webinar=webinar).values_list("user", flat=True)
    )
    by_id = {m.pk: m for m in members}
    errors = _in_threads(
        5,
        lambda i: services.registration_cancel(webinar=webinar, user=by_id[confirmed[i]]),
    )
    assert errors == []
    now_confirmed = set(
        Registration.objects.confirmed().filter(webinar=webinar).values_list("user_id", flat=True)
    )
    assert now_confirmed == set(waiting[:5])
    promotions = {member for member, kind in _told_list(webinar) if kind == emails.PROMOTED}
    assert promotions == set(waiting[:5])


@pytest.mark.django_db(transaction=True)
def test_the_same_member_registering_concurrently_gets_one_registration(eager_tasks):
    start = timezone.now() + timedelta(days=3)
    webinar = WebinarFactory(capacity=5, starts_at=start, ends_at=start + timedelta(hours=1))
    member = UserFactory()
    refused = []

    def register(_index):
        try:
            services.webinar_register(webinar=webinar, user=member)
        except services.RegistrationRefused:
            refused.append(1)

    assert _in_threads(6, register) == []
    assert Registration.objects.filter(webinar=webinar).count() == 1
    assert len(refused) == 5
