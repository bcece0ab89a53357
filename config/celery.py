import os

from celery import Celery

from core.heartbeat import WorkerHeartbeat

from . import broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# A worker must outlive Redis dying under it (config/broker.py).
broker.install()

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The worker stamps its heartbeat for /healthz itself, every few seconds, beat or no beat.
app.steps["consumer"].add(WorkerHeartbeat)
