"""Celery jobs of the lists app: thin wrappers around services."""

from __future__ import annotations

import datetime

from celery import shared_task


@shared_task(name="segments.jobs.list_sizes_record", ignore_result=True)
def list_sizes_record_job(as_of: str | None = None) -> int:
    """Record every list's size for `as_of` (ISO date; default today). The pipeline calls the service directly."""
    from django.utils import timezone

    from segments.services import list_sizes_record

    day = datetime.date.fromisoformat(as_of) if as_of else timezone.now().date()
    return list_sizes_record(day)
