"""Two-step aggregation: per account over time, then across a list of accounts (SPEC section 4).

`aggregate_series` is the reference definition, over values in memory; `aggregate_metric` runs the same rules as
one SQL query over the stored daily history, so charts and lists never read raw events.

Rules: time aggregation per account and period (sum; average = sum of daily values / days in the period; max; min;
count of days with a value; latest). Then across accounts: sum, max and min of the accounts that have a value;
average divides by every account in the list, including those with no value in the period; count is the number of
distinct accounts with a value.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import connection

from metrics.models import VALUES_TABLE, AccountAggregation, Metric, TimeAggregation


class Frequency:
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    CHOICES = [(DAILY, "Daily"), (WEEKLY, "Weekly"), (MONTHLY, "Monthly")]


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def periods_between(start: datetime.date, end: datetime.date, frequency: str) -> list[Period]:
    """Consecutive periods covering start..end; weeks start on Monday, months on the 1st, clipped to the range."""
    periods: list[Period] = []
    cursor = start
    while cursor <= end:
        if frequency == Frequency.DAILY:
            last = cursor
        elif frequency == Frequency.WEEKLY:
            last = cursor + datetime.timedelta(days=6 - cursor.weekday())
        elif frequency == Frequency.MONTHLY:
            next_month = (cursor.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
            last = next_month - datetime.timedelta(days=1)
        else:
            raise ValueError(f"Unknown frequency {frequency!r}")
        last = min(last, end)
        periods.append(Period(cursor, last))
        cursor = last + datetime.timedelta(days=1)
    return periods


def _time_aggregate(values: list[tuple[datetime.date, float]], period: Period, how: str) -> float | None:
    if not values:
        return None
    numbers = [v for _, v in values]
    if how == TimeAggregation.SUM:
        return sum(numbers)
    if how == TimeAggregation.AVERAGE:
        return sum(numbers) / period.days
    if how == TimeAggregation.MAX:
        return max(numbers)
    if how == TimeAggregation.MIN:
        return min(numbers)
    if how == TimeAggregation.COUNT:
        return float(len(numbers))
    if how == TimeAggregation.LATEST:
        return max(values)[1]
    raise ValueError(f"Unknown time aggregation {how!r}")


def _account_aggregate(values: list[float], list_size: int, how: str) -> float | None:
    if how == AccountAggregation.COUNT:
        return float(len(values))
    if not values:
        return None
    if how == AccountAggregation.SUM:
        return sum(values)
    if how == AccountAggregation.AVERAGE:
        return sum(values) / list_size
    if how == AccountAggregation.MAX:
        return max(values)
    if how == AccountAggregation.MIN:
        return min(values)
    raise ValueError(f"Unknown account aggregation {how!r}")


def aggregate_series(
    daily: Mapping[object, Mapping[datetime.date, float]],
    accounts: Iterable[object],
    periods: Sequence[Period],
    time_aggregation: str,
    account_aggregation: str,
) -> list[float | None]:
    """One value per period for the list `accounts`, from each account's daily values."""
    accounts = list(accounts)
    series: list[float | None] = []
    for period in periods:
        per_account = []
        for account in accounts:
            days = daily.get(account, {})
            in_period = sorted((d, v) for d, v in days.items() if period.start <= d <= period.end and v is not None)
            value = _time_aggregate(in_period, period, time_aggregation)
            if value is not None:
                per_account.append(value)
        series.append(_account_aggregate(per_account, len(accounts), account_aggregation))
    return series


_TIME_SQL = {
    TimeAggregation.SUM: "SUM(v.value)",
    TimeAggregation.AVERAGE: "SUM(v.value) / MAX(p.days)",
    TimeAggregation.MAX: "MAX(v.value)",
    TimeAggregation.MIN: "MIN(v.value)",
    TimeAggregation.COUNT: "COUNT(v.value)",
}
_ACCOUNT_SQL = {
    AccountAggregation.SUM: "SUM(a.value)",
    AccountAggregation.AVERAGE: "SUM(a.value) / %(list_size)s",
    AccountAggregation.MAX: "MAX(a.value)",
    AccountAggregation.MIN: "MIN(a.value)",
    AccountAggregation.COUNT: "COUNT(DISTINCT a.account_id)",
}


def aggregate_metric(
    *,
    metric_id: int,
    account_ids_sql: tuple[str, Sequence],
    periods: Sequence[Period],
    time_aggregation: str,
    account_aggregation: str,
) -> list[float | None]:
    """The same rules as `aggregate_series`, in one SQL query over stored daily values.

    `account_ids_sql` is a (sql, params) pair selecting the list's account ids, so a list of 100,000 accounts
    never travels through Python.
    """
    if not periods:
        return []
    list_sql, list_params = account_ids_sql
    date = "::date" if connection.vendor == "postgresql" else ""
    period_rows = ", ".join([f"(%s{date}, %s{date}, %s)"] * len(periods))
    period_params: list = []
    for period in periods:
        period_params += [period.start, period.end, period.days]
    metric = Metric.objects.filter(pk=metric_id).only("values_table").first()
    values = metric.values_relation if metric else VALUES_TABLE
    if time_aggregation == TimeAggregation.LATEST:
        per_account = (
            "SELECT start, account_id, value FROM ("
            "SELECT p.start, v.account_id, v.value, "
            "ROW_NUMBER() OVER (PARTITION BY p.start, v.account_id ORDER BY v.date DESC) AS n "
            f"FROM periods p JOIN {values} v ON v.date BETWEEN p.start AND p.stop "
            "WHERE v.metric_id = %(metric)s AND v.account_id IN (SELECT id FROM list)) ranked WHERE n = 1"
        )
    else:
        per_account = (
            f"SELECT p.start, v.account_id, CAST({_TIME_SQL[time_aggregation]} AS DOUBLE PRECISION) AS value "
            f"FROM periods p JOIN {values} v ON v.date BETWEEN p.start AND p.stop "
            "WHERE v.metric_id = %(metric)s AND v.account_id IN (SELECT id FROM list) "
            "GROUP BY p.start, v.account_id"
        )
    # Named placeholders cannot mix with the positional ones of the list and periods: inline them as positional.
    across = _ACCOUNT_SQL[account_aggregation].replace("%(list_size)s", "(SELECT COUNT(*) FROM list)")
    sql = (
        f"WITH list AS ({list_sql}), periods(start, stop, days) AS (VALUES {period_rows}), "
        f"per_account AS ({per_account.replace('%(metric)s', '%s')}) "
        f"SELECT p.start, CAST({across} AS DOUBLE PRECISION) FROM periods p "
        "LEFT JOIN per_account a ON a.start = p.start GROUP BY p.start ORDER BY p.start"
    )
    params = [*list_params, *period_params, metric_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = {
            key if isinstance(key, datetime.date) else datetime.date.fromisoformat(key): value
            for key, value in cursor.fetchall()
        }
    return [rows.get(period.start) for period in periods]
