"""The columns a list's result table and CSV export can show: built-in fields, custom dimensions and metrics.

Keys: `field:<name>`, `dim:<key>`, `metric:<key>`. A metric column follows SPEC 6: a custom metric shows its latest
value, a count metric its sum over the last 30 days, a computed metric its value for the last day (the newest day
the pipeline computed, on or before `as_of`); other built-in metrics their own time aggregation over the last 30
days, or, when that aggregation is "latest" (MRR, CSM score), their value for the last day too.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Expression, F, QuerySet

from metrics.models import Metric, MetricUnit
from segments.compiler import LAST_COMPUTED_DAY, Compiler, RWindow
from segments.fields import AGGREGATION_LABELS, Catalogue, Entity, FieldSpec, column_aggregation
from usage.selectors import duration_text

COLUMN_WINDOW_DAYS = 30
DEFAULT_COLUMNS = {
    Entity.ACCOUNT: ["field:account_id", "field:tier", "field:stage", "field:renewal_date"],
    Entity.CONTACT: ["field:email", "field:title", "field:last_seen"],
}


@dataclass(frozen=True)
class ListColumn:
    """One column: its key, heading and how to compute its value for the rows of a page."""

    key: str
    label: str
    spec: FieldSpec | None = None
    metric: Metric | None = None
    aggregation: str = ""
    window: RWindow | None = None

    @property
    def alias(self) -> str:
        return "col_" + "".join(ch if ch.isalnum() else "_" for ch in self.key)

    def display(self, value: object) -> object:
        """The value as the result table shows it: metrics in their unit ("2 h 05 min", "1,250", "12.5 %"), other
        values as they are (the template formats them). CSV exports keep the raw value."""
        if self.metric is None or value is None:
            return value
        number = float(value)
        if self.metric.unit == MetricUnit.SECONDS:
            return duration_text(number)
        if self.metric.unit == MetricUnit.PERCENT:
            return f"{number:,.1f} %"
        if self.metric.unit == MetricUnit.CURRENCY or number.is_integer():
            return f"{number:,.0f}"
        return f"{number:,.2f}"

    def expression(self, compiler: Compiler) -> Expression:
        if self.metric is not None:
            return compiler.metric_value(self.metric, self.aggregation, self.window)
        if self.spec is not None:
            return compiler.field_value(self.spec)
        return F("name")


def available_columns(catalogue: Catalogue, as_of: datetime.date) -> dict[str, ListColumn]:
    """Every column a list of `catalogue.entity` can show, by key."""
    columns: dict[str, ListColumn] = {}
    for key, spec in catalogue.fields.items():
        column_key = key if key.startswith("dim:") else f"field:{key}"
        columns[column_key] = ListColumn(column_key, spec.label, spec=spec)
    for key, metric in catalogue.metrics.items():
        aggregation, windowed = column_aggregation(metric)
        if windowed:
            window = RWindow("last_days", -(COLUMN_WINDOW_DAYS - 1), 0, None, f"last {COLUMN_WINDOW_DAYS} days")
            label = f"{metric.name} ({AGGREGATION_LABELS[aggregation].lower()}, {window.label})"
        elif metric.kind == "custom":
            # Pushed when the source has something to say: the latest value on or before as_of, however old.
            window = RWindow("range", datetime.date(1970, 1, 1), as_of, None, "latest")
            label = f"{metric.name} (latest)"
        else:
            # Computed for every account every day: the value of the newest computed day.
            window = RWindow(LAST_COMPUTED_DAY, 0, 0, None, "last day")
            label = f"{metric.name} (last day)"
        columns[f"metric:{key}"] = ListColumn(
            f"metric:{key}", label, metric=metric, aggregation=aggregation, window=window
        )
    return columns


def chosen_columns(keys: list[str], catalogue: Catalogue, as_of: datetime.date) -> tuple[list[ListColumn], list[str]]:
    """The columns named by `keys` that exist, and the keys that no longer do (a deleted metric or dimension)."""
    available = available_columns(catalogue, as_of)
    columns, missing = [], []
    for key in keys:
        column = available.get(key)
        if column is None:
            missing.append(key)
            continue
        columns.append(column)
    return columns, missing


def annotate_columns(qs: QuerySet, columns: list[ListColumn], *, entity: str, as_of: datetime.date) -> QuerySet:
    """`qs` with one annotation per column (named by `ListColumn.alias`)."""
    compiler = Compiler(entity=entity, as_of=as_of)
    return qs.annotate(**{column.alias: column.expression(compiler) for column in columns})


def sort_expression(sort: str, columns: list[ListColumn], *, entity: str, as_of: datetime.date) -> list:
    """ORDER BY for a sort key (`-` first for descending); unknown keys sort by name. Empty values sort last."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    compiler = Compiler(entity=entity, as_of=as_of)
    column = next((c for c in columns if c.key == key), None)
    expr = F("name") if column is None or key == "field:name" else column.expression(compiler)
    order = expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True)
    return [order, F("id").asc()]


def condition_metric_keys(conditions: object) -> list[str]:
    """The metrics a list's conditions use, in the order they appear (each once)."""
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("metric", "metric_compare", "metric_trend"):
                for name in ("metric", "other"):
                    key = node.get(name)
                    if isinstance(key, str) and key and key not in found:
                        found.append(key)
            for child in node.get("children") or []:
                walk(child)
            if "root" in node:
                walk(node["root"])

    walk(conditions)
    return found


def list_columns(
    keys: list[str], conditions: object, catalogue: Catalogue, as_of: datetime.date
) -> tuple[list[ListColumn], list[str]]:
    """A list's columns: the chosen ones, then a column for each metric its conditions use that is not chosen
    already (so a list of "usage down" shows the usage), each column once."""
    wanted: list[str] = []
    for key in [*keys, *[f"metric:{k}" for k in condition_metric_keys(conditions)]]:
        if key not in wanted:
            wanted.append(key)
    columns, missing = chosen_columns(wanted, catalogue, as_of)
    return columns, [key for key in missing if key in keys]
