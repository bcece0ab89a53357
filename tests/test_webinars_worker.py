"""Reminders through a real Celery worker on the real broker, restarted between runs: the
worker turns due reminders into outbox notifications and delivers them over real SMTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from core.tasks import HEARTBEAT_KEY, heartbeat
from notifications.models import EmailState, Notification
from webinars import emails, services, tasks
from webinars.models import WebinarReminder

from . import webinars_support
from .factories import UserFactory
from .webinars_support import WebinarFactory

eager_tasks = webinars_support.eager_tasks

BASE_DIR = Path(__file__).resolve().parent.parent


def _start_worker(queue: str, smtp_port: int, data_dir) -> subprocess.Popen:
    test_database = settings.DATABASE_URL.rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": test_database,
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "PORTAL_DATA_DIR": str(data_dir),
    }
    location = settings.CACHES["default"]["LOCATION"]
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os;"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
            "from django.conf import settings;"
            f"settings.CACHES['default']['LOCATION'] = {location!r};"
            "from config.celery import app;"
            # The outbox's deliveries, queued by the worker itself, go to this test's queue.
            f"app.conf.task_routes = {{'notifications.tasks.deliver_*': {{'queue': {queue!r}}}}};"
            f"app.worker_main(['worker', '--pool', 'solo', '--queues', {queue!r}, "
            "'--loglevel', 'WARNING', '--without-mingle', '--without-gossip'])",
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _drain(worker: subprocess.Popen, queue: str) -> None:
    """Tasks run in order on a solo worker: once a heartbeat after them ran, they ran."""
    cache.delete(HEARTBEAT_KEY)
    heartbeat.apply_async(queue=queue)
    deadline = time.monotonic() + 60
    while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
        assert worker.poll() is None, worker.stdout.read()
        time.sleep(0.2)
    assert cache.get(HEARTBEAT_KEY) is not None, "the worker did not run the tasks"


def _stop(worker: subprocess.Popen) -> None:
    worker.terminate()
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_reminders_are_sent_once_across_worker_restarts(smtp_server, tmp_path, eager_tasks):
    now = timezone.now()
    starts_at = now + timedelta(minutes=30)
    webinar = WebinarFactory(
        capacity=2, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1)
    )
    members = UserFactory.create_batch(3, password=None)
    for member in members:  # two hours ago: the 1-hour reminder is due now; the third waits
        services.webinar_register(webinar=webinar, user=member, now=now - timedelta(hours=2))
    smtp_server.wait_for(3)  # the confirmations and the waiting-list e-mail (in this process)
    smtp_server.messages.clear()
    queue = f"test-reminders-{os.getpid()}"

    for _restart in range(2):
        worker = _start_worker(queue, smtp_server.port, tmp_path)
        try:
            tasks.send_due_reminders.apply_async(queue=queue)
            tasks.send_due_reminders.apply_async(queue=queue)
            _drain(worker, queue)  # the reminder tasks ran; their deliveries were queued
            _drain(worker, queue)  # the deliveries ran
        finally:
            _stop(worker)

    # The worker has stopped and every reminder reached a final state: nothing more comes.
    assert set(
        Notification.objects.filter(kind=emails.REMINDERS["1h"]).values_list(
            "email_state", flat=True
        )
    ) == {EmailState.SENT}
    recipients = sorted(str(m["To"]) for m in smtp_server.messages)
    assert recipients == sorted(m.email for m in members[:2])
    assert all("one hour" in str(m["Subject"]) for m in smtp_server.messages)
    assert not WebinarReminder.objects.filter(sent_at__isnull=True).exists()
    reminders = Notification.objects.filter(kind=emails.REMINDERS["1h"])
    assert sorted(reminders.values_list("recipient_id", flat=True)) == sorted(
        m.pk for m in members[:2]
    )
    assert set(reminders.values_list("email_state", flat=True)) == {EmailState.SENT}
