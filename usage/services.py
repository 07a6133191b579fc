"""Services of the usage app: store raw events (COPY on PostgreSQL), custom metric values, and create the
accounts and contacts that events name (a periodic job, off the request path)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from accounts import sync
from usage.models import CustomMetricValue, Event, EventAction, EventCursor

# Columns of one event row as the ingestion layer builds it (source and received time are per batch).
EVENT_COLUMNS = (
    "event_id",
    "account_id",
    "user_id",
    "action",
    "module",
    "feature",
    "quantity",
    "duration_ms",
    "session_id",
    "product",
    "occurred_at",
    "details",
)
_STAGE_DDL = """
CREATE TEMP TABLE IF NOT EXISTS usage_event_stage (
    event_id varchar(200) NOT NULL,
    account_id varchar(100) NOT NULL,
    user_id varchar(100) NOT NULL,
    action varchar(20) NOT NULL,
    module varchar(200) NOT NULL,
    feature varchar(200) NOT NULL,
    quantity double precision,
    duration_ms bigint,
    session_id varchar(200) NOT NULL,
    product varchar(200) NOT NULL,
    occurred_at timestamptz NOT NULL,
    details jsonb,
    timed boolean NOT NULL
) ON COMMIT DELETE ROWS
"""
_COLS = ", ".join(EVENT_COLUMNS)
# ORDER BY event_id: concurrent batches that share events take the unique-index locks in the same order, so two
# overlapping batches wait for each other instead of deadlocking. An event sent without a time of its own (it took
# the time it arrived) is a retry when its id is stored since the retry window began (see `events_store`).
_MERGE = f"""
INSERT INTO usage_event (source_id, received_at, {_COLS})
SELECT %s, %s, {_COLS} FROM usage_event_stage s
WHERE s.timed OR NOT EXISTS (
    SELECT 1 FROM usage_event e WHERE e.source_id = %s AND e.event_id = s.event_id AND e.occurred_at >= %s
)
ORDER BY event_id
ON CONFLICT (source_id, event_id, occurred_at) DO NOTHING
"""
# How far back a retried event without a time of its own is recognised by its id (clients and Segment retry for
# hours at most).
UNTIMED_RETRY_WINDOW = datetime.timedelta(days=3)
ENTITIES_CURSOR = "entities"


@dataclass(frozen=True)
class EventRow:
    """One validated event, ready to store. `details` (identify calls) is a dict or None."""

    event_id: str
    account_id: str
    user_id: str
    action: str
    module: str
    feature: str
    quantity: float | None
    duration_ms: int | None
    session_id: str
    product: str
    occurred_at: datetime.datetime
    details: dict | None = None
    # False when the client sent no time and `occurred_at` is when it arrived: a retry then arrives at another time.
    timed: bool = True


def events_store(*, source_id: int, rows: Sequence[EventRow], received_at: datetime.datetime | None = None) -> int:
    """Append events to the events table; an event whose (source, event id) is already stored at its time is
    skipped, and so is an event without a time of its own (`timed` False) whose (source, event id) is stored at
    any time in the last `UNTIMED_RETRY_WINDOW`.

    PostgreSQL: COPY into a temporary staging table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING.
    Elsewhere (SQLite): bulk_create(ignore_conflicts=True). Returns how many rows were new.
    """
    if not rows:
        return 0
    received_at = received_at or timezone.now()
    retry_since = received_at - UNTIMED_RETRY_WINDOW
    if connection.vendor != "postgresql":
        untimed = {row.event_id for row in rows if not row.timed}
        retried = set(
            Event.objects.filter(source_id=source_id, event_id__in=untimed, occurred_at__gte=retry_since).values_list(
                "event_id", flat=True
            )
        )
        before = Event.objects.count()
        Event.objects.bulk_create(
            [
                Event(source_id=source_id, received_at=received_at, **_event_fields(row))
                for row in rows
                if row.timed or row.event_id not in retried
            ],
            batch_size=500,
            ignore_conflicts=True,
        )
        return Event.objects.count() - before
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        raw.execute(_STAGE_DDL)
        # Normally empty (ON COMMIT DELETE ROWS); not when this runs inside a longer outer transaction.
        raw.execute("DELETE FROM usage_event_stage")
        with raw.copy(f"COPY usage_event_stage ({_COLS}, timed) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(
                    (
                        row.event_id,
                        row.account_id,
                        row.user_id,
                        row.action,
                        row.module,
                        row.feature,
                        row.quantity,
                        row.duration_ms,
                        row.session_id,
                        row.product,
                        row.occurred_at,
                        orjson.dumps(row.details).decode() if row.details is not None else None,
                        row.timed,
                    )
                )
        raw.execute(_MERGE, (source_id, received_at, source_id, retry_since))
        return raw.rowcount


def _event_fields(row: EventRow) -> dict[str, Any]:
    return {column: getattr(row, column) for column in EVENT_COLUMNS}


@transaction.atomic
def metric_values_upsert(*, source_id: int, values: Sequence[dict[str, Any]]) -> int:
    """Store custom metric values {metric, account_id, timestamp, value}; a value at the same (metric, account,
    timestamp) replaces the earlier one. Returns how many were written."""
    now = timezone.now()
    latest: dict[tuple, CustomMetricValue] = {}
    for value in values:
        row = CustomMetricValue(
            metric=value["metric"],
            account_id=value["account_id"],
            timestamp=value["timestamp"],
            value=Decimal(str(value["value"])),
            source_id=source_id,
            received_at=now,
        )
        latest[(row.metric, row.account_id, row.timestamp)] = row
    CustomMetricValue.objects.bulk_create(
        list(latest.values()),
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["metric", "account_id", "timestamp"],
        update_fields=["value", "source_id", "received_at"],
    )
    return len(latest)


_ACCOUNT_TRAITS = {
    "name": "name",
    "industry": "industry",
    "employees": "employees",
    "website": "website",
    "description": "description",
    "plan": None,
}
_CONTACT_TRAITS = {"name": "name", "email": "email", "title": "title", "phone": "phone", "role": "role"}


def _traits(details: dict | None, mapping: dict[str, str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, field in mapping.items():
        if field and isinstance(details, dict) and details.get(key) not in (None, ""):
            value = details[key]
            if field == "employees":
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    continue
            elif not isinstance(value, str):
                value = str(value)
            out[field] = value
    if isinstance(details, dict):
        first, last = details.get("firstName") or details.get("first_name"), details.get("lastName")
        if "name" in mapping and "name" not in out and (first or last):
            out["name"] = " ".join(str(p) for p in (first, last) if p)
    return out


def events_apply_to_accounts(
    *, settle_seconds: int = 60, limit: int = 100_000, now: datetime.datetime | None = None
) -> dict[str, int]:
    """Create the accounts and contacts that new events name, link contacts to their accounts, and apply the
    attributes of identify calls (set-based, through accounts.sync).

    Reads the events after the `entities` cursor, up to `limit` rows, leaving out those received in the last
    `settle_seconds` (a batch still committing may hold lower ids than one already committed). Advances the
    cursor. Returns counts.
    """
    now = now or timezone.now()
    with transaction.atomic():
        cursor, _ = EventCursor.objects.select_for_update().get_or_create(name=ENTITIES_CURSOR)
        window = Event.objects.filter(
            id__gt=cursor.last_event_id, received_at__lte=now - datetime.timedelta(seconds=settle_seconds)
        )
        upper = window.order_by("id").values_list("id", flat=True)[limit - 1 : limit].first()
        if upper is None:
            upper = window.order_by("-id").values_list("id", flat=True).first()
        if upper is None:
            return {"events": 0, "accounts": 0, "contacts": 0}
        span = Event.objects.filter(id__gt=cursor.last_event_id, id__lte=upper)
        from django.db.models import Count, Max, Min

        seen = list(
            span.exclude(user_id="")
            .values("account_id", "user_id")
            .annotate(first=Min("occurred_at"), last=Max("occurred_at"))
            .values_list("account_id", "user_id", "first", "last")
        )
        account_ids = set(span.values_list("account_id", flat=True).distinct())
        events = span.aggregate(n=Count("id"))["n"]
        created_accounts = sync.accounts_ensure(account_ids=account_ids, source="events")
        created_contacts = sync.contacts_ensure(seen=seen, source="events")
        _apply_identify(span)
        cursor.last_event_id = upper
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return {"events": events, "accounts": created_accounts, "contacts": created_contacts}


def _apply_identify(span) -> None:
    """The latest identify call per account / contact in the span sets their attributes."""
    accounts: dict[str, dict] = {}
    contacts: dict[str, dict] = {}
    rows = (
        span.filter(action__in=[EventAction.IDENTIFY_ACCOUNT, EventAction.IDENTIFY_USER], details__isnull=False)
        .order_by("occurred_at", "id")
        .values_list("action", "account_id", "user_id", "details")
    )
    for action, account_id, user_id, details in rows.iterator(chunk_size=2000):
        if action == EventAction.IDENTIFY_ACCOUNT:
            traits = _traits(details, _ACCOUNT_TRAITS)
            if traits:
                accounts.setdefault(account_id, {"account_id": account_id}).update(traits)
        elif user_id:
            traits = _traits(details, _CONTACT_TRAITS)
            if traits:
                contacts.setdefault(user_id, {"account_id": account_id, "user_id": user_id}).update(traits)
    if accounts:
        sync.accounts_bulk_upsert(records=list(accounts.values()), source="events")
    if contacts:
        sync.contacts_bulk_upsert(records=list(contacts.values()), source="events")
