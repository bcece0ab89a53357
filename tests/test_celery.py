"""A real Celery worker on the real broker runs a task and its effect is seen."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache

from core.tasks import HEARTBEAT_KEY, heartbeat

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_worker_runs_a_queued_task_from_redis(tmp_path):
    queue = f"test-{os.getpid()}"
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "PORTAL_DATA_DIR": str(tmp_path),
    }
    # The worker must write to the same cache database as this test process.
    location = settings.CACHES["default"]["LOCATION"]
    worker = subprocess.Popen(
        [
            sys.executable, "-c",
            "import django, os, sys;"
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
            "from django.conf import settings;"
            f"settings.CACHES['default']['LOCATION'] = {location!r};"
            "from config.celery import app;"
            f"app.worker_main(['worker', '--pool', 'solo', '--queues', {queue!r}, '--loglevel', 'WARNING', '--without-mingle', '--without-gossip'])",
        ],
        cwd=BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        cache.delete(HEARTBEAT_KEY)
        heartbeat.apply_async(queue=queue)
        deadline = time.monotonic() + 60
        while cache.get(HEARTBEAT_KEY) is None and time.monotonic() < deadline:
            assert worker.poll() is None, worker.stdout.read()
            time.sleep(0.2)
        assert cache.get(HEARTBEAT_KEY) is not None, "the worker did not run the task"
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
