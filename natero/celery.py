"""The Celery app and the beat schedule: every periodic job is named here, with why it runs and when it expires."""

import os

from celery import Celery
from celery.schedules import crontab

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
    # The API status page keeps the last 1,000 calls per source; calls also trim every 100th insert, this catches
    # sources that went quiet.
    "integrations-trim-api-calls": {
        "task": "integrations.jobs.trim_api_calls",
        "schedule": 600.0,
        "options": {"expires": 550},
    },
    # Accounts and contacts named by events are created off the request path, set-based, every minute.
    "usage-apply-events-to-accounts": {
        "task": "usage.jobs.apply_events_to_accounts",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Accounts deleted as never real are purged (with their data) after a grace period in which they can be restored.
    "accounts-purge-deleted": {
        "task": "accounts.jobs.purge_deleted_accounts",
        "schedule": crontab(minute=15, hour=3),
        "kwargs": {"days": int(os.environ.get("ACCOUNTS_PURGE_AFTER_DAYS", "30"))},
        "options": {"expires": 6 * 60 * 60},
    },
    # Outbox rows whose send job never ran (broker outage, crash) or that wait for a retry are sent by this sweep.
    "core-outbox-sweep": {
        "task": "core.jobs.outbox_send",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Owners hear about tasks past their due date once a day (once per task and due date).
    "tasks-notify-overdue": {
        "task": "tasks.jobs.notify_overdue",
        "schedule": crontab(minute=0, hour=7),
        "options": {"expires": 6 * 60 * 60},
    },
    # Members who chose a daily digest get the day's notifications in one email.
    "tasks-send-digests": {
        "task": "tasks.jobs.send_digests",
        "schedule": crontab(minute=10, hour=0),
        "options": {"expires": 6 * 60 * 60},
    },
    # Alert rules also run after each pipeline run; this catches changes in between (notes, stages, renewals).
    "alerts-evaluate-rules": {
        "task": "alerts.jobs.evaluate_rules",
        "schedule": 60.0 * int(os.environ.get("ALERTS_EVALUATE_EVERY_MINUTES", "15")),
        "options": {"expires": 60.0 * int(os.environ.get("ALERTS_EVALUATE_EVERY_MINUTES", "15")) - 5},
    },
    # Partitioned tables (daily metric values) get their coming months' partitions well before their first day, so
    # the pipeline's first write of a month does not wait for one to be created.
    "core-partitions-ahead": {
        "task": "core.jobs.partitions_ahead",
        "schedule": crontab(minute=45, hour=23),
        "options": {"expires": 6 * 60 * 60},
    },
    # Raw events older than USAGE_EVENT_RETENTION_DAYS are dropped a month at a time; roll-ups stay.
    "usage-events-retain": {
        "task": "usage.jobs.events_retain",
        "schedule": crontab(minute=15, hour=3),
        "options": {"expires": 6 * 60 * 60},
    },
    # Keeps today's usage roll-ups and metric values fresh for pages and lists.
    "pipeline-hourly": {
        "task": "core.jobs.run_pipeline",
        "schedule": crontab(minute=5),
        "kwargs": {"kind": "hourly"},
        "options": {"expires": 55 * 60},
    },
    # Closes the day that just ended (UTC): roll-ups, revenue, metrics and everything computed from them.
    "pipeline-daily": {
        "task": "core.jobs.run_pipeline",
        "schedule": crontab(minute=30, hour=0),
        "kwargs": {"kind": "daily"},
        "options": {"expires": 6 * 60 * 60},
    },
}
