"""A slow, obvious, pure-Python evaluation of list conditions, to check the SQL compiler against.

It reads nothing from the compiler: only the documented semantics (docs/lists.md) over rows loaded into memory.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from accounts.models import Account, AccountDimensionValue
from metrics.models import Metric, MetricValue

DAY = datetime.timedelta(days=1)


@dataclass
class Row:
    pk: int
    name: str
    fields: dict
    dims: dict = field(default_factory=dict)
    series: dict = field(default_factory=dict)  # metric key -> {date: value}


def load(as_of: datetime.date) -> list[Row]:
    metrics = {m.pk: m for m in Metric.objects.all()}
    rows = {}
    for a in Account.objects.filter(is_deleted=False).select_related("tier", "stage"):
        rows[a.pk] = Row(
            a.pk,
            a.name,
            {
                "name": a.name,
                "tier": a.tier.name if a.tier else None,
                "stage": a.stage.name if a.stage else None,
                "industry": a.industry,
                "csm_score": a.csm_score,
                "nps": a.nps,
                "employees": a.employees,
                "join_date": a.join_date,
                "renewal_date": a.renewal_date,
                "churned_on": a.churned_on,
            },
        )
    for dv in AccountDimensionValue.objects.select_related("dimension"):
        if dv.account_id in rows:
            rows[dv.account_id].dims[dv.dimension.key] = dv.value
    for mv in MetricValue.objects.all():
        if mv.account_id in rows:
            rows[mv.account_id].series.setdefault(metrics[mv.metric_id].key, {})[mv.date] = mv.value
    return list(rows.values())


def _value(row: Row, key: str):
    if key.startswith("dim:"):
        value = row.dims.get(key[4:])
        return None if value == "" else value
    return row.fields[key]


def _typed(raw, sample):
    if isinstance(sample, datetime.date):
        return datetime.date.fromisoformat(str(raw))
    if isinstance(sample, (int, Decimal, float)) and not isinstance(sample, bool):
        return Decimal(str(raw))
    return str(raw)


def _empty(value) -> bool:
    return value is None or value == ""


def attribute(row: Row, c: dict, kind: str) -> bool:
    value = _value(row, c["field"])
    op = c["op"]
    if op == "is_empty":
        return _empty(value)
    if op == "is_not_empty":
        return not _empty(value)

    def eq(target) -> bool:
        if _empty(value):
            return False
        if kind in ("text", "picklist"):
            return str(value).lower() == str(target).lower()
        return _typed(target, value) == (Decimal(value) if kind == "number" else value)

    if op == "is":
        return eq(c["value"])
    if op == "is_not":
        return not eq(c["value"])
    if op == "in":
        return any(eq(v) for v in c["values"])
    if _empty(value):
        return False
    if op == "contains":
        return str(c["value"]).lower() in str(value).lower()
    current = Decimal(value) if kind == "number" else value
    low = _typed(c["value"], current)
    if op == "gt":
        return current > low
    if op == "lt":
        return current < low
    if op == "between":
        return low <= current <= _typed(c["value2"], current)
    raise AssertionError(op)


def window(w: dict, row: Row, as_of: datetime.date):
    """(start, end) or None when the per-account date is empty."""
    kind, days = w["kind"], w.get("days")
    if kind == "last_days":
        return as_of - (days - 1) * DAY, as_of
    if kind == "next_days":
        return as_of, as_of + days * DAY
    if kind == "current_week":
        return as_of - as_of.weekday() * DAY, as_of
    if kind == "current_month":
        return as_of.replace(day=1), as_of
    if kind == "range":
        return datetime.date.fromisoformat(w["start"]), datetime.date.fromisoformat(w["end"])
    anchor = row.fields[w["anchor"]]
    if anchor is None:
        return None
    if kind == "after_date":
        return anchor, anchor + (days - 1) * DAY
    return anchor - days * DAY, anchor - DAY


def metric_value(row: Row, key: str, how: str, bounds):
    start, end = bounds
    days = (end - start).days + 1
    points = sorted((d, v) for d, v in row.series.get(key, {}).items() if start <= d <= end)
    if not points:
        return 0.0 if how in ("sum", "count", "average") else None
    values = [v for _, v in points]
    return {
        "sum": lambda: sum(values),
        "average": lambda: sum(values) / days,
        "max": lambda: max(values),
        "min": lambda: min(values),
        "count": lambda: float(len(values)),
        "latest": lambda: points[-1][1],
    }[how]()


def leaf(row: Row, c: dict, as_of: datetime.date, kinds: dict, defaults: dict) -> bool:
    t = c["type"]
    if t == "attribute":
        return attribute(row, c, kinds[c["field"]])
    if t == "date":
        value = _value(row, c["field"])
        op = c["op"]
        if op == "is_empty":
            return value is None
        if op == "is_not_empty":
            return value is not None
        if op == "more_than_days_ago":
            return value is not None and value < as_of - c["days"] * DAY
        if op == "more_than_days_ahead":
            return value is not None and value > as_of + c["days"] * DAY
        bounds = window(c["window"], row, as_of)
        inside = bounds is not None and value is not None and bounds[0] <= value <= bounds[1]
        return inside if op == "within" else (value is not None and not inside)
    bounds = window(c["window"], row, as_of)
    if bounds is None:
        return False
    how = c.get("aggregation") or defaults[c["metric"]]
    if t == "metric":
        op = c["op"]
        start, end = bounds
        present = any(start <= d <= end for d in row.series.get(c["metric"], {}))
        if op == "is_empty":
            return not present
        if op == "is_not_empty":
            return present
        v = metric_value(row, c["metric"], how, bounds)
        if op == "is_not":
            return v is None or v != c["value"]
        if v is None:
            return False
        return {
            "is": lambda: v == c["value"],
            "gt": lambda: v > c["value"],
            "lt": lambda: v < c["value"],
            "between": lambda: c["value"] <= v <= c["value2"],
        }[op]()
    if t == "metric_trend":
        length = (bounds[1] - bounds[0]).days + 1
        other, other_how, other_bounds = c["metric"], how, (bounds[0] - length * DAY, bounds[1] - length * DAY)
    else:
        other, other_how, other_bounds = c["other"], c.get("other_aggregation") or defaults[c["other"]], bounds
    a = metric_value(row, c["metric"], how, bounds)
    b = metric_value(row, other, other_how, other_bounds)
    if a is None or b is None or not b > 0:
        return False
    if c["direction"] == "below":
        return a <= b * (1 - c["percent"] / 100)
    return a >= b * (1 + c["percent"] / 100)


def evaluate(node: dict, row: Row, as_of: datetime.date, kinds: dict, defaults: dict) -> bool | None:
    """True / False, or None for an empty group (ignored by its parent; an empty root matches everything)."""
    if node["type"] == "group":
        results = [evaluate(child, row, as_of, kinds, defaults) for child in node["children"]]
        results = [r for r in results if r is not None]
        if not results:
            return None
        return any(results) if node["match"] == "any" else all(results)
    return leaf(row, node, as_of, kinds, defaults)


def matching(document: dict, rows: list[Row], as_of: datetime.date, kinds: dict, defaults: dict) -> set[str]:
    return {row.name for row in rows if evaluate(document["root"], row, as_of, kinds, defaults) is not False}
