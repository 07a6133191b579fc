"""The account list's metric columns: one per live numeric metric, read from the current (latest) values, registered
with the accounts app in MetricsConfig.ready() (accounts cannot import metrics)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, F, FilteredRelation, OuterRef, Q, QuerySet

from metrics.models import Metric, MetricCurrent, MetricUnit

# Offered first in the column chooser, in this order: what a CSM scans a book of business by.
PREFERRED = [
    "mrr",
    "arr",
    "activity_rank",
    "monthly_active_users",
    "days_since_touchpoint",
    "days_since_activity",
    "days_active_30",
]
LABELS = {"monthly_active_users": "Active users (30 days)", "days_since_touchpoint": "Days since touchpoint"}
PREFIX = "metric_"


def _annotate(metric_id: int):
    def annotate(qs: QuerySet, alias: str) -> QuerySet:
        # A join on the (metric, account) key of the current values: the sort reads one row per account, not a
        # subquery per row.
        relation = f"{alias}_rel"
        qs = qs.alias(
            **{relation: FilteredRelation("current_metrics", condition=Q(current_metrics__metric_id=metric_id))}
        )
        return qs.alias(**{alias: F(f"{relation}__value")})

    return annotate


def _filter(metric_id: int):
    def keep(qs: QuerySet, low: float | None, high: float | None) -> QuerySet:
        values = MetricCurrent.objects.filter(metric_id=metric_id, account_id=OuterRef("pk"), value__isnull=False)
        if low is not None:
            values = values.filter(value__gte=low)
        if high is not None:
            values = values.filter(value__lte=high)
        return qs.filter(Exists(values))

    return keep


def _without(metric_id: int):
    def keep(qs: QuerySet) -> QuerySet:
        values = MetricCurrent.objects.filter(metric_id=metric_id, account_id=OuterRef("pk"), value__isnull=False)
        return qs.filter(~Exists(values))

    return keep


def metric_columns() -> list:
    """One list column per live metric (every metric is numeric), the preferred ones marked (one query)."""
    from accounts.panels import ListColumn

    columns = []
    for metric in Metric.objects.filter(deleted_at=None).only("id", "key", "name"):
        preferred = metric.key in PREFERRED
        columns.append(
            ListColumn(
                key=f"{PREFIX}{metric.key}",
                label=LABELS.get(metric.key, metric.name),
                annotate=_annotate(metric.pk),
                filter=_filter(metric.pk),
                without=_without(metric.pk),
                preferred=preferred,
                order=PREFERRED.index(metric.key) if preferred else 100,
            )
        )
    return columns


def _text(value: float, unit: str, currency: str) -> str:
    """A metric's value in the one format of every page (core.formatting): money with its currency, numbers with
    thousands separators and never an exponent."""
    from core.formatting import format_money, format_number

    if unit == MetricUnit.CURRENCY:
        return format_money(value, currency or None)
    if unit == MetricUnit.PERCENT:
        return f"{format_number(value, 1)} %"
    if unit == MetricUnit.SECONDS:
        hours, rest = divmod(round(value), 3600)
        return f"{hours:,}h {rest // 60:02d}m" if hours else f"{rest // 60}m {rest % 60:02d}s"
    return format_number(value, 0 if float(value).is_integer() or abs(value) >= 100 else None)


def metric_column_values(keys: list[str], account_ids: list[int]) -> dict[str, dict[int, Any]]:
    """{column key: {account pk: Fact}} of the chosen metric columns for one page of accounts: one query for every
    column's current values, one more for the activity rank's trend arrow when that column is shown."""
    from accounts.panels import Fact
    from revenue.selectors import base_currency

    metric_keys = [key.removeprefix(PREFIX) for key in keys]
    out: dict[str, dict[int, Any]] = {key: {} for key in keys}
    if not account_ids or not metric_keys:
        return out
    rows = MetricCurrent.objects.filter(
        account_id__in=account_ids, metric__key__in=metric_keys, metric__deleted_at=None
    ).values_list("metric__key", "metric__unit", "account_id", "value")
    currency = None
    trends: dict[int, int] = {}
    if "activity_rank" in metric_keys:
        from usage.models import ActivityEntity
        from usage.selectors import latest_activity_ranks

        ranks = latest_activity_ranks(entity=ActivityEntity.ACCOUNT, object_ids=account_ids)
        trends = {pk: rank.trend for pk, rank in ranks.items()}
    for key, unit, account_id, value in rows:
        if value is None:
            continue
        if unit == MetricUnit.CURRENCY and currency is None:
            currency = base_currency()
        out[f"{PREFIX}{key}"][account_id] = Fact(
            label=key,
            value=_text(value, unit, currency or ""),
            trend=trends.get(account_id) if key == "activity_rank" else None,
            raw=value,
        )
    return out
