import factory
from django.utils import timezone

from notifications.kinds import Frequency
from notifications.models import EmailState, Notification

from .factories import UserFactory


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "notifications.announcement"
    payload = factory.Sequence(lambda n: {"title": f"Announcement {n}", "url": f"/n/{n}/"})
    created = factory.LazyFunction(timezone.now)
    channel = Frequency.IMMEDIATELY
    email_state = EmailState.SENT
