"""Raw event storage: COPY + INSERT ... ON CONFLICT on PostgreSQL, idempotent per (source, event id)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from usage.models import CustomMetricValue, Event
from usage.services import EventRow, events_store, metric_values_upsert

pytestmark = pytest.mark.django_db
WHEN = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def row(n: int, **kw) -> EventRow:
    base = dict(
        event_id=f"e{n}",
        account_id="a",
        user_id="u",
        action="feature",
        module="m",
        feature="f",
        quantity=1.0,
        duration_ms=None,
        session_id="s",
        product="",
        occurred_at=WHEN,
        details=None,
    )
    base.update(kw)
    return EventRow(**base)


def test_it_stores_each_event_once_per_source():
    assert events_store(source_id=1, rows=[row(1), row(2), row(2)]) == 2
    assert events_store(source_id=1, rows=[row(1), row(3)]) == 1
    assert events_store(source_id=2, rows=[row(1)]) == 1  # another source's id space
    assert Event.objects.count() == 4


def test_it_keeps_details_and_odd_text():
    events_store(source_id=1, rows=[row(1, feature="tab\there\nnew \\ line", details={"name": "Zoë", "n": [1, 2]})])
    stored = Event.objects.get()
    assert stored.feature == "tab\there\nnew \\ line" and stored.details == {"name": "Zoë", "n": [1, 2]}


def test_metric_values_replace_the_same_moment():
    metric_values_upsert(
        source_id=1, values=[{"metric": "m", "account_id": "a", "timestamp": WHEN, "value": Decimal(1)}]
    )
    metric_values_upsert(
        source_id=1, values=[{"metric": "m", "account_id": "a", "timestamp": WHEN, "value": Decimal(2)}]
    )
    assert CustomMetricValue.objects.get().value == Decimal(2)
