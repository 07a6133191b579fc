"""Conditions -> one SQL query, and the reasons a condition holds for one account.

`resolve` checks a parsed document against the catalogue (fields, dimensions and metrics that exist, operators
that fit the type, typed values) and answers resolved nodes; `compile_q` turns them into a Django `Q` of
expressions (`Exists`, correlated aggregate subqueries over the daily metric history, date arithmetic), so a list
is one query over accounts (or contacts) whatever its size: no row is filtered in Python.

Semantics (docs/lists.md says the same for users):
- Windows are inclusive. last N days = [as_of - N + 1, as_of]; next N days = [as_of, as_of + N]; current week =
  Monday to as_of; current month = the 1st to as_of; after a date = the N days starting on it; before a date =
  the N days ending the day before it. A per-account window of an account whose date is empty matches nothing.
- A metric over a window: sum, count and average (sum / days in the window) of a window without values are 0;
  max, min and latest have no value, and only "is empty" matches them. "is empty" means no value in the window.
- "at least P % below / above" compares to a base (another metric or the window before) that must be above 0:
  below means value <= base x (1 - P/100); above means value >= base x (1 + P/100).
- Text comparisons ignore case. "is not" and "not within" also match empty values ("is not Enterprise" includes
  accounts without a tier), except "not within", which needs a date.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, IsNull, LessThan, LessThanOrEqual

from accounts.models import Account, AccountDimensionValue, Contact, ContactDimensionValue
from metrics.models import Metric, TimeAggregation
from segments.fields import (
    AGGREGATION_LABELS,
    ANCHORS,
    DATE_OPERATOR_LABELS,
    METRIC_OPERATORS,
    NO_VALUE_OPERATORS,
    OPERATOR_LABELS,
    Catalogue,
    Entity,
    FieldSpec,
    FieldType,
    default_aggregation,
)
from segments.schema import (
    AttributeCondition,
    ConditionError,
    Conditions,
    DateCondition,
    Group,
    MetricCompareCondition,
    MetricCondition,
    MetricTrendCondition,
    Window,
)

# The window of a list column showing a metric's value on the newest day the pipeline computed it (columns.py).
LAST_COMPUTED_DAY = "last_computed_day"
ZERO_WHEN_EMPTY = {TimeAggregation.SUM, TimeAggregation.COUNT, TimeAggregation.AVERAGE}
MAX_ABS_NUMBER = Decimal("1e14")


# Resolved nodes ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RWindow:
    """A window as (start, end) offsets in days from `as_of` (anchor None) or from a per-account date field."""

    kind: str
    start: int | datetime.date
    end: int | datetime.date
    anchor: str | None = None
    label: str = ""

    def length(self, as_of: datetime.date) -> int:
        start, end = self.dates(as_of) if self.anchor is None else (self.start, self.end)
        if isinstance(start, datetime.date):
            return (end - start).days + 1
        return end - start + 1

    def dates(self, as_of: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The fixed bounds on `as_of` (not for per-account windows)."""
        if isinstance(self.start, datetime.date):
            return self.start, self.end
        if self.kind == "current_week":
            return as_of - datetime.timedelta(days=as_of.weekday()), as_of
        if self.kind == "current_month":
            return as_of.replace(day=1), as_of
        return as_of + datetime.timedelta(days=self.start), as_of + datetime.timedelta(days=self.end)

    def previous(self, as_of: datetime.date) -> RWindow:
        """The window of the same length just before this one."""
        days = self.length(as_of)
        if self.anchor is not None:
            return RWindow("shifted", self.start - days, self.end - days, self.anchor, f"the {days} days before")
        start, end = self.dates(as_of)
        step = datetime.timedelta(days=days)
        return RWindow("range", start - step, end - step, None, f"the {days} days before")


@dataclass(frozen=True)
class RAttribute:
    path: str
    spec: FieldSpec
    op: str
    value: object = None
    value2: object = None
    values: tuple = ()


@dataclass(frozen=True)
class RMetric:
    path: str
    metric: Metric
    aggregation: str
    window: RWindow
    op: str
    value: float | None = None
    value2: float | None = None


@dataclass(frozen=True)
class RCompare:
    path: str
    metric: Metric
    aggregation: str
    other: Metric
    other_aggregation: str
    window: RWindow
    direction: str
    percent: float
    trend: bool = False


@dataclass(frozen=True)
class RDate:
    path: str
    spec: FieldSpec
    op: str
    window: RWindow | None = None
    days: int | None = None


@dataclass(frozen=True)
class RGroup:
    path: str
    match: str
    children: tuple


RLeaf = RAttribute | RMetric | RCompare | RDate


# Resolution -------------------------------------------------------------------------------------------------------


def resolve(conditions: Conditions, *, catalogue: Catalogue) -> RGroup:
    """Check `conditions` against what exists now; raises ConditionError naming the part that is wrong."""
    return _resolve_group(conditions.root, "root", catalogue)


def _resolve_group(group: Group, path: str, catalogue: Catalogue) -> RGroup:
    children = []
    for index, child in enumerate(group.children):
        child_path = f"{path}.children.{index}"
        if isinstance(child, Group):
            children.append(_resolve_group(child, child_path, catalogue))
        else:
            children.append(_resolve_leaf(child, child_path, catalogue))
    return RGroup(path, group.match, tuple(children))


def _field(key: str, path: str, catalogue: Catalogue) -> FieldSpec:
    spec = catalogue.fields.get(key)
    if spec is None:
        if key.startswith("dim:"):
            raise ConditionError(f"{path}.field", f"the custom dimension “{key[4:]}” does not exist (deleted?)")
        raise ConditionError(f"{path}.field", f"unknown field “{key}”")
    return spec


def _metric(key: str, path: str, catalogue: Catalogue) -> Metric:
    if catalogue.entity != Entity.ACCOUNT:
        raise ConditionError(path, "metric conditions apply to account lists only")
    metric = catalogue.metrics.get(key)
    if metric is None:
        if key in catalogue.deleted_metrics:
            raise ConditionError(path, f"the metric “{key}” was deleted")
        raise ConditionError(path, f"the metric “{key}” does not exist")
    return metric


def _typed(spec: FieldSpec, raw: object, path: str) -> object:
    """A condition value in the field's type."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise ConditionError(path, "a value is needed")
    if spec.data_type == FieldType.NUMBER:
        if isinstance(raw, bool):
            raise ConditionError(path, "a number is needed")
        try:
            number = Decimal(str(raw).strip().replace(",", ""))
        except InvalidOperation:
            raise ConditionError(path, f"“{raw}” is not a number") from None
        if not number.is_finite() or abs(number) >= MAX_ABS_NUMBER:
            raise ConditionError(path, f"“{raw}” is not a usable number")
        return number
    if spec.data_type == FieldType.DATE:
        try:
            return datetime.date.fromisoformat(str(raw).strip())
        except ValueError:
            raise ConditionError(path, f"“{raw}” is not a date (YYYY-MM-DD)") from None
    if spec.data_type == FieldType.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("true", "yes", "1"):
            return True
        if text in ("false", "no", "0"):
            return False
        raise ConditionError(path, "choose yes or no")
    text = str(raw).strip()
    if len(text) > 500:
        raise ConditionError(path, "keep it under 500 characters")
    if spec.data_type == FieldType.PICKLIST and spec.choices:
        matches = [choice for choice in spec.choices if choice.lower() == text.lower()]
        if not matches:
            raise ConditionError(path, f"“{text}” is not one of: {', '.join(spec.choices)}")
        return matches[0]
    return text


def _resolve_window(window: Window, path: str, catalogue: Catalogue) -> RWindow:
    kind, days = window.kind, window.days or 0
    if kind == "last_days":
        return RWindow(kind, -(days - 1), 0, None, f"last {days} days")
    if kind == "next_days":
        return RWindow(kind, 0, days, None, f"next {days} days")
    if kind == "current_week":
        return RWindow(kind, 0, 0, None, "current week")
    if kind == "current_month":
        return RWindow(kind, 0, 0, None, "current month")
    if kind == "range":
        return RWindow(kind, window.start, window.end, None, f"{window.start} to {window.end}")
    anchors = ANCHORS[catalogue.entity]
    if window.anchor not in anchors:
        raise ConditionError(f"{path}.anchor", f"a window can count from: {', '.join(anchors.values())}")
    label = anchors[window.anchor]
    if kind == "after_date":
        return RWindow(kind, 0, days - 1, window.anchor, f"{days} days after {label}")
    return RWindow(kind, -days, -1, window.anchor, f"{days} days before {label}")


def _resolve_leaf(leaf: object, path: str, catalogue: Catalogue) -> RLeaf:
    if isinstance(leaf, AttributeCondition):
        spec = _field(leaf.field, path, catalogue)
        if leaf.op not in spec.operators:
            allowed = ", ".join(OPERATOR_LABELS[op] for op in spec.operators)
            raise ConditionError(f"{path}.op", f"“{leaf.op}” does not fit a {spec.data_type} field; use {allowed}")
        if leaf.op in NO_VALUE_OPERATORS:
            return RAttribute(path, spec, leaf.op)
        if leaf.op == "in":
            raw = [v for v in (leaf.values or []) if v is not None and str(v).strip()]
            if not raw:
                raise ConditionError(f"{path}.values", "give at least one value")
            return RAttribute(path, spec, "in", values=tuple(_typed(spec, v, f"{path}.values") for v in raw))
        value = _typed(spec, leaf.value, f"{path}.value")
        if leaf.op == "between":
            value2 = _typed(spec, leaf.value2, f"{path}.value2")
            if value2 < value:
                raise ConditionError(f"{path}.value2", "the upper bound is below the lower bound")
            return RAttribute(path, spec, "between", value, value2)
        return RAttribute(path, spec, leaf.op, value)
    if isinstance(leaf, MetricCondition):
        metric = _metric(leaf.metric, f"{path}.metric", catalogue)
        if leaf.op not in METRIC_OPERATORS:
            raise ConditionError(f"{path}.op", f"“{leaf.op}” is not an operator for metrics")
        window = _resolve_window(leaf.window, f"{path}.window", catalogue)
        aggregation = leaf.aggregation or default_aggregation(metric)
        if leaf.op in NO_VALUE_OPERATORS:
            return RMetric(path, metric, aggregation, window, leaf.op)
        for name, number in (("value", leaf.value), ("value2", leaf.value2 if leaf.op == "between" else 0.0)):
            if number is None:
                raise ConditionError(f"{path}.{name}", "a number is needed")
            if number != number or abs(number) >= float(MAX_ABS_NUMBER):
                raise ConditionError(f"{path}.{name}", "not a usable number")
        if leaf.op == "between" and leaf.value2 < leaf.value:
            raise ConditionError(f"{path}.value2", "the upper bound is below the lower bound")
        return RMetric(path, metric, aggregation, window, leaf.op, leaf.value, leaf.value2)
    if isinstance(leaf, MetricCompareCondition | MetricTrendCondition):
        metric = _metric(leaf.metric, f"{path}.metric", catalogue)
        trend = isinstance(leaf, MetricTrendCondition)
        other = metric if trend else _metric(leaf.other, f"{path}.other", catalogue)
        aggregation = leaf.aggregation or default_aggregation(metric)
        other_aggregation = aggregation if trend else (leaf.other_aggregation or default_aggregation(other))
        window = _resolve_window(leaf.window, f"{path}.window", catalogue)
        return RCompare(
            path, metric, aggregation, other, other_aggregation, window, leaf.direction, leaf.percent, trend
        )
    if isinstance(leaf, DateCondition):
        spec = _field(leaf.field, path, catalogue)
        if spec.data_type != FieldType.DATE:
            raise ConditionError(f"{path}.field", f"“{spec.label}” is not a date")
        window = _resolve_window(leaf.window, f"{path}.window", catalogue) if leaf.window else None
        if window is not None and window.anchor == leaf.field:
            raise ConditionError(f"{path}.window", "a date cannot be counted from itself")
        return RDate(path, spec, leaf.op, window, leaf.days)
    raise ConditionError(path, "unknown condition")  # pragma: no cover - the schema allows no other kind


def leaves(node: RGroup) -> list[RLeaf]:
    """Every condition of a resolved tree, in order."""
    out: list[RLeaf] = []
    for child in node.children:
        out.extend(leaves(child) if isinstance(child, RGroup) else [child])
    return out


# Compilation ------------------------------------------------------------------------------------------------------


class AddDays(Func):
    """date + N days, on PostgreSQL and SQLite."""

    output_field = DateField()

    def __init__(self, expression: object, days: int) -> None:
        self.days = int(days)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra) -> tuple[str, list]:
        sql, params = compiler.compile(self.get_source_expressions()[0])
        if connection.vendor == "postgresql":
            return f"(({sql})::date + {self.days:d})", params
        return f"date({sql}, '{self.days:+d} days')", params


WINDOW_FUNCTIONS = {
    TimeAggregation.SUM: "SUM",
    TimeAggregation.AVERAGE: "SUM",
    TimeAggregation.MAX: "MAX",
    TimeAggregation.MIN: "MIN",
    TimeAggregation.COUNT: "COUNT",
}


class WindowAggregate(Func):
    """An aggregate over all the rows of a correlated subquery (one account's window): SQL's plain aggregate, with
    no GROUP BY, so the database runs a single aggregate node per account instead of a grouped one. Django must
    not see it as an aggregate, or it would group the subquery."""

    contains_aggregate = False
    output_field = FloatField()

    def __init__(self, aggregation: str, expression: object, when: Q | None = None) -> None:
        if when is not None:
            expression = Case(When(when, then=expression), output_field=FloatField())
        super().__init__(expression, function=WINDOW_FUNCTIONS[aggregation])


class Compiler:
    """Builds the Q of a resolved tree for one entity and one `as_of` date."""

    def __init__(self, *, entity: str, as_of: datetime.date) -> None:
        self.entity = entity
        self.as_of = as_of

    # Building blocks

    def _bounds(self, window: RWindow, outer: bool) -> tuple[Expression, Expression]:
        if window.anchor is None:
            start, end = window.dates(self.as_of)
            return Value(start, output_field=DateField()), Value(end, output_field=DateField())
        ref = OuterRef(window.anchor) if outer else F(window.anchor)
        if self.entity == Entity.CONTACT:
            ref = TruncDate(ref, tzinfo=datetime.UTC)
        return AddDays(ref, window.start), AddDays(ref, window.end)

    def _anchor_set(self, window: RWindow | None) -> Q:
        return Q(**{f"{window.anchor}__isnull": False}) if window is not None and window.anchor else Q()

    def metric_rows(self, metric: Metric, window: RWindow) -> QuerySet:
        rows = metric.daily_values().filter(account_id=OuterRef("pk"))
        if window.kind == LAST_COMPUTED_DAY:
            # One day for every account: the newest the pipeline computed the metric for (found once, through the
            # (metric, date) index), so an account without a value that day has none, however recent its last.
            newest = metric.daily_values().filter(date__lte=self.as_of).order_by("-date")
            return rows.filter(date=Subquery(newest.values("date")[:1]))
        start, end = self._bounds(window, outer=True)
        return rows.filter(GreaterThanOrEqual(F("date"), start), LessThanOrEqual(F("date"), end))

    def metric_value(self, metric: Metric, aggregation: str, window: RWindow) -> Expression:
        """The metric's value over the window for the outer account (0 for empty sums, counts, averages)."""
        rows = self.metric_rows(metric, window)
        if aggregation == TimeAggregation.LATEST:
            return Subquery(rows.order_by("-date").values("value")[:1], output_field=FloatField())
        # An aggregate without GROUP BY answers one row even for an empty window, so 0 can be put in there.
        value = self._aggregate(aggregation, window)
        return Subquery(rows.order_by().annotate(v=value).values("v"), output_field=FloatField())

    def _aggregate(self, aggregation: str, window: RWindow) -> Expression:
        """The aggregate of a window's rows, inside their subquery: 0 for an empty sum, count or average, and an
        average divided by the window's days."""
        value = WindowAggregate(aggregation, F("value"))
        if aggregation not in ZERO_WHEN_EMPTY:
            return value
        value = Coalesce(value, Value(0.0), output_field=FloatField())
        if aggregation == TimeAggregation.AVERAGE:
            return ExpressionWrapper(value / Value(float(window.length(self.as_of))), output_field=FloatField())
        return value

    def _metric_between(self, node: RMetric) -> Subquery:
        """value between X and Y as the subquery's own boolean result: the window is read and aggregated once per
        account, where two comparisons of one value subquery would run it twice."""
        rows = self.metric_rows(node.metric, node.window)
        if node.aggregation == TimeAggregation.LATEST:
            rows, value = rows.order_by("-date"), F("value")
        else:
            rows, value = rows.order_by(), self._aggregate(node.aggregation, node.window)
        holds = ExpressionWrapper(
            Q(GreaterThanOrEqual(value, node.value)) & Q(LessThanOrEqual(value, node.value2)),
            output_field=BooleanField(),
        )
        rows = rows.annotate(ok=holds).values("ok")
        return Subquery(rows[:1] if node.aggregation == TimeAggregation.LATEST else rows, output_field=BooleanField())

    def field_value(self, spec: FieldSpec) -> Expression:
        """The field's value for the outer row (a dimension's typed value, or the built-in column)."""
        if spec.dimension is not None:
            return Subquery(self._dimension_rows(spec).values(self._dimension_column(spec))[:1])
        if spec.is_datetime:
            return TruncDate(spec.path, tzinfo=datetime.UTC)
        return F(spec.path)

    def _dimension_rows(self, spec: FieldSpec) -> QuerySet:
        if self.entity == Entity.CONTACT:
            return ContactDimensionValue.objects.filter(contact_id=OuterRef("pk"), dimension_id=spec.dimension.pk)
        return AccountDimensionValue.objects.filter(account_id=OuterRef("pk"), dimension_id=spec.dimension.pk)

    @staticmethod
    def _dimension_column(spec: FieldSpec) -> str:
        return {FieldType.NUMBER: "value_number", FieldType.DATE: "value_date"}.get(spec.data_type, "value_text")

    # Conditions

    def q(self, node: RGroup | RLeaf) -> Q:
        """The Q of a node; an empty group (or one holding only empty groups) is ignored and gives an empty Q."""
        if isinstance(node, RGroup):
            parts = [part for part in (self.q(child) for child in node.children) if part]
            if not parts:
                return Q()
            combined = parts[0]
            for part in parts[1:]:
                combined = combined | part if node.match == "any" else combined & part
            return combined
        if isinstance(node, RAttribute):
            return self._attribute_q(node)
        if isinstance(node, RMetric):
            return self._metric_q(node)
        if isinstance(node, RCompare):
            return self._compare_q(node)
        return self._date_q(node)

    def _positive(self, column: str, spec: FieldSpec, op: str, value: object, value2: object, values: tuple) -> Q:
        """A lookup on `column` for the operators that name values (is, contains, >, <, between, in)."""
        text = spec.data_type in (FieldType.TEXT, FieldType.PICKLIST)
        if op == "is":
            return Q(**{f"{column}__iexact" if text else column: value})
        if op == "contains":
            return Q(**{f"{column}__icontains": value})
        if op == "gt":
            return Q(**{f"{column}__gt": value})
        if op == "lt":
            return Q(**{f"{column}__lt": value})
        if op == "between":
            return Q(**{f"{column}__gte": value, f"{column}__lte": value2})
        if op == "in":
            if text:
                return self._in_text(column, values)
            return Q(**{f"{column}__in": list(values)})
        raise ValueError(op)  # pragma: no cover

    @staticmethod
    def _in_text(column: str, values: tuple) -> Q:
        q = Q()
        for value in values:
            q |= Q(**{f"{column}__iexact": value})
        return q

    def _not_empty(self, column: str, spec: FieldSpec) -> Q:
        if spec.data_type in (FieldType.TEXT, FieldType.PICKLIST):
            return Q(**{f"{column}__isnull": False}) & ~Q(**{column: ""})
        return Q(**{f"{column}__isnull": False})

    def _attribute_q(self, node: RAttribute) -> Q:
        spec, op = node.spec, node.op
        if spec.dimension is not None:
            rows = self._dimension_rows(spec)
            column = self._dimension_column(spec)
            if op in ("is_empty", "is_not_empty"):
                present = Exists(rows.filter(self._not_empty(column, spec)))
                return Q(present) if op == "is_not_empty" else ~Q(present)
            if op == "is_not":
                return ~Q(Exists(rows.filter(self._positive(column, spec, "is", node.value, None, ()))))
            return Q(Exists(rows.filter(self._positive(column, spec, op, node.value, node.value2, node.values))))
        column = spec.path
        if spec.is_datetime:
            column = f"{spec.path}__date"
        if op == "is_not_empty":
            return self._not_empty(column, spec)
        if op == "is_empty":
            return ~self._not_empty(column, spec)
        if op == "is_not":
            # Empty values count as "not X": the negated lookup would drop NULLs.
            return ~self._positive(column, spec, "is", node.value, None, ()) | ~self._not_empty(column, spec)
        return self._positive(column, spec, op, node.value, node.value2, node.values)

    def _metric_q(self, node: RMetric) -> Q:
        anchored = self._anchor_set(node.window)
        if node.op in ("is_empty", "is_not_empty"):
            present = Exists(self.metric_rows(node.metric, node.window))
            return anchored & (Q(present) if node.op == "is_not_empty" else ~Q(present))
        value = self.metric_value(node.metric, node.aggregation, node.window)
        lookups = {
            "is": lambda: Exact(value, node.value),
            "gt": lambda: GreaterThan(value, node.value),
            "lt": lambda: LessThan(value, node.value),
        }
        if node.op == "between":
            return anchored & Q(self._metric_between(node))
        if node.op == "is_not":
            # An empty max/min/latest is "not X" too.
            return anchored & (~Q(Exact(value, node.value)) | Q(IsNull(value, True)))
        return anchored & Q(lookups[node.op]())

    def _compare_q(self, node: RCompare) -> Q:
        if node.trend and node.aggregation != TimeAggregation.LATEST:
            return self._anchor_set(node.window) & Q(self._trend_in_one_scan(node))
        value = self.metric_value(node.metric, node.aggregation, node.window)
        other_window = node.window.previous(self.as_of) if node.trend else node.window
        base = self.metric_value(node.other, node.other_aggregation, other_window)
        return self._anchor_set(node.window) & Q(GreaterThan(base, 0.0)) & Q(self._percent(node, value, base))

    @staticmethod
    def _percent(node: RCompare, value: Expression, base: Expression) -> Expression:
        if node.direction == "below":
            factor = 1 - node.percent / 100
            return LessThanOrEqual(value, ExpressionWrapper(base * Value(factor), output_field=FloatField()))
        factor = 1 + node.percent / 100
        return GreaterThanOrEqual(value, ExpressionWrapper(base * Value(factor), output_field=FloatField()))

    def _trend_in_one_scan(self, node: RCompare) -> Subquery:
        """A metric vs its previous window, both aggregated in one pass over the two windows (one index range
        per account instead of three subqueries): the comparison itself is the subquery's boolean result."""
        previous = node.window.previous(self.as_of)
        start, _ = self._bounds(node.window, outer=True)
        prev_start, _ = self._bounds(previous, outer=True)
        _, end = self._bounds(node.window, outer=True)
        rows = (
            node.metric.daily_values()
            .filter(account_id=OuterRef("pk"))
            .filter(GreaterThanOrEqual(F("date"), prev_start), LessThanOrEqual(F("date"), end))
        )
        current = WindowAggregate(node.aggregation, F("value"), when=Q(GreaterThanOrEqual(F("date"), start)))
        before = WindowAggregate(node.aggregation, F("value"), when=Q(LessThan(F("date"), start)))
        if node.aggregation in ZERO_WHEN_EMPTY:
            current = Coalesce(current, Value(0.0), output_field=FloatField())
            before = Coalesce(before, Value(0.0), output_field=FloatField())
        if node.aggregation == TimeAggregation.AVERAGE:
            days = Value(float(node.window.length(self.as_of)))
            current = ExpressionWrapper(current / days, output_field=FloatField())
            before = ExpressionWrapper(before / days, output_field=FloatField())
        holds = ExpressionWrapper(
            Q(GreaterThan(before, 0.0)) & Q(self._percent(node, current, before)), output_field=BooleanField()
        )
        return Subquery(rows.order_by().annotate(ok=holds).values("ok"), output_field=BooleanField())

    def _date_q(self, node: RDate) -> Q:
        value = self.field_value(node.spec)
        if node.op in ("is_empty", "is_not_empty"):
            present = self._date_present(node.spec)
            return present if node.op == "is_not_empty" else ~present
        if node.op == "more_than_days_ago":
            return Q(LessThan(value, Value(self.as_of - datetime.timedelta(days=node.days))))
        if node.op == "more_than_days_ahead":
            return Q(GreaterThan(value, Value(self.as_of + datetime.timedelta(days=node.days))))
        start, end = self._bounds(node.window, outer=False)
        inside = Q(GreaterThanOrEqual(value, start)) & Q(LessThanOrEqual(value, end))
        anchored = self._anchor_set(node.window)
        if node.op == "within":
            return anchored & inside
        # not within: the date is set, and outside the window (or the window's own date is empty).
        return self._date_present(node.spec) & ~(anchored & inside)

    def _date_present(self, spec: FieldSpec) -> Q:
        if spec.dimension is not None:
            return Q(Exists(self._dimension_rows(spec).filter(value_date__isnull=False)))
        return Q(**{f"{spec.path}__isnull": False})


def compile_q(node: RGroup, *, entity: str, as_of: datetime.date) -> Q:
    """The Q selecting the rows that match a resolved tree on `as_of`."""
    return Compiler(entity=entity, as_of=as_of).q(node)


def base_queryset(entity: str) -> QuerySet:
    return Contact.objects.all() if entity == Entity.CONTACT else Account.objects.all()


# Reasons ----------------------------------------------------------------------------------------------------------


def _fmt(value: object) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    if isinstance(value, Decimal):
        return _fmt(float(value))
    return str(value)


def describe(node: RLeaf) -> str:
    """A condition in words, e.g. “Events (sum, last 14 days) < 1”."""
    if isinstance(node, RAttribute):
        labels = DATE_OPERATOR_LABELS if node.spec.data_type == FieldType.DATE else OPERATOR_LABELS
        target = {
            "between": f" {_fmt(node.value)} and {_fmt(node.value2)}",
            "in": " " + ", ".join(_fmt(v) for v in node.values),
        }.get(node.op, "" if node.op in NO_VALUE_OPERATORS else f" {_fmt(node.value)}")
        return f"{node.spec.label} {labels[node.op]}{target}"
    if isinstance(node, RMetric):
        head = f"{node.metric.name} ({AGGREGATION_LABELS[node.aggregation].lower()}, {node.window.label})"
        if node.op == "between":
            return f"{head} between {_fmt(node.value)} and {_fmt(node.value2)}"
        if node.op in NO_VALUE_OPERATORS:
            return f"{head} {OPERATOR_LABELS[node.op]}"
        return f"{head} {OPERATOR_LABELS[node.op]} {_fmt(node.value)}"
    if isinstance(node, RCompare):
        than = "the window before" if node.trend else node.other.name
        return f"{node.metric.name} ({node.window.label}) at least {_fmt(node.percent)} % {node.direction} {than}"
    if node.op in ("within", "not_within"):
        return f"{node.spec.label} {OPERATOR_LABELS[node.op]} {node.window.label}"
    if node.op == "more_than_days_ago":
        return f"{node.spec.label} more than {node.days} days ago"
    if node.op == "more_than_days_ahead":
        return f"{node.spec.label} more than {node.days} days ahead"
    return f"{node.spec.label} {OPERATOR_LABELS[node.op]}"


def _leaf_values(compiler: Compiler, node: RLeaf) -> list[Expression]:
    if isinstance(node, RAttribute | RDate):
        return [compiler.field_value(node.spec)]
    if isinstance(node, RMetric):
        return [compiler.metric_value(node.metric, node.aggregation, node.window)]
    other_window = node.window.previous(compiler.as_of) if node.trend else node.window
    return [
        compiler.metric_value(node.metric, node.aggregation, node.window),
        compiler.metric_value(node.other, node.other_aggregation, other_window),
    ]


def _reason(node: RLeaf, values: list, as_of: datetime.date) -> str:
    if isinstance(node, RAttribute | RDate):
        return f"{describe(node)}: {_fmt(values[0])}"
    if isinstance(node, RMetric):
        return f"{describe(node)}: {_fmt(values[0])}"
    value, base = values
    change = f"{(value - base) / base * 100:+.0f} %" if base else "n/a"
    than = node.window.previous(as_of).label if node.trend else f"{node.other.name}"
    return f"{describe(node)}: {_fmt(value)} vs {_fmt(base)} for {than} ({change})"


def reasons_for_resolved(root: RGroup, *, entity: str, pk: int, as_of: datetime.date) -> list[str]:
    """For one row, the conditions that hold (in the branches that make the whole true) with their values.

    One query: every condition's truth and values are annotated on the row.
    """
    nodes, annotations = leaf_annotations(root, entity=entity, as_of=as_of)
    if not nodes:
        return []
    row = base_queryset(entity).filter(pk=pk).annotate(**annotations).values(*annotations).first()
    if row is None:
        return []
    return reasons_from_row(root, nodes, row, as_of=as_of)


# Reasons for many rows at once (alerts fire for thousands of accounts per rule) ---------------------------------


def leaf_annotations(root: RGroup, *, entity: str, as_of: datetime.date) -> tuple[list[RLeaf], dict[str, Expression]]:
    """Every condition's truth (`m<i>`) and values (`v<i>_<j>`) as annotations, to read for many rows in one query."""
    compiler = Compiler(entity=entity, as_of=as_of)
    nodes = leaves(root)
    annotations: dict[str, Expression] = {}
    for index, node in enumerate(nodes):
        annotations[f"m{index}"] = Case(
            When(compiler.q(node), then=Value(True)), default=Value(False), output_field=BooleanField()
        )
        for j, expr in enumerate(_leaf_values(compiler, node)):
            annotations[f"v{index}_{j}"] = expr
    return nodes, annotations


def _value_count(node: RLeaf) -> int:
    return 2 if isinstance(node, RCompare) else 1


def reasons_from_row(root: RGroup, nodes: list[RLeaf], row: dict, *, as_of: datetime.date) -> list[str]:
    """The reasons (as `reasons_for_resolved` words them) from a row annotated with `leaf_annotations`."""
    truth = {id(node): bool(row[f"m{index}"]) for index, node in enumerate(nodes)}
    positions = {id(node): index for index, node in enumerate(nodes)}

    def holds(node: RGroup | RLeaf) -> bool | None:
        if isinstance(node, RGroup):
            results = [r for r in (holds(child) for child in node.children) if r is not None]
            if not results:
                return None
            return any(results) if node.match == "any" else all(results)
        return truth[id(node)]

    reasons: list[str] = []

    def collect(node: RGroup | RLeaf) -> None:
        if isinstance(node, RGroup):
            for child in node.children:
                if holds(child):
                    collect(child)
            return
        index = positions[id(node)]
        reasons.append(_reason(node, [row[f"v{index}_{j}"] for j in range(_value_count(node))], as_of))

    if holds(root) is not False:
        collect(root)
    return reasons


def conditions_report(root: RGroup, nodes: list[RLeaf], row: dict, *, as_of: datetime.date) -> list[dict]:
    """Each condition with whether it holds for the row and its values in words: [{"condition", "holds",
    "value"}], from a row annotated with `leaf_annotations` (why an account does not match)."""
    report = []
    for index, node in enumerate(nodes):
        values = [row[f"v{index}_{j}"] for j in range(_value_count(node))]
        report.append(
            {"condition": describe(node), "holds": bool(row[f"m{index}"]), "value": _reason(node, values, as_of)}
        )
    return report
