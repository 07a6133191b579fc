"""The metric catalogue, per-account daily metric values (the history) and current values."""

from __future__ import annotations

import functools

from django.core.validators import RegexValidator
from django.db import models

from core.models import PipelineErrorMixin, TimeStampedModel

key_validator = RegexValidator(
    r"^[a-z][a-z0-9_.]*$", "Use lowercase letters, digits, underscores and dots, starting with a letter."
)


class MetricKind(models.TextChoices):
    BUILTIN = "builtin", "Built-in"
    CUSTOM = "custom", "Custom"
    COMPUTED = "computed", "Computed"


class MetricUnit(models.TextChoices):
    COUNT = "count", "Count"
    SECONDS = "seconds", "Time (seconds)"
    CURRENCY = "currency", "Money (base currency)"
    PERCENT = "percent", "Percent"
    SCORE = "score", "Score"
    DAYS = "days", "Days"
    NUMBER = "number", "Number"


class Granularity(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    DAILY = "daily", "Daily"
    MONTHLY = "monthly", "Monthly"


class TimeAggregation(models.TextChoices):
    """How one account's daily values in a period become one value."""

    SUM = "sum", "Sum"
    AVERAGE = "average", "Average over time"
    MAX = "max", "Maximum"
    MIN = "min", "Minimum"
    COUNT = "count", "Count"
    LATEST = "latest", "Latest"


class AccountAggregation(models.TextChoices):
    """How the per-account values of a list of accounts become one value."""

    SUM = "sum", "Sum"
    AVERAGE = "average", "Average"
    MAX = "max", "Maximum"
    MIN = "min", "Minimum"
    COUNT = "count", "Count (unique)"


class Metric(PipelineErrorMixin, TimeStampedModel):
    """A time series per account: built in (computed by the pipeline), custom (pushed by API or CSV) or computed
    (a formula over other metrics). When the pipeline last failed to compute it, `pipeline_error` says why."""

    key = models.CharField(max_length=100, unique=True, validators=[key_validator])
    name = models.CharField(max_length=150)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=MetricKind.choices, default=MetricKind.CUSTOM)
    unit = models.CharField(max_length=20, choices=MetricUnit.choices, default=MetricUnit.NUMBER)
    granularity = models.CharField(max_length=20, choices=Granularity.choices, default=Granularity.DAILY)
    time_aggregation = models.CharField(
        max_length=20,
        choices=TimeAggregation.choices,
        default=TimeAggregation.SUM,
        help_text="How daily values combine over a window by default.",
    )
    formula = models.CharField(max_length=500, blank=True, help_text="For computed metrics, e.g. `a / b * 100`.")
    is_active = models.BooleanField(default=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    values_table = models.CharField(
        max_length=63,
        blank=True,
        editable=False,
        help_text="The table or view its daily values are read from when another app keeps them (empty: the "
        "metric values table).",
    )

    class Meta:
        ordering = ["name"]

    @property
    def values_relation(self) -> str:
        """The table or view its daily values are read from."""
        return self.values_table or VALUES_TABLE

    def daily_values(self) -> models.QuerySet:
        """The metric's stored daily values, wherever they are kept."""
        return value_model(self.values_table).objects.filter(metric_id=self.pk)

    def __str__(self) -> str:
        return self.name


VALUES_TABLE = "metrics_metricvalue"


@functools.cache
def value_model(table: str = "") -> type[models.Model]:
    """The model whose rows are the daily values kept in `table` (a Metric's `values_table`): MetricValue, or the
    model another app registered for its own table or view, with the same columns (metric, account, date, value)."""
    if not table or table == VALUES_TABLE:
        return MetricValue
    from django.apps import apps

    for model in apps.get_models():
        if model._meta.db_table == table:
            return model
    raise LookupError(f"No model keeps the metric values of {table}")


class MetricValue(models.Model):
    """One account's value of one metric on one day (UTC); the daily history every page and list reads.

    Derived data written set-based by the pipeline: its foreign keys are not database constraints (checking millions
    of rows at each commit would cost more than computing them); deletes still cascade through Django.

    The key is (metric, account, day), with no surrogate id. On PostgreSQL the table is partitioned by month of
    `date` (core.partitions; migration metrics 0006): each month has its own small indexes, so a day's writes touch
    one recent partition whatever the history kept. The key's index carries `value`, so a per-account window (lists,
    charts) is an index-only scan, and a (metric, date) index serves a day's values of one metric. On SQLite the
    table is not partitioned and has the same key and indexes (without INCLUDE). Purging an account scans the table.
    """

    pk = models.CompositePrimaryKey("metric", "account", "date")
    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="values", db_constraint=False, db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="metric_values",
        db_constraint=False,
        db_index=False,
    )
    date = models.DateField()
    value = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["metric", "date"], name="metric_value_metric_date")]

    def __str__(self) -> str:
        return f"{self.metric_id}/{self.account_id}@{self.date}={self.value}"


class MetricCurrent(models.Model):
    """The latest value of a metric for an account, for list columns and conditions.

    Rewritten in place every day (migration metrics 0003 leaves room in each page for that on PostgreSQL).
    """

    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="current_values", db_constraint=False, db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        related_name="current_metrics",
        db_constraint=False,
        db_index=False,
    )
    value = models.FloatField(null=True)
    as_of = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["metric", "account"], name="metric_current_unique")]
        indexes = [models.Index(fields=["metric", "value"], name="metric_current_metric_value")]

    def __str__(self) -> str:
        return f"{self.metric_id}/{self.account_id}={self.value}"


TREND_POINTS = 13


class RevenueTrend(models.Model):
    """One live account's MRR at each month end of the past year and on the day it was built for, in one row, for
    the account list's MRR / ARR trend: summing one narrow row per account answers any view or filter of the list
    without reading the daily history.

    Rebuilt daily by the pipeline (`metrics.services.revenue_trend_refresh`) from the stored daily MRR; `as_of` is
    the day it was built for, and `mrr_00` .. `mrr_12` hold the values on `metrics.panels.trend_points(as_of)`, in
    order (None where the pipeline left no value that day). MRR rolls up, so a parent's values include its children.
    """

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, primary_key=True, db_constraint=False, related_name="+"
    )
    as_of = models.DateField()
    mrr_00 = models.FloatField(null=True)
    mrr_01 = models.FloatField(null=True)
    mrr_02 = models.FloatField(null=True)
    mrr_03 = models.FloatField(null=True)
    mrr_04 = models.FloatField(null=True)
    mrr_05 = models.FloatField(null=True)
    mrr_06 = models.FloatField(null=True)
    mrr_07 = models.FloatField(null=True)
    mrr_08 = models.FloatField(null=True)
    mrr_09 = models.FloatField(null=True)
    mrr_10 = models.FloatField(null=True)
    mrr_11 = models.FloatField(null=True)
    mrr_12 = models.FloatField(null=True)

    def __str__(self) -> str:
        return f"{self.account_id}@{self.as_of}"


class RevenueTrendCover(models.Model):
    """An ancestor of a live account (its parent, the parent's parent, ... up to 20 levels), rebuilt with the
    revenue trend: an account whose ancestor is in the same set of accounts is already inside that ancestor's
    rolled-up MRR, so a total of the set leaves it out. Only accounts with a parent have rows (a few percent)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )
    ancestor = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["ancestor", "account"], name="revenue_trend_cover_ancestor")]

    def __str__(self) -> str:
        return f"{self.account_id} in {self.ancestor_id}"
