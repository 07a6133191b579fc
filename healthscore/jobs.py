"""Celery jobs of health scores: thin wrappers around the services."""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="healthscore.jobs.score_day", ignore_result=True)
def score_day(as_of: str) -> int:
    """Score every account for one day (ISO date), as the daily pipeline step does, and refresh current values."""
    from healthscore.services import health_scores_rescore

    return health_scores_rescore(as_of=datetime.date.fromisoformat(as_of))


@shared_task(name="healthscore.jobs.backfill", ignore_result=True)
def backfill(backfill_id: int) -> None:
    """Run a requested backfill of past days, recording its progress; quiet when the request is gone."""
    from healthscore.services import health_backfill_run

    health_backfill_run(backfill_id=backfill_id)
