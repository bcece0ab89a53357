import os

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _record_heartbeat_on_start(sender, **kwargs):
    """Let /healthz see a worker as soon as it is up, not a minute later."""
    from core.tasks import heartbeat

    heartbeat.delay()
