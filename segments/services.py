"""Changes to lists: save (with checked conditions), delete, the example lists, and the daily size history."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from core.pipeline import each_object
from segments.fields import Entity, catalogue_load
from segments.models import ListSizeHistory, Segment, Visibility
from segments.schema import ConditionError, parse
from segments.selectors import conditions_queryset, conditions_resolve, list_query_settings
from team.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def segment_save(
    *,
    segment: Segment,
    conditions: Any,
    columns: list[str] | None = None,
    owner: User | None = None,
) -> Segment:
    """Check `conditions` against the catalogue, store them in their normalised form, and save the list.

    A new list gets `owner`. Raises ValidationError({"conditions": ...}) naming the condition that is wrong.
    """
    try:
        parsed, _ = conditions_resolve(conditions, entity=segment.entity)
    except ConditionError as exc:
        raise ValidationError({"conditions": exc.label}) from None
    segment.conditions = parsed.model_dump(mode="json", exclude_none=True)
    if columns is not None:
        segment.columns = list(dict.fromkeys(columns))
    if segment.pk is None and owner is not None:
        segment.owner = owner
    segment.full_clean()
    segment.save()
    return segment


def segment_delete(*, segment: Segment) -> None:
    """Delete a list and its size history."""
    segment.delete()


def list_sizes_record(as_of: datetime.date) -> int:
    """Store every list's size on `as_of` (all live accounts or contacts matching, whoever can see them).

    Idempotent: one row per list and day, replaced on a rerun. A list whose conditions no longer resolve records no
    size and what broke; a list whose count fails in the database is skipped alone (`each_object`: the error is
    kept on the list and on the pipeline run) and the others are counted.
    A loop over the lists (configuration objects, a few hundred at most); each count is one SQL query.
    """
    catalogues = {entity: catalogue_load(entity=entity) for entity in Entity.values}

    def count(segment: Segment) -> ListSizeHistory:
        try:
            qs = conditions_queryset(
                user=None,
                data=segment.conditions,
                entity=segment.entity,
                as_of=as_of,
                catalogue=catalogues[segment.entity],
            )
        except ConditionError as exc:
            return ListSizeHistory(segment=segment, date=as_of, size=None, problem=exc.label[:300])
        with list_query_settings():
            return ListSizeHistory(segment=segment, date=as_of, size=qs.count(), problem="")

    segments = list(Segment.objects.only("pk", "name", "entity", "conditions", "pipeline_error"))
    done = dict(each_object(segments, count, name=lambda segment: f"list {segment.pk} ({segment.name[:60]})"))
    rows = [
        done.get(segment)
        or ListSizeHistory(segment=segment, date=as_of, problem=f"Not counted: {segment.pipeline_error}"[:300])
        for segment in segments
    ]
    ListSizeHistory.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["segment", "date"],
        update_fields=["size", "problem"],
    )
    return len(rows)


def _last_days(days: int) -> dict:
    return {"kind": "last_days", "days": days}


# Example lists hold live accounts only: a churned account is not up for renewal, onboarding or falling usage.
LIVE_ONLY: dict[str, Any] = {"type": "date", "field": "churned_on", "op": "is_empty"}

EXAMPLES: list[dict[str, Any]] = [
    {
        "example_key": "renewal_90",
        "name": "Renewal in the next 90 days",
        "description": "Live (not churned) accounts whose renewal date falls between today and 90 days from now.",
        "columns": ["field:account_id", "field:tier", "field:stage", "field:renewal_date"],
        "sort": "field:renewal_date",
        "conditions": {
            "version": 1,
            "root": {
                "type": "group",
                "match": "all",
                "children": [
                    LIVE_ONLY,
                    {
                        "type": "date",
                        "field": "renewal_date",
                        "op": "within",
                        "window": {"kind": "next_days", "days": 90},
                    },
                ],
            },
        },
    },
    {
        "example_key": "no_activity_14",
        "name": "No activity in 14 days",
        "description": "Active accounts with no product events in the last 14 days (none at all counts too).",
        "columns": ["field:account_id", "field:tier", "field:stage", "metric:events"],
        "sort": "field:name",
        "conditions": {
            "version": 1,
            "root": {
                "type": "group",
                "match": "all",
                "children": [
                    {"type": "date", "field": "churned_on", "op": "is_empty"},
                    {
                        "type": "metric",
                        "metric": "events",
                        "aggregation": "sum",
                        "window": _last_days(14),
                        "op": "is",
                        "value": 0,
                    },
                ],
            },
        },
    },
    {
        "example_key": "usage_down_30",
        "name": "Usage down 30 % month over month",
        "description": "Live accounts with session time in the last 30 days at least 30 % below the 30 days before.",
        "columns": ["field:account_id", "field:tier", "field:stage", "metric:session_time"],
        "sort": "field:name",
        "conditions": {
            "version": 1,
            "root": {
                "type": "group",
                "match": "all",
                "children": [
                    LIVE_ONLY,
                    {
                        "type": "metric_trend",
                        "metric": "session_time",
                        "aggregation": "sum",
                        "window": _last_days(30),
                        "direction": "below",
                        "percent": 30,
                    },
                ],
            },
        },
    },
    {
        "example_key": "onboarding_60",
        "name": "Onboarding for more than 60 days",
        "description": "Live accounts still in the Onboarding stage that joined more than 60 days ago.",
        "columns": ["field:account_id", "field:tier", "field:join_date"],
        "sort": "field:join_date",
        "conditions": {
            "version": 1,
            "root": {
                "type": "group",
                "match": "all",
                "children": [
                    LIVE_ONLY,
                    {"type": "attribute", "field": "stage", "op": "is", "value": "Onboarding"},
                    {"type": "date", "field": "join_date", "op": "more_than_days_ago", "days": 60},
                ],
            },
        },
    },
]


def examples_install() -> int:
    """Create the example lists that do not exist yet (shared, without owner); never overwrites edits.

    Conditions are only structure-checked here: a metric named by key that does not exist yet (usage metrics come
    with the usage app) does not stop the install; the list then shows what is missing.
    """
    created = 0
    for example in EXAMPLES:
        parse(example["conditions"])
        _, was_created = Segment.objects.get_or_create(
            example_key=example["example_key"],
            defaults={
                "name": example["name"],
                "description": example["description"],
                "entity": Entity.ACCOUNT,
                "visibility": Visibility.SHARED,
                "conditions": example["conditions"],
                "columns": example["columns"],
                "sort": example["sort"],
            },
        )
        created += was_created
    return created


def examples_install_after_migrate(**kwargs: Any) -> None:
    """post_migrate handler: install the example lists (also after a test database flush)."""
    using = kwargs.get("using", "default")
    if using != "default":
        return
    examples_install()
