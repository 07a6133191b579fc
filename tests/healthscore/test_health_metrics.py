"""The health metrics ("health score", each component) are read from the score history itself, not copied into the
metric values: lists, list windows, charts, formulas, current values and an account's metric history see the scores
the scoring step stored, and an installation's copies are dropped by the migration."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from healthscore.models import (
    HealthComponent,
    HealthComponentValue,
    HealthConfiguration,
    HealthScore,
    HealthScoreValue,
)
from healthscore.services import health_scores_backfill
from metrics.aggregation import Period, aggregate_metric
from metrics.models import Metric, MetricCurrent, MetricValue
from metrics.selectors import account_metric_history
from metrics.services import computed_values_compute, metric_save_computed
from segments.selectors import conditions_queryset
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, put

DAYS = [DAY - datetime.timedelta(days=n) for n in (2, 1, 0)]


def condition(key: str, aggregation: str, days: int, op: str, value: float) -> dict:
    window = {"kind": "last_days", "days": days}
    leaf = {"type": "metric", "metric": key, "aggregation": aggregation, "window": window, "op": op, "value": value}
    return {"version": 1, "root": {"type": "group", "match": "all", "children": [leaf]}}


def names(conditions: dict) -> set[str]:
    return set(
        conditions_queryset(user=None, data=conditions, entity="account", as_of=DAY).values_list("name", flat=True)
    )


@pytest.fixture
def scored(default):
    """Three accounts scored on three days by a one-criterion configuration: their score is their "m" value."""
    configure(default, [("Usage", 1, [("m", 0, 100, False)])])
    parent = AccountFactory(name="parent", join_date=DAY - datetime.timedelta(days=90))
    falling = AccountFactory(name="falling", parent=parent, join_date=parent.join_date)
    steady = AccountFactory(name="steady", parent=parent, join_date=parent.join_date)
    for n, day in enumerate(DAYS):
        put("m", parent, 50, day)
        put("m", falling, 80 - 30 * n, day)  # 80, 50, 20
        put("m", steady, 60, day)
    assert health_scores_backfill(first_day=DAYS[0], last_day=DAY) == 3
    return {"parent": parent, "falling": falling, "steady": steady}


def test_lists_charts_formulas_and_current_values_read_the_scores(scored):
    falling = scored["falling"]
    # Nothing copied: the values are the stored scores, through the view.
    assert not MetricValue.objects.filter(metric__key__in=["health_score", "health.usage"]).exists()
    assert HealthScoreValue.objects.filter(metric__key="health_score").count() == 9
    assert HealthComponentValue.objects.filter(metric__key="health.usage").count() == 9
    assert Metric.objects.get(key="health_score").values_table == "healthscore_scorevalue"
    assert Metric.objects.get(key="health.usage").values_table == "healthscore_componentvalue"

    assert names(condition("health_score", "latest", 1, "lt", 30)) == {"falling"}
    assert names(condition("health_score", "average", 3, "gt", 49)) == {"parent", "falling", "steady"}
    assert names(condition("health_score", "min", 3, "lt", 50)) == {"falling"}
    assert names(condition("health.usage", "max", 3, "gt", 59)) == {"falling", "steady"}

    history = account_metric_history(
        account=falling, keys=["health_score", "health.usage", "m"], since=DAYS[0], until=DAY
    )
    assert history["health_score"] == list(zip(DAYS, [80.0, 50.0, 20.0], strict=True))
    assert history["health.usage"] == history["health_score"]
    assert [value for _, value in history["m"]] == [80.0, 50.0, 20.0]

    daily = [Period(day, day) for day in DAYS]
    everyone = ("SELECT id FROM accounts_account", [])
    health = Metric.objects.get(key="health_score")
    averages = aggregate_metric(
        metric_id=health.pk,
        account_ids_sql=everyone,
        periods=daily,
        time_aggregation="latest",
        account_aggregation="average",
    )
    assert averages == [pytest.approx(v) for v in (190 / 3, 160 / 3, 130 / 3)]

    metric_save_computed(metric=Metric(key="health_gap", name="Health gap", formula="100 - health_score"))
    computed_values_compute(as_of=DAY)
    gaps = dict(MetricValue.objects.filter(metric__key="health_gap", date=DAY).values_list("account__name", "value"))
    assert gaps == {"parent": 50, "falling": 80, "steady": 40}

    # The backfill pointed the current values at its newest day, the score as any other metric.
    current = dict(MetricCurrent.objects.filter(metric=health).values_list("account__name", "value"))
    assert current == {"parent": 50, "falling": 20, "steady": 60}
    children = MetricCurrent.objects.get(metric__key="avg_child_health_score")
    assert (children.account, children.value) == (scored["parent"], 40)


def test_a_rescored_day_changes_what_lists_read_at_once(scored):
    HealthScore.objects.filter(account=scored["steady"], date=DAY).update(score=10)
    assert names(condition("health_score", "latest", 1, "lt", 30)) == {"falling", "steady"}


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_an_installations_copies_and_reads_the_scores():
    executor = MigrationExecutor(connection)
    executor.migrate([("healthscore", "0004_scores_indexed_by_day_and_configuration")])
    # An installation that copied the score and a component's score into the metric values (metrics stay at their
    # newest migration).
    default = HealthConfiguration.objects.get(is_default=True)
    component = HealthComponent.objects.create(configuration=default, name="Usage", key="usage", weight=1)
    metric_id = Metric.objects.create(key="health_score", name="Health score", kind="builtin").pk
    usage_id = Metric.objects.create(key="health.usage", name="Health: Usage", kind="builtin").pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO healthscore_healthscore (account_id, date, configuration_id, version, score, missing_weight, "
            "components, criteria) SELECT a, DATE '2026-09-28' + d, %s, 1, (a * 7 + d) %% 101, 0, "
            "jsonb_build_object(%s, (a * 7 + d) %% 101), '{}' FROM generate_series(1, 20) a, generate_series(0, 5) d",
            [default.pk, str(component.pk)],
        )
        for metric in (metric_id, usage_id):
            cursor.execute(
                "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
                "SELECT %s, account_id, date, score FROM healthscore_healthscore",
                [metric],
            )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not MetricValue.objects.filter(metric_id__in=[metric_id, usage_id]).exists()
    stored = sorted(HealthScore.objects.values_list("account_id", "date", "score"))
    for pk in (metric_id, usage_id):
        read = sorted(Metric.objects.get(pk=pk).daily_values().values_list("account_id", "date", "value"))
        assert len(read) == 120
        assert read == stored
