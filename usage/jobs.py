"""Celery jobs of the usage app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="usage.jobs.apply_events_to_accounts", ignore_result=True)
def apply_events_to_accounts_job(settle_seconds: int = 60) -> dict:
    """Create the accounts and contacts new events name and apply identify attributes."""
    from usage.services import events_apply_to_accounts

    return events_apply_to_accounts(settle_seconds=settle_seconds)


@shared_task(name="usage.jobs.events_retain", ignore_result=True)
def events_retain_job() -> dict:
    """Drop the months of raw events older than USAGE_EVENT_RETENTION_DAYS (their roll-ups stay)."""
    from django.utils import timezone

    from usage.retention import events_retain

    return events_retain(today=timezone.now().date())
