"""How long raw events are kept: the months older than USAGE_EVENT_RETENTION_DAYS are dropped whole (PostgreSQL:
one catalogue change per month, nothing read or vacuumed; SQLite: their rows deleted), and what was derived from
them (sessions, roll-ups, ranks, metric values) stays.

The first day still kept is recorded (EventRetention); computing a day before it again is refused, since its
roll-ups would be rebuilt from events that are gone.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import connection, transaction

from core import partitions
from usage.models import Event, EventRetention

SETTING = "USAGE_EVENT_RETENTION_DAYS"


class EventsNoLongerKept(ValueError):
    """A day asked for is older than the raw events kept."""


def events_kept_from() -> datetime.date | None:
    """The first day whose raw events are kept, once the retention job has dropped some; None before."""
    return EventRetention.objects.values_list("events_from", flat=True).order_by("-events_from").first()


def day_refusal(day: datetime.date) -> str | None:
    """Why `day` cannot be computed from raw events (they are no longer kept), or None when it can."""
    kept_from = events_kept_from()
    if kept_from is None or day >= kept_from:
        return None
    return (
        f"Raw events before {kept_from:%Y-%m-%d} are no longer kept ({SETTING} is {settings.USAGE_EVENT_RETENTION_DAYS}"
        f" days), so {day:%Y-%m-%d} cannot be computed again: the oldest day available is {kept_from:%Y-%m-%d}."
    )


def events_day_check(day: datetime.date) -> None:
    """Raise EventsNoLongerKept (with the oldest day available) when `day` is older than the raw events kept."""
    refusal = day_refusal(day)
    if refusal:
        raise EventsNoLongerKept(refusal)


@transaction.atomic
def events_retain(*, today: datetime.date, days: int | None = None) -> dict:
    """Drop the raw events of the months that ended more than `days` (USAGE_EVENT_RETENTION_DAYS) days before
    `today`, and record the first day kept (the first day of the month holding the cut-off). Returns the months
    dropped (PostgreSQL) or the rows deleted (SQLite), and that day."""
    days = settings.USAGE_EVENT_RETENTION_DAYS if days is None else days
    cutoff = today - datetime.timedelta(days=days)
    kept_from = partitions.month_start(cutoff)
    result: dict = {"kept_from": kept_from.isoformat()}
    if partitions.is_partitioned("usage_event"):
        result["dropped"] = partitions.partitions_drop_before("usage_event", cutoff)
    else:
        start = datetime.datetime.combine(kept_from, datetime.time.min, tzinfo=datetime.UTC)
        result["deleted"], _ = Event.objects.filter(occurred_at__lt=start).delete()
    previous = events_kept_from()
    if previous is None or kept_from > previous:
        EventRetention.objects.update_or_create(pk=1, defaults={"events_from": kept_from})
    if connection.vendor == "postgresql":
        result["partitions"] = len(partitions.partitions_list("usage_event"))
    return result
