"""Shared fixtures: members and clients, a real SMTP server, a real browser."""

from __future__ import annotations

import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from config.email import smtp_mailer

from .factories import PASSWORD, UserFactory

# Each xdist worker gets its own Redis database for the cache (rate limits, throttles).
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_db_index = 1 + int(_worker.removeprefix("gw") or 0)
_location = settings.CACHES["default"]["LOCATION"]
settings.CACHES["default"]["LOCATION"] = (
    f"{_location}{'&' if '?' in _location else '?'}db={_db_index}"  # redis-py: ?db= wins
)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    # A request leaves its language active in the thread; start every test in English.
    translation.activate(settings.LANGUAGE_CODE)
    timezone.deactivate()
    yield


@pytest.fixture
def member(db):
    return UserFactory()


@pytest.fixture
def unverified_member(db):
    return UserFactory(verified=False)


@pytest.fixture
def staff_member(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def curator(db):
    from django.contrib.auth.models import Group

    user = UserFactory(name="Clara Curator")
    user.groups.add(Group.objects.get(name="Curators"))
    return user


@pytest.fixture
def reviewer(db):
    from django.contrib.auth.models import Group

    user = UserFactory(name="Rita Reviewer")
    user.groups.add(Group.objects.get(name="Reviewers"))
    return user


@pytest.fixture
def requester(db):
    """A member from a recipient country, who asks for solutions and exchanges."""
    return UserFactory(name="Raquel Requester", organisation="Ministry of Health of Mozambique")


# A hub, its editor, a draft self-assessment and a solution revision (the upload tests).


def _marked(request, name: str) -> dict:
    """The keyword arguments of the closest ``@pytest.mark.<name>(...)`` (none: {})."""
    marker = request.node.get_closest_marker(name)
    return dict(marker.kwargs) if marker else {}


@pytest.fixture
def hub(request, db):
    """A hub named "Agency for Cooperation". A test or module (``pytestmark``) gives it other
    fields with ``@pytest.mark.hub(name=..., kind=...)``."""
    from .factories_hubs import HubFactory

    return HubFactory(**{"name": "Agency for Cooperation", **_marked(request, "hub")})


@pytest.fixture
def editor(request, hub):
    """An editor of ``hub``; ``@pytest.mark.editor(name=...)`` sets the member's fields."""
    user = UserFactory(**_marked(request, "editor"))
    hub.editors.add(user)
    return user


@pytest.fixture
def draft(hub, editor):
    """A draft self-assessment, its first question and the URL of its first pillar."""
    from hubs import assessment_services

    assessment = assessment_services.assessment_start(hub=hub, user=editor)
    pillar = assessment.questionnaire.pillars.order_by("position").first()
    question = pillar.questions.order_by("position").first()
    return assessment, question, f"{assessment.get_absolute_url()}?pillar={pillar.code}"


@pytest.fixture
def revision(hub, editor):
    from catalogue import services as catalogue_services

    return catalogue_services.solution_create(hub=hub, user=editor, data={"title": "Milk banks"})


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads go to this test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def password():
    return PASSWORD


# --- A real SMTP server on loopback -------------------------------------------------


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[EmailMessage] = field(default_factory=list)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} e-mail(s), got {len(self.messages)}"
        return self.messages

    def exactly(self, count: int) -> list[EmailMessage]:
        """What a delivery that has returned sent: no waiting, since the server replies 250
        only once handle_DATA has stored the message; nothing more is on its way."""
        assert len(self.messages) == count, f"expected {count} e-mail(s), got {len(self.messages)}"
        return self.messages


class _Handler:
    def __init__(self, mailbox: Mailbox):
        self.mailbox = mailbox

    async def handle_DATA(self, server, session, envelope):
        self.mailbox.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd on 127.0.0.1; Django's SMTP backend is pointed at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox(host="127.0.0.1", port=_free_port())
    controller = Controller(_Handler(mailbox), hostname=mailbox.host, port=mailbox.port)
    controller.start()
    settings.MAILERS = {"default": smtp_mailer(host=mailbox.host, port=mailbox.port)}
    yield mailbox
    controller.stop()


@pytest.fixture
def eager_celery():
    """Queued tasks run at once where they are queued (after commit: the outbox delivers
    there and then, through whatever MAILERS says); the real broker is not involved."""
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


# --- A real browser -----------------------------------------------------------------

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.base_url = live_server.url
    yield page
    context.close()
