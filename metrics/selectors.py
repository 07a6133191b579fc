"""Reads of the metric catalogue, and of metric values for pages (the account page's facts, the list's trends)."""

from __future__ import annotations

import datetime

from django.db import connection
from django.db.models import QuerySet

from accounts.models import Account
from core.sql import date_param
from metrics import formula
from metrics.models import Metric, MetricCurrent, MetricKind


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


HIERARCHY_CLIMB_LIMIT = 20


def metric_totals_on(
    *, key: str, accounts: QuerySet[Account], dates: list[datetime.date]
) -> dict[datetime.date, float]:
    """The sum of metric `key` over `accounts` on each of `dates` (days without any value are left out).

    Each account counts once: usage and revenue metrics roll up, so a parent's value already includes its
    descendants; an account of the set is summed only when no ancestor of it (its parent, the parent's parent, ...)
    is also in the set. One aggregate query: the climb starts only from accounts of the set that have a parent.
    """
    members_sql, members_params = accounts.order_by().values("pk").query.sql_with_params()
    placeholders = ", ".join(["%s"] * len(dates))
    sql = f"""
    WITH RECURSIVE members(pk) AS ({members_sql}),
    climb(account_id, ancestor_id, depth) AS (
        SELECT a.id, a.parent_id, 1 FROM accounts_account a
        WHERE a.parent_id IS NOT NULL AND a.id IN (SELECT pk FROM members)
        UNION ALL
        SELECT c.account_id, p.parent_id, c.depth + 1 FROM climb c JOIN accounts_account p ON p.id = c.ancestor_id
        WHERE p.parent_id IS NOT NULL AND c.depth < %s
    ),
    covered AS (SELECT account_id FROM climb WHERE ancestor_id IN (SELECT pk FROM members))
    SELECT v.date, SUM(v.value) FROM metrics_metricvalue v JOIN metrics_metric m ON m.id = v.metric_id
    WHERE m.key = %s AND v.date IN ({placeholders})
        AND v.account_id IN (SELECT pk FROM members) AND v.account_id NOT IN (SELECT account_id FROM covered)
    GROUP BY v.date ORDER BY v.date
    """
    params = [*members_params, HIERARCHY_CLIMB_LIMIT, key, *(date_param(day) for day in dates)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {_as_date(day): float(total) for day, total in cursor.fetchall() if total is not None}


def _as_date(value: datetime.date | str) -> datetime.date:
    """A date column read by raw SQL: a date on PostgreSQL, ISO text on SQLite."""
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
