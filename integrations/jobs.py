"""Celery jobs of the ingestion layer; their schedule is in natero/celery.py."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="integrations.jobs.trim_api_calls", ignore_result=True)
def trim_api_calls_job(source_id: int | None = None) -> int:
    """Keep only the last 1,000 API calls of each source."""
    from integrations.services import api_calls_trim

    return api_calls_trim(source_id=source_id)
