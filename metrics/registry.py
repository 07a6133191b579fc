"""The registry of built-in metrics.

Each built-in metric is a SQL query answering rows with columns named `account_id` and `value` for one day.
This app defines the metrics that come from accounts, usage and revenue; a higher app (health scores) registers
its own in AppConfig.ready().
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from metrics.models import Granularity, MetricUnit, TimeAggregation

SqlForDay = Callable[[datetime.date], tuple[str, list]]


@dataclass(frozen=True)
class BuiltinMetric:
    key: str
    name: str
    sql: SqlForDay
    unit: str = MetricUnit.NUMBER
    time_aggregation: str = TimeAggregation.SUM
    granularity: str = Granularity.DAILY
    description: str = ""
    # Steps run in order; metrics that read other metrics' values (activity rank, health) come later.
    stage: int = 10


_builtins: dict[str, BuiltinMetric] = {}


def register_builtin(metric: BuiltinMetric) -> None:
    _builtins[metric.key] = metric


def builtins(stage: int | None = None) -> list[BuiltinMetric]:
    items = sorted(_builtins.values(), key=lambda m: (m.stage, m.key))
    return [m for m in items if stage is None or m.stage == stage]


def builtin(key: str) -> BuiltinMetric | None:
    return _builtins.get(key)
