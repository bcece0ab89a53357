"""Factories and fixtures for the webinar tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
import pytest

from webinars.models import Speaker, Webinar, WebinarSpeaker

# A fixed "now" for services that take one: Wednesday 1 April 2026, 12:00 UTC.
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    name = factory.Faker("name")
    organisation = factory.Faker("company")
    sector = Speaker.Sector.PRIVATE


class WebinarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Webinar
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"webinar-{n}")
    title = factory.Sequence(lambda n: f"Webinar number {n}")
    description = "Knowledge exchange in **practice**."
    host_organisation = "AMEXCID"
    host_time_zone = "America/Mexico_City"
    language = "en"
    starts_at = factory.LazyFunction(lambda: NOW + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1, minutes=30))
    capacity = 10
    join_url = factory.Sequence(lambda n: f"https://meet.example.org/secret-room-{n}")

    @factory.post_generation
    def speakers(obj, create, extracted, **kwargs):
        if create and extracted:
            for order, speaker in enumerate(extracted):
                WebinarSpeaker.objects.create(webinar=obj, speaker=speaker, order=order)


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in-process (their on_commit enqueues then send at once)."""
    from config.celery import app

    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


def assert_outbox_settled():
    """Every notification e-mail reached a final state (sent, failed, none...): nothing is
    waiting or being sent, so the mailbox holds all it will get."""
    from notifications.models import EmailState, Notification

    left = Notification.objects.filter(email_state__in=[EmailState.PENDING, EmailState.SENDING])
    assert not left.exists(), list(left.values_list("kind", "email_state"))


def deliver_outbox(now=None):
    """Deliver every pending notification e-mail as the outbox's task does, at ``now``
    (a test's simulated time; the rows must be due by then)."""
    from notifications.models import EmailState, Notification
    from notifications.services import emails_deliver

    ids = list(
        Notification.objects.filter(email_state=EmailState.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return emails_deliver(ids=ids, now=now)
