"""What conditions can name: built-in fields, custom dimensions and metrics, with the operators each type takes.

The catalogue is read once per evaluation (a few small queries) so that a list naming a deleted dimension or metric
is reported, not crashed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import TextChoices

from accounts.models import CustomDimension, DimensionType, Stage, Tier
from metrics.models import Metric, MetricUnit, TimeAggregation


class Entity(TextChoices):
    ACCOUNT = "account", "Accounts"
    CONTACT = "contact", "Contacts"


class FieldType(TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    PICKLIST = "picklist", "Picklist"
    BOOLEAN = "boolean", "Yes / no"


OPERATORS: dict[str, list[str]] = {
    FieldType.TEXT: ["is", "is_not", "contains", "in", "is_empty", "is_not_empty"],
    FieldType.PICKLIST: ["is", "is_not", "in", "is_empty", "is_not_empty"],
    FieldType.NUMBER: ["is", "is_not", "gt", "lt", "between", "in", "is_empty", "is_not_empty"],
    FieldType.DATE: ["is", "is_not", "gt", "lt", "between", "is_empty", "is_not_empty"],
    FieldType.BOOLEAN: ["is", "is_not"],
}
METRIC_OPERATORS = ["is", "is_not", "gt", "lt", "between", "is_empty", "is_not_empty"]
DATE_OPERATORS = ["within", "not_within", "more_than_days_ago", "more_than_days_ahead", "is_empty", "is_not_empty"]
OPERATOR_LABELS = {
    "is": "is",
    "is_not": "is not",
    "contains": "contains",
    "gt": ">",
    "lt": "<",
    "between": "between",
    "in": "is one of",
    "is_empty": "is empty",
    "is_not_empty": "is not empty",
    "within": "is within",
    "not_within": "is not within",
    "more_than_days_ago": "more than N days ago",
    "more_than_days_ahead": "more than N days ahead",
}
DATE_OPERATOR_LABELS = {**OPERATOR_LABELS, "gt": "after", "lt": "before"}
NO_VALUE_OPERATORS = {"is_empty", "is_not_empty"}
AGGREGATION_LABELS = dict(TimeAggregation.choices)
WINDOW_KINDS = {
    "last_days": "Last N days",
    "next_days": "Next N days",
    "current_week": "Current week",
    "current_month": "Current month",
    "range": "Date range",
    "after_date": "N days after a date",
    "before_date": "N days before a date",
}
# Dates a per-account window can count from.
ANCHORS: dict[str, dict[str, str]] = {
    Entity.ACCOUNT: {"join_date": "join date", "renewal_date": "renewal date", "churned_on": "churn date"},
    Entity.CONTACT: {"first_seen": "first seen", "last_seen": "last seen"},
}


@dataclass(frozen=True)
class FieldSpec:
    """A field a condition can name: `path` is the ORM path of a built-in field; `dimension` a custom dimension."""

    key: str
    label: str
    data_type: str
    path: str = ""
    dimension: CustomDimension | None = None
    choices: tuple[str, ...] = ()
    is_datetime: bool = False

    @property
    def operators(self) -> list[str]:
        return OPERATORS[self.data_type]


ACCOUNT_FIELDS = [
    FieldSpec("name", "Name", FieldType.TEXT, "name"),
    FieldSpec("account_id", "Account id", FieldType.TEXT, "account_id"),
    FieldSpec("tier", "Tier", FieldType.PICKLIST, "tier__name"),
    FieldSpec("stage", "Stage", FieldType.PICKLIST, "stage__name"),
    FieldSpec("industry", "Industry", FieldType.TEXT, "industry"),
    FieldSpec("source", "Source", FieldType.TEXT, "source"),
    FieldSpec("hierarchy_label", "Hierarchy", FieldType.TEXT, "hierarchy_label"),
    FieldSpec("csm_score", "CSM score", FieldType.NUMBER, "csm_score"),
    FieldSpec("nps", "NPS", FieldType.NUMBER, "nps"),
    FieldSpec("employees", "Employees", FieldType.NUMBER, "employees"),
    FieldSpec("join_date", "Join date", FieldType.DATE, "join_date"),
    FieldSpec("renewal_date", "Renewal date", FieldType.DATE, "renewal_date"),
    FieldSpec("churned_on", "Churn date", FieldType.DATE, "churned_on"),
]
CONTACT_FIELDS = [
    FieldSpec("name", "Name", FieldType.TEXT, "name"),
    FieldSpec("email", "Email", FieldType.TEXT, "email"),
    FieldSpec("user_id", "User id", FieldType.TEXT, "user_id"),
    FieldSpec("title", "Title", FieldType.TEXT, "title"),
    FieldSpec("role", "Role", FieldType.TEXT, "role"),
    FieldSpec("phone", "Phone", FieldType.TEXT, "phone"),
    FieldSpec("first_seen", "First seen", FieldType.DATE, "first_seen", is_datetime=True),
    FieldSpec("last_seen", "Last seen", FieldType.DATE, "last_seen", is_datetime=True),
    FieldSpec("email_opt_out", "Opted out of email", FieldType.BOOLEAN, "email_opt_out"),
]
DIMENSION_TYPES = {
    DimensionType.TEXT: FieldType.TEXT,
    DimensionType.NUMBER: FieldType.NUMBER,
    DimensionType.DATE: FieldType.DATE,
    DimensionType.PICKLIST: FieldType.PICKLIST,
}


@dataclass
class Catalogue:
    """Everything conditions of one entity can name right now."""

    entity: str
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    metrics: dict[str, Metric] = field(default_factory=dict)
    deleted_metrics: set[str] = field(default_factory=set)

    def date_fields(self) -> list[FieldSpec]:
        return [spec for spec in self.fields.values() if spec.data_type == FieldType.DATE]


def catalogue_load(*, entity: str = Entity.ACCOUNT) -> Catalogue:
    """Read the fields, dimensions and metrics conditions of `entity` lists can use (four small queries)."""
    catalogue = Catalogue(entity=entity)
    if entity == Entity.ACCOUNT:
        tiers = tuple(Tier.objects.order_by("order", "name").values_list("name", flat=True))
        stages = tuple(Stage.objects.order_by("order", "name").values_list("name", flat=True))
        for spec in ACCOUNT_FIELDS:
            choices = {"tier": tiers, "stage": stages}.get(spec.key, ())
            catalogue.fields[spec.key] = FieldSpec(**{**spec.__dict__, "choices": choices})
        for metric in Metric.objects.order_by("name"):
            if metric.deleted_at is None:
                catalogue.metrics[metric.key] = metric
            else:
                catalogue.deleted_metrics.add(metric.key)
    else:
        for spec in CONTACT_FIELDS:
            catalogue.fields[spec.key] = spec
    for dimension in CustomDimension.objects.filter(entity=entity).order_by("order", "label"):
        key = f"dim:{dimension.key}"
        catalogue.fields[key] = FieldSpec(
            key,
            dimension.label,
            DIMENSION_TYPES.get(dimension.data_type, FieldType.TEXT),
            dimension=dimension,
            choices=tuple(dimension.choices or ()),
        )
    return catalogue


def default_aggregation(metric: Metric) -> str:
    """The metric's own time aggregation: what a condition or column uses unless told otherwise."""
    return metric.time_aggregation or TimeAggregation.SUM


def column_aggregation(metric: Metric) -> tuple[str, bool]:
    """How a list column shows a metric (SPEC 6): custom -> latest value; count-like -> sum over the window;
    computed -> its value for the last day. Returns (aggregation, uses_window)."""
    if metric.kind == "computed":
        return TimeAggregation.LATEST, False
    if metric.kind == "custom":
        return TimeAggregation.LATEST, False
    if metric.unit == MetricUnit.COUNT and metric.time_aggregation == TimeAggregation.SUM:
        return TimeAggregation.SUM, True
    return default_aggregation(metric), default_aggregation(metric) != TimeAggregation.LATEST
