"""Reads of the metric catalogue, and of metric values for pages (the account page's facts, the list's trends)."""

from __future__ import annotations

import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet

from accounts.models import Account
from metrics import formula
from metrics.models import TREND_POINTS, Metric, MetricCurrent, MetricKind, value_model
from metrics.registry import values_tables

TREND_MONTHS = TREND_POINTS - 1


def catalogue() -> QuerySet[Metric]:
    """Every metric that is not deleted, built-in first."""
    order = {MetricKind.BUILTIN: 0, MetricKind.CUSTOM: 1, MetricKind.COMPUTED: 2}
    metrics = list(Metric.objects.filter(deleted_at=None))
    return sorted(metrics, key=lambda m: (order.get(m.kind, 9), m.name.lower()))


def formula_problem(metric: Metric, known_keys: set[str]) -> str:
    """Why a computed metric's formula cannot be evaluated now (e.g. a metric it uses was deleted), or ""."""
    try:
        formula.validate(metric.formula, known_keys, self_key=metric.key)
    except formula.FormulaError as exc:
        return str(exc)
    return ""


def live_keys() -> set[str]:
    return set(Metric.objects.filter(deleted_at=None).values_list("key", flat=True))


def account_current_values(*, account: Account, keys: list[str]) -> dict[str, float | None]:
    """The current (latest) value of each metric of `keys` for `account`, in one query; absent keys are left out."""
    return dict(
        MetricCurrent.objects.filter(account=account, metric__key__in=keys, metric__deleted_at=None).values_list(
            "metric__key", "value"
        )
    )


def _as_date(value: datetime.date | str) -> datetime.date:
    """A date column read by raw SQL: a date on PostgreSQL, ISO text on SQLite."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def trend_dates(today: datetime.date, months: int = TREND_MONTHS) -> list[datetime.date]:
    """The last day of each of the `months` months before today's month, oldest first."""
    ends = []
    first = today.replace(day=1)
    for _ in range(months):
        end = first - datetime.timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


def trend_points(as_of: datetime.date) -> list[datetime.date]:
    """The days of the revenue trend built for `as_of`: the 12 month ends before its month, then `as_of`."""
    return [*trend_dates(as_of), as_of]


def revenue_trend_totals(*, accounts: QuerySet[Account]) -> tuple[datetime.date | None, list[float | None]]:
    """The total MRR of `accounts` on each day of the latest revenue trend, and the day it was built for
    ((None, []) before the pipeline built one). Each account counts once: usage and revenue roll up, so an account
    whose ancestor is also in `accounts` is already inside that ancestor's figure. One query over the precomputed
    trend (one narrow row per account), whatever the view or filters."""
    try:
        members_sql, members_params = accounts.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return None, []
    sums = ", ".join(f"SUM(t.mrr_{i:02d})" for i in range(TREND_POINTS))
    # The members' query is written out twice rather than shared through a WITH: PostgreSQL materialises a WITH
    # that is read twice, and then plans both reads blind (it guessed 200 rows for 90,000 and took 4x longer).
    sql = (
        f"SELECT t.as_of, {sums} FROM metrics_revenuetrend t "
        f"WHERE t.account_id IN ({members_sql}) AND NOT EXISTS ("
        "SELECT 1 FROM metrics_revenuetrendcover c WHERE c.account_id = t.account_id "
        f"AND c.ancestor_id IN ({members_sql})) "
        "GROUP BY t.as_of ORDER BY t.as_of DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*members_params, *members_params])
        row = cursor.fetchone()
    if row is None:
        return None, []
    return _as_date(row[0]), [None if value is None else float(value) for value in row[1:]]


def account_metric_history(
    *, account: Account, keys: list[str], since: datetime.date, until: datetime.date
) -> dict[str, list[tuple[datetime.date, float]]]:
    """The stored daily values of each metric of `keys` for `account` from `since` to `until` (both included), oldest
    first, in one query over every table that keeps them (each through its (metric, account, date) index); keys
    without values answer []."""
    history: dict[str, list[tuple[datetime.date, float]]] = {key: [] for key in keys}
    parts = [
        value_model(table)
        .objects.filter(
            account=account, metric__key__in=keys, metric__deleted_at=None, date__gte=since, date__lte=until
        )
        .values_list("metric__key", "date", "value")
        for table in values_tables()
    ]
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for key, day, value in rows.order_by("date"):
        history[key].append((day, value))
    return history
