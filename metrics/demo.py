"""Demo data: run the pipeline over the demo's history, so metrics, activity ranks and MRR movements exist at once."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

PIPELINE_DAYS = 90


def _history_is_current(yesterday: datetime.date) -> bool:
    """True when a demo backfill already ran up to `yesterday` after the last change to the data it reads."""
    from django.db.models import Max

    from accounts.models import Account
    from core.models import PipelineRun, PipelineRunStatus
    from revenue.models import Subscription
    from usage.models import Event

    done = (
        PipelineRun.objects.filter(
            triggered_by="demo",
            as_of=yesterday,
            status__in=[PipelineRunStatus.SUCCEEDED, PipelineRunStatus.PARTIAL],
        )
        .order_by("-started_at")
        .first()
    )
    if done is None:
        return False
    changes = [
        Account.objects.aggregate(at=Max("updated_at"))["at"],
        Event.objects.aggregate(at=Max("received_at"))["at"],
        Subscription.objects.aggregate(at=Max("updated_at"))["at"],
    ]
    return all(at is None or at < done.started_at for at in changes)


def seed_pipeline(*, stdout: Any = None, **options: Any) -> None:
    """Run the daily pipeline for the past year's month ends (the MRR trend), then the last 90 days, then an hourly
    run for today; oldest first, so current values end at today. Safe to run again: every step replaces its day,
    and a rerun on the same day with no new accounts, events or subscriptions skips the work."""
    from core.pipeline import HOURLY, pipeline_backfill, pipeline_run
    from metrics.panels import trend_dates

    today = timezone.now().date()
    yesterday = today - datetime.timedelta(days=1)
    if _history_is_current(yesterday):
        if stdout:
            stdout.write("  Pipeline already run over the demo's history since its data last changed.")
        return
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
