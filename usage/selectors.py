"""Reads of raw usage data for the API and admin pages."""

from __future__ import annotations

from django.db.models import QuerySet

from usage.models import CustomMetricValue, Event


def events_of_account(*, account_id: str) -> QuerySet[Event]:
    """Raw events of an account (by external id), newest first."""
    return Event.objects.filter(account_id=account_id).order_by("-occurred_at", "-id")


def metric_values(*, account_id: str | None = None, metric: str | None = None) -> QuerySet[CustomMetricValue]:
    """Custom metric values, optionally of one account and/or one metric."""
    qs = CustomMetricValue.objects.all()
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if metric:
        qs = qs.filter(metric=metric)
    return qs
