"""The registry of built-in metrics.

Each built-in metric is a SQL query answering rows with columns named `account_id` and `value` for one day.
This app defines the metrics that come from accounts, usage and revenue; a higher app (health scores) registers
its own in AppConfig.ready(): fixed ones with `register_builtin`, and ones that depend on its configuration (one per
health component) with `register_builtin_provider`, a function answering them when asked. Metrics of a stage from
OWN_STEP_STAGE on are written by their app's own pipeline step (after it computed what they read), not by the metric
values step. A metric whose values another app already keeps day by day (the health score in the score history)
names the table or view that answers them as rows of (metric_id, account_id, date, value) in `values_table`, which
that app registers with `register_values_table`: they are read from there, not copied.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from metrics.models import VALUES_TABLE, Granularity, MetricUnit, TimeAggregation

SqlForDay = Callable[[datetime.date], tuple[str, list]]


@dataclass(frozen=True)
class BuiltinMetric:
    key: str
    name: str
    sql: SqlForDay | None  # None with a `values_table`
    unit: str = MetricUnit.NUMBER
    time_aggregation: str = TimeAggregation.SUM
    granularity: str = Granularity.DAILY
    description: str = ""
    # Steps run in order; metrics that read other metrics' values (activity rank, health) come later.
    stage: int = 10
    # The table or view that keeps its daily values (empty: the metric values step stores them).
    values_table: str = ""


OWN_STEP_STAGE = 100

_builtins: dict[str, BuiltinMetric] = {}
_providers: list[Callable[[], list[BuiltinMetric]]] = []
_values_tables: list[str] = []


def register_builtin(metric: BuiltinMetric) -> None:
    _builtins[metric.key] = metric


def register_builtin_provider(provider: Callable[[], list[BuiltinMetric]]) -> None:
    """Add a function answering built-in metrics that depend on stored configuration (it may read the database)."""
    if provider not in _providers:
        _providers.append(provider)


def _all() -> dict[str, BuiltinMetric]:
    found = dict(_builtins)
    for provider in _providers:
        for metric in provider():
            found.setdefault(metric.key, metric)
    return found


def builtins(stage: int | None = None) -> list[BuiltinMetric]:
    items = sorted(_all().values(), key=lambda m: (m.stage, m.key))
    return [m for m in items if stage is None or m.stage == stage]


def builtin(key: str) -> BuiltinMetric | None:
    return _builtins.get(key) or _all().get(key)


def register_values_table(table: str) -> None:
    """Add a table or view of daily metric values (columns metric_id, account_id, date, value) kept by another app;
    readers of every metric's values (current values, formulas) read it beside the metric values table."""
    if table not in _values_tables:
        _values_tables.append(table)


def values_tables() -> list[str]:
    """Every table or view that keeps daily metric values, the metric values table first."""
    return [VALUES_TABLE, *_values_tables]


def day_values_sql() -> tuple[str, int]:
    """A SELECT of every catalogued metric's values (metric_id, account_id, date, value) on one day, wherever they
    are kept, and how many times it takes the day as a parameter. Each table is filtered on the day by itself: a
    view over another app's rows answers only catalogued metrics, and a join on the catalogue would read it once
    per metric."""
    # metric_id IN (...) lets each metric's (metric, date) index range of the values table be read instead of the
    # whole history.
    parts = [_rows(VALUES_TABLE, "metric_id IN (SELECT id FROM metrics_metric) AND date = %s")]
    parts += [_rows(table, "date = %s") for table in _values_tables]
    return " UNION ALL ".join(parts), len(parts)


def all_values_sql() -> str:
    """A relation of every metric's daily values (metric_id, account_id, date, value), wherever they are kept;
    filters on metric_id and date reach each table's own indexes."""
    if not _values_tables:
        return VALUES_TABLE
    return "(" + " UNION ALL ".join(_rows(table) for table in values_tables()) + ")"


def _rows(table: str, where: str = "") -> str:
    return f"SELECT metric_id, account_id, date, value FROM {table}{f' WHERE {where}' if where else ''}"
