"""The Celery app and the beat schedule: every periodic job is named here, with why it runs and when it expires."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")

app = Celery("natero")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every app keeps its Celery tasks in jobs.py, so that the `tasks` domain app reads well.
app.autodiscover_tasks(related_name="jobs")

app.conf.beat_schedule = {
    # Proves that beat and a worker are alive: /healthz reports the age of the last beat.
    "worker-heartbeat": {
        "task": "core.jobs.heartbeat",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
}
