"""Demo data: run the pipeline over the demo's history, so metrics, activity ranks and MRR movements exist at once."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

PIPELINE_DAYS = 90


def seed_pipeline(*, stdout: Any = None, **options: Any) -> None:
    """Run the daily pipeline for the past year's month ends (the MRR trend), then the last 90 days, then an hourly
    run for today; oldest first, so current values end at today. Safe to run again: every step replaces its day."""
    from core.pipeline import HOURLY, pipeline_backfill, pipeline_run
    from metrics.panels import trend_dates

    today = timezone.now().date()
    yesterday = today - datetime.timedelta(days=1)
    first_backfilled = yesterday - datetime.timedelta(days=PIPELINE_DAYS - 1)
    older = [day for day in trend_dates(today) if day < first_backfilled]
    for day in older:
        pipeline_run(as_of=day, triggered_by="demo")
    pipeline_backfill(as_of=yesterday, days=PIPELINE_DAYS, triggered_by="demo")
    pipeline_run(as_of=today, kind=HOURLY, triggered_by="demo")
    if stdout:
        stdout.write(f"  Pipeline run for {len(older)} past month ends, the last {PIPELINE_DAYS} days and today.")


def report() -> list[tuple[str, int]]:
    from metrics.models import MetricValue

    return [("metric values", MetricValue.objects.count())]
