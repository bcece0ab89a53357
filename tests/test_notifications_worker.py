"""End to end: a notification committed here is delivered by a real Celery worker over real SMTP."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from config.celery import app as celery_app
from notifications.models import EmailState, Notification
from notifications.services import notify

from .factories import UserFactory

BASE_DIR = Path(__file__).resolve().parent.parent


def _set_routes(routes) -> None:
    celery_app.conf.task_routes = routes
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)  # a cached_property built with the old ones


def test_delivery_tasks_go_to_the_mail_queue_and_the_sweep_to_default():
    route = celery_app.amqp.router.route
    assert route({}, "notifications.tasks.deliver_emails")["queue"].name == "mail"
    assert route({}, "notifications.tasks.deliver_digests")["queue"].name == "mail"
    assert route({}, "notifications.tasks.sweep")["queue"].name == "default"
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.tasks.sweep", "notifications.tasks.build_digests"} <= schedule


@pytest.mark.slow
def test_a_real_worker_delivers_after_commit(transactional_db, smtp_server, tmp_path):
    queue = f"test-mail-{os.getpid()}"
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST'].replace('/', '%2F')}/{database['NAME']}"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": url,
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_URL": f"smtp://{smtp_server.host}:{smtp_server.port}",
        "PORTAL_DATA_DIR": str(tmp_path),
        "PORTAL_QUIET_DEVSTACK": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo",
            "--queues", queue, "--loglevel", "WARNING", "--without-mingle", "--without-gossip",
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    routes = celery_app.conf.task_routes
    _set_routes({"notifications.tasks.deliver_*": {"queue": queue}})
    try:
        member = UserFactory(language="pt-br")
        with transaction.atomic():
            notification = notify(
                recipient=member, kind="notifications.announcement", payload={"title": "Olá"}
            )
        message = smtp_server.wait_for(1, timeout=60)[0]
        assert message["Message-ID"] == notification.message_id
        assert message["Content-Language"] == "pt-br"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            notification.refresh_from_db()
            if notification.email_state == EmailState.SENT:
                break
            time.sleep(0.1)
        assert notification.email_state == EmailState.SENT
        assert Notification.objects.count() == 1
    finally:
        _set_routes(routes)
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
