"""The score history in monthly partitions (PostgreSQL): keyed by (id, date) with its unique (account, date) and its
index, a backfill across a month end writing each day into its own month (made when it did not exist yet), a rerun
replacing a day in place, and an installation's stored scores carried over by the migration."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import partitions
from healthscore.models import HealthScore
from healthscore.services import health_scores_backfill, health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import configure, put
from tests.usage.test_partitions import located
from tests.usage.test_rollup_partitions import constraints

TABLE = "healthscore_healthscore"
MONTH_END = datetime.date(2031, 5, 31)  # far from today: its months have no partition before the test


def scores() -> list[tuple]:
    return sorted(HealthScore.objects.values_list("account_id", "date", "score", "components", "criteria"))


def test_the_score_history_is_partitioned_by_month_with_its_keys_and_index(db):
    assert partitions.is_partitioned(TABLE) and f"{TABLE}_default" in partitions.partitions_list(TABLE)
    assert "PRIMARY KEY (id, date)" in constraints(TABLE)
    assert "UNIQUE (account_id, date)" in constraints(TABLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [TABLE])
        assert "healthscore_day_conf_score" in [row[0] for row in cursor.fetchall()]


def test_a_backfill_across_a_month_end_scores_each_day_into_its_month(default):
    configure(default, [("Usage", 1, [("events", 0, 10, False, "sum", 3)])])
    days = [MONTH_END + datetime.timedelta(days=n) for n in range(-2, 3)]
    accounts = [AccountFactory(name=f"a{n}", join_date=days[0] - datetime.timedelta(days=90)) for n in range(3)]
    for n, account in enumerate(accounts):
        for k, day in enumerate(days):
            put("events", account, n * 3 + k, day)
    months = {partitions.partition_name(TABLE, day) for day in (MONTH_END, days[-1])}
    assert not months & set(partitions.partitions_list(TABLE))

    assert health_scores_backfill(first_day=days[0], last_day=days[-1]) == len(days)
    assert set(located(TABLE)) == months
    backfilled = scores()
    assert len(backfilled) == len(days) * len(accounts)
    health_scores_compute(as_of=MONTH_END)  # a rerun replaces the day's rows in its own month
    assert scores() == backfilled and set(located(TABLE)) == months


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_an_installations_scores_into_monthly_partitions():
    executor = MigrationExecutor(connection)
    executor.migrate([("healthscore", "0002_default_configuration")])
    assert not partitions.is_partitioned(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (account_id, date, configuration_id, version, score, missing_weight, components, "
            "criteria) SELECT a, DATE '2026-09-20' + d, 1, 1, (a * 7 + d) % 101, 0, '{}', '{}' "
            "FROM generate_series(1, 40) a, generate_series(0, 60) d"
        )
        cursor.execute(f"SELECT * FROM {TABLE} ORDER BY id")
        before = cursor.fetchall()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.is_partitioned(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {TABLE} ORDER BY id")
        assert cursor.fetchall() == before
    assert {partitions.partition_name(TABLE, datetime.date(2026, m, 1)) for m in (9, 10, 11)} <= set(located(TABLE))
    new = HealthScore.objects.create(account_id=41, date=datetime.date(2026, 11, 20), configuration_id=1, version=1)
    assert new.pk == before[-1][0] + 1  # the ids go on after the copied ones
