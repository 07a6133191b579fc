"""Health score configurations (components, criteria, versions), the band cut-offs and the daily scores."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from core.models import TimeStampedModel
from metrics.models import TimeAggregation


class Band(models.TextChoices):
    RED = "red", "Red"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"


class HealthSettings(models.Model):
    """The installation's band cut-offs (one row): red is 0 to `red_max`, yellow up to `yellow_max`, green above."""

    red_max = models.PositiveSmallIntegerField(default=30, help_text="Highest score that is red.")
    yellow_max = models.PositiveSmallIntegerField(default=70, help_text="Highest score that is yellow.")

    class Meta:
        verbose_name = "health settings"
        verbose_name_plural = "health settings"

    def __str__(self) -> str:
        return f"red 0-{self.red_max}, yellow {self.red_max + 1}-{self.yellow_max}, green {self.yellow_max + 1}-100"

    def band(self, score: int | None) -> str | None:
        if score is None:
            return None
        if score <= self.red_max:
            return Band.RED
        if score <= self.yellow_max:
            return Band.YELLOW
        return Band.GREEN


class HealthConfiguration(TimeStampedModel):
    """A way of scoring accounts: weighted components of criteria (SPEC section 5).

    One configuration is the Default (it cannot be deleted or deactivated) and scores every account that no other
    active configuration takes. The others apply to the accounts of a saved list (`segment`) or of their own
    `conditions`; an account gets the matching active configuration with the lowest `priority` number (1 first).
    `version` grows by one at every saved change; each daily score records the version that computed it, and
    `HealthConfigurationVersion` keeps what each version was. `problem` says what broke at the last scoring run
    (a deleted list, metric or dimension), empty when all went well.
    """

    name = models.CharField(max_length=120)
    description = models.CharField(max_length=500, blank=True)
    is_default = models.BooleanField(default=False, editable=False)
    is_active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(default=10, help_text="1 is tried first.")
    segment = models.ForeignKey(
        "segments.Segment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="health_configurations",
        help_text="The saved account list this configuration applies to.",
    )
    conditions = models.JSONField(
        default=dict, blank=True, help_text="Conditions of its own, when it applies to no saved list."
    )
    version = models.PositiveIntegerField(default=1)
    problem = models.CharField(max_length=500, blank=True)
    problem_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-is_default", "priority", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="healthscore_one_default"
            )
        ]

    def __str__(self) -> str:
        return self.name


class HealthComponent(models.Model):
    """A weighted part of a configuration's score (e.g. Engagement): the rounded mean of its criteria's scores.

    `key` (from the name) names the component's metric in the catalogue (`health.<key>`), shared by components of
    the same name in different configurations.
    """

    configuration = models.ForeignKey(HealthConfiguration, on_delete=models.CASCADE, related_name="components")
    name = models.CharField(max_length=80)
    key = models.CharField(max_length=60)
    weight = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="Any positive number.",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["configuration", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["configuration", "key"], name="healthscore_component_unique_key"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="healthscore_component_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class CriterionSource(models.TextChoices):
    METRIC = "metric", "Metric"
    DIMENSION = "dimension", "Number dimension"


class HealthCriterion(models.Model):
    """One measured value of a component, scored 0 at or below `low` (X) and 100 at or above `high` (Y), linear in
    between; inverted, 100 at or below X and 0 at or above Y.

    The value is a metric aggregated over the last `window_days` days (sum, count and average of a window without
    values are 0; max, min and latest have none) or the current value of a number custom dimension. Metrics and
    dimensions are named by key, so a deleted one is reported instead of deleting the criterion.
    """

    component = models.ForeignKey(HealthComponent, on_delete=models.CASCADE, related_name="criteria")
    source = models.CharField(max_length=20, choices=CriterionSource.choices, default=CriterionSource.METRIC)
    metric_key = models.CharField(max_length=100, blank=True)
    aggregation = models.CharField(max_length=20, choices=TimeAggregation.choices, default=TimeAggregation.AVERAGE)
    window_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    dimension_key = models.CharField(max_length=50, blank=True)
    low = models.FloatField("score 0 at or below (X)")
    high = models.FloatField("score 100 at or above (Y)")
    inverted = models.BooleanField(default=False, help_text="100 at or below X, 0 at or above Y.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "health criteria"
        ordering = ["component", "order", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(low__lt=models.F("high")), name="healthscore_criterion_x_below_y")
        ]

    def __str__(self) -> str:
        return self.metric_key or self.dimension_key


class HealthConfigurationVersion(models.Model):
    """What a configuration was at one version (components, weights, criteria, bounds), so a day scored by an
    older version can still be explained."""

    configuration = models.ForeignKey(HealthConfiguration, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["configuration", "-version"]
        constraints = [models.UniqueConstraint(fields=["configuration", "version"], name="healthscore_version_unique")]

    def __str__(self) -> str:
        return f"{self.configuration_id} v{self.version}"


class HealthScore(models.Model):
    """One account's health score on one day (UTC), written set-based by the pipeline.

    `score` is empty when no component had a valued criterion. `missing_weight` is the percent of the total weight
    that rested on components without data (a score above 50 is "thin data"). `components` maps component ids to
    their score (null: no data); `criteria` maps criterion ids to [raw value, score] for the criteria that had a
    value. `configuration` and `version` say what scored the day. Derived data: no database foreign keys (see
    MetricValue). On PostgreSQL the table is partitioned by month of `date` (core.partitions; migration
    healthscore 0003), keyed by (id, date).
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="health_scores", db_constraint=False, db_index=False
    )
    date = models.DateField()
    configuration = models.ForeignKey(
        HealthConfiguration, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    version = models.PositiveIntegerField()
    score = models.SmallIntegerField(null=True)
    missing_weight = models.SmallIntegerField(default=0)
    components = models.JSONField(default=dict)
    criteria = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="healthscore_score_account_day")]
        # A day's scores by configuration: the calibration's counts and the preview's stored values read the index
        # alone, and a day's scores (the health metrics) read its prefix.
        indexes = [models.Index(fields=["date", "configuration", "score"], name="healthscore_day_conf_score")]

    def __str__(self) -> str:
        return f"{self.account_id}@{self.date}={self.score}"

    @property
    def thin_data(self) -> bool:
        return self.missing_weight > 50


class HealthValue(models.Model):
    """A daily value of a health metric read from the score history by a view (migration healthscore 0005) with the
    columns of MetricValue, so lists, charts and current values read these metrics as any other while the pipeline
    writes each score once. Read only."""

    pk = models.CompositePrimaryKey("metric", "account", "date")
    metric = models.ForeignKey(
        "metrics.Metric", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    date = models.DateField()
    value = models.FloatField()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.metric_id}:{self.account_id}@{self.date}={self.value}"


class HealthScoreValue(HealthValue):
    """The "health score" metric: each stored score that has a value."""

    class Meta:
        managed = False
        db_table = "healthscore_scorevalue"


class HealthComponentValue(HealthValue):
    """The metric of each component ("health.<key>"): the component's stored score in the configuration that scored
    the account. A component removed from its configuration leaves no values (its metric leaves the catalogue)."""

    class Meta:
        managed = False
        db_table = "healthscore_componentvalue"


class BackfillStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


class HealthBackfill(TimeStampedModel):
    """A background rescoring of past days (after a configuration changed), with its progress."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    configuration = models.ForeignKey(
        HealthConfiguration, on_delete=models.SET_NULL, null=True, blank=True, related_name="backfills"
    )
    first_day = models.DateField()
    last_day = models.DateField()
    days_done = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=BackfillStatus.choices, default=BackfillStatus.QUEUED)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.first_day}..{self.last_day} ({self.status})"

    @property
    def days_total(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.days_done / self.days_total)) if self.days_total else 100
