"""Celery jobs of the metrics app: thin wrappers around its services."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from accounts.jobs import import_queue_options

# How far back late custom values are brought into the history by themselves; older days need a backfill
# (`manage.py run_pipeline --as-of DAY --days N`).
LATE_VALUE_DAYS = 400


def custom_history_refresh_later(days: set[datetime.date] | list[datetime.date]) -> None:
    """Once the current transaction commits, recompute the past days among `days` (custom values arrived late), as
    far back as LATE_VALUE_DAYS. Runs on the import jobs' queue (a CSV import's own work)."""
    today = timezone.now().date()
    oldest = today - datetime.timedelta(days=LATE_VALUE_DAYS)
    past = sorted({day.isoformat() for day in days if oldest <= day < today})
    if not past:
        return
    options = import_queue_options()
    transaction.on_commit(lambda: custom_history_refresh_job.apply_async(args=[past], **options))


@shared_task(name="metrics.jobs.custom_history_refresh", ignore_result=True)
def custom_history_refresh_job(days: list[str]) -> int:
    """Recompute the custom and computed metrics of past days that received late values (ISO dates)."""
    from metrics.services import custom_history_refresh

    return custom_history_refresh(days=[datetime.date.fromisoformat(day) for day in days])
