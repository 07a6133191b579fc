"""Demo data for integrations: the product's events arrive through a data source, as they would in production.

`seed_events` creates the "Product app" source (Event API, with a key), stores the demo's product events as sent
by it (usage/demo.py), and fills its call log: one batch call at the end of every hour that had events, newest
1,000 kept like the real log, a few of them partly rejected (a record without its time) and one refused as too
large, so the Sources page and the API status page show what a working integration looks like. Safe to run again:
the source is found by name, events are stored once, and the call log is written once.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from integrations.models import API_CALL_LOG_SIZE, ApiCall, CallStatus, Source, SourceKind
from integrations.services import source_create

SOURCE_NAME = "Product app (Event API)"
SEED = 20260104
ENDPOINT = "/v1/{auth_key}/{api_key}"


def demo_source() -> Source:
    """The demo's event source, created with its first key when missing."""
    source = Source.objects.filter(name=SOURCE_NAME, kind=SourceKind.API).order_by("pk").first()
    if source is None:
        source, _ = source_create(name=SOURCE_NAME, kind=SourceKind.API, by=None)
    return source


def _call_log(source: Source) -> int:
    """One call per hour that had events (its events as records), the newest API_CALL_LOG_SIZE hours."""
    from usage.models import Event

    if ApiCall.objects.filter(source=source).exists():
        return 0
    rng = random.Random(SEED)
    hours = list(
        Event.objects.filter(source_id=source.pk)
        .annotate(hour=TruncHour("occurred_at"))
        .values("hour")
        .annotate(events=Count("id"))
        .order_by("-hour")[:API_CALL_LOG_SIZE]
    )
    calls = []
    now = timezone.now()
    for position, row in enumerate(reversed(hours)):
        # The batch is sent at the end of its hour; the hour still running sent what it has so far.
        at = min(now, row["hour"] + datetime.timedelta(minutes=59, seconds=rng.randint(0, 50)))
        records, failed, status, code, error = row["events"], 0, CallStatus.SUCCESS, 200, ""
        if rng.random() < 0.02:
            failed = rng.randint(1, 3)
            records += failed
            status = CallStatus.PARTIAL
            message = "created_at is required (epoch milliseconds)."
            error = message if failed == 1 else f"{failed} records failed; first: {message}"
        elif position == len(hours) // 3:
            status, code, records = CallStatus.FAILURE, 413, 0
            error = "The body is larger than 5242880 bytes; send smaller batches."
        calls.append(
            ApiCall(
                source=source,
                at=at,
                method="POST",
                endpoint=ENDPOINT,
                status_code=code,
                status=status,
                records=records,
                failed=failed,
                error=error,
            )
        )
    ApiCall.objects.bulk_create(calls, batch_size=1000)
    return len(calls)


def seed_events(*, stdout: Any = None, **options: Any) -> None:
    """The event source, the demo's product events sent through it, and its call log."""
    from usage.demo import seed_usage

    source = demo_source()
    seed_usage(source_id=source.pk, stdout=stdout)
    calls = _call_log(source)
    if stdout:
        total = ApiCall.objects.filter(source=source).count()
        stdout.write(f"  Source “{source.name}”: {calls:,} calls logged ({total - calls:,} already there).")


def report() -> list[tuple[str, int]]:
    from usage.models import Event

    return [
        ("data sources", Source.objects.count()),
        ("API calls logged", ApiCall.objects.count()),
        ("product events", Event.objects.count()),
    ]
