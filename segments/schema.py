"""The stored shape of list conditions (version 1): a tree of AND / OR groups whose leaves are conditions.

This module checks structure only (types, required parts, date formats, bounds). Whether a field, a dimension or
a metric exists, and whether an operator fits a field's type, depends on the catalogue and is checked by
`segments.fields.resolve`.

    {"version": 1, "root": {"type": "group", "match": "all", "children": [
        {"type": "attribute", "field": "tier", "op": "is", "value": "Enterprise"},
        {"type": "metric", "metric": "events", "aggregation": "sum", "window": {"kind": "last_days", "days": 14},
         "op": "lt", "value": 10},
        {"type": "metric_compare", "metric": "dashboard_time", "other": "reporting_time",
         "window": {"kind": "last_days", "days": 30}, "direction": "below", "percent": 30},
        {"type": "metric_trend", "metric": "session_time", "window": {"kind": "last_days", "days": 7},
         "direction": "above", "percent": 10},
        {"type": "date", "field": "renewal_date", "op": "within", "window": {"kind": "next_days", "days": 60}}
    ]}}
"""

from __future__ import annotations

import datetime
import json
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from core.params import MAX_DATE, MIN_DATE

VERSION = 1
MAX_DEPTH = 4
MAX_CONDITIONS = 50
MAX_DAYS = 3660

WindowKind = Literal["last_days", "next_days", "current_week", "current_month", "range", "after_date", "before_date"]
Aggregation = Literal["sum", "average", "max", "min", "count", "latest"]
Scalar = Union[bool, int, float, str, None]  # noqa: UP007  (pydantic reads the order: bool before int)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Window(_Strict):
    """A period of days: fixed (last N days, current week or month, a date range) or per account (the N days after
    an account's date, e.g. its join date, or the N days before it, e.g. its renewal date)."""

    kind: WindowKind
    days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    start: datetime.date | None = None
    end: datetime.date | None = None
    anchor: str | None = Field(default=None, max_length=60)

    @field_validator("start", "end")
    @classmethod
    def _in_calendar(cls, value: datetime.date | None) -> datetime.date | None:
        if value is not None and not MIN_DATE <= value <= MAX_DATE:
            raise ValueError(f"dates go from {MIN_DATE} to {MAX_DATE}")
        return value

    @model_validator(mode="after")
    def _parts_fit_kind(self) -> Window:
        if self.kind in ("last_days", "next_days", "after_date", "before_date") and self.days is None:
            raise ValueError(f"a “{self.kind}” window needs a number of days")
        if self.kind == "range":
            if self.start is None or self.end is None:
                raise ValueError("a date range needs a start and an end date")
            if self.start > self.end:
                raise ValueError("the range starts after it ends")
            if (self.end - self.start).days >= MAX_DAYS:
                raise ValueError(f"a date range may span at most {MAX_DAYS} days")
        if self.kind in ("after_date", "before_date") and not self.anchor:
            raise ValueError(f"a “{self.kind}” window needs the date it counts from")
        return self


class AttributeCondition(_Strict):
    """A field or custom dimension compared to a value."""

    type: Literal["attribute"]
    field: str = Field(min_length=1, max_length=60)
    op: str = Field(min_length=1, max_length=20)
    value: Scalar = None
    value2: Scalar = None
    values: list[Scalar] | None = Field(default=None, max_length=200)


class MetricCondition(_Strict):
    """A metric, aggregated over a window (default: the metric's own time aggregation), compared to a value."""

    type: Literal["metric"]
    metric: str = Field(min_length=1, max_length=100)
    aggregation: Aggregation | None = None
    window: Window
    op: str = Field(min_length=1, max_length=20)
    value: float | None = None
    value2: float | None = None


class MetricCompareCondition(_Strict):
    """A metric over a window at least `percent` % below (or above) another metric over the same window."""

    type: Literal["metric_compare"]
    metric: str = Field(min_length=1, max_length=100)
    aggregation: Aggregation | None = None
    other: str = Field(min_length=1, max_length=100)
    other_aggregation: Aggregation | None = None
    window: Window
    direction: Literal["below", "above"]
    percent: float = Field(ge=0, le=10000)


class MetricTrendCondition(_Strict):
    """A metric over a window at least `percent` % below (or above) the same metric over the window before it."""

    type: Literal["metric_trend"]
    metric: str = Field(min_length=1, max_length=100)
    aggregation: Aggregation | None = None
    window: Window
    direction: Literal["below", "above"]
    percent: float = Field(ge=0, le=10000)


class DateCondition(_Strict):
    """An event or date occurred: a date field within a window, more than N days ago or ahead, or empty."""

    type: Literal["date"]
    field: str = Field(min_length=1, max_length=60)
    op: Literal["within", "not_within", "more_than_days_ago", "more_than_days_ahead", "is_empty", "is_not_empty"]
    window: Window | None = None
    days: int | None = Field(default=None, ge=0, le=MAX_DAYS)

    @model_validator(mode="after")
    def _parts_fit_op(self) -> DateCondition:
        if self.op in ("within", "not_within") and self.window is None:
            raise ValueError("“within” needs a window")
        if self.op in ("more_than_days_ago", "more_than_days_ahead") and self.days is None:
            raise ValueError("this operator needs a number of days")
        return self


LEAVES = (AttributeCondition, MetricCondition, MetricCompareCondition, MetricTrendCondition, DateCondition)


class Group(_Strict):
    """Conditions combined with AND (`all`) or OR (`any`); groups nest."""

    type: Literal["group"] = "group"
    match: Literal["all", "any"] = "all"
    children: list[Node] = Field(default_factory=list, max_length=MAX_CONDITIONS)


Node = Annotated[
    Union[  # noqa: UP007
        Group, AttributeCondition, MetricCondition, MetricCompareCondition, MetricTrendCondition, DateCondition
    ],
    Field(discriminator="type"),
]
Group.model_rebuild()


class Conditions(_Strict):
    """The versioned document stored on a list."""

    version: Literal[1] = VERSION
    root: Group = Field(default_factory=Group)

    @model_validator(mode="after")
    def _bounded(self) -> Conditions:
        count = 0

        def walk(group: Group, depth: int) -> None:
            nonlocal count
            if depth > MAX_DEPTH:
                raise ValueError(f"groups nest at most {MAX_DEPTH} deep")
            for child in group.children:
                if isinstance(child, Group):
                    walk(child, depth + 1)
                else:
                    count += 1
            if count > MAX_CONDITIONS:
                raise ValueError(f"a list has at most {MAX_CONDITIONS} conditions")

        walk(self.root, 1)
        return self


class ConditionError(ValueError):
    """Conditions that cannot be evaluated: `field` names where (e.g. `root.children.1.op`), `message` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message

    @property
    def label(self) -> str:
        """Where, for people: “Condition 2.1” from `root.children.1.children.0`."""
        parts = self.field.split(".") if self.field else []
        numbers = [str(int(part) + 1) for part in parts if part.isdigit()]
        where = f"Condition {'.'.join(numbers)}" if numbers else "Conditions"
        tail = parts[-1] if parts and not parts[-1].isdigit() and parts[-1] not in ("root", "children") else ""
        return f"{where} ({tail.replace('_', ' ')}): {self.message}" if tail else f"{where}: {self.message}"


# A document whose groups nest MAX_DEPTH deep has about four JSON levels per group (group, children, condition,
# window); anything much deeper is refused before validation, which would otherwise recurse once per level.
MAX_JSON_DEPTH = 4 * MAX_DEPTH + 6


def _too_deep(data: Any) -> bool:
    """Whether nested dicts and lists go deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse(data: Any) -> Conditions:
    """Validate a stored or submitted document (a dict or a JSON string); raises ConditionError naming the part."""
    try:
        if isinstance(data, (str, bytes)):
            try:
                data = json.loads(data)
            except RecursionError:
                raise ConditionError("root", f"groups nest at most {MAX_DEPTH} deep") from None
            except ValueError:
                raise ConditionError("", "the conditions are not valid JSON") from None
        if data is None or data == {}:
            return Conditions()
        if _too_deep(data):
            raise ConditionError("root", f"groups nest at most {MAX_DEPTH} deep")
        return Conditions.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error.get("loc", ()) if not _is_union_tag(part)]
        message = error.get("msg", "is not valid").removeprefix("Value error, ")
        raise ConditionError(".".join(loc), message) from None


def _is_union_tag(part: object) -> bool:
    # pydantic adds the chosen union member to error locations ("group", "attribute", "function-after[...]").
    return isinstance(part, str) and (
        part in {"group", "attribute", "metric", "metric_compare", "metric_trend", "date"}
        or part.startswith("function-")
    )
