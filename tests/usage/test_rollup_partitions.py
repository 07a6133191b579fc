"""Daily roll-ups and activity ranks in monthly partitions (PostgreSQL): keyed by (id, date) with their unique
constraints and indexes, written into the day's month (created when it does not exist yet) by a backfill across a
month end that equals the daily runs, and an installation's rows carried over by the migration."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core import partitions
from core.pipeline import pipeline_backfill, pipeline_run
from tests.usage.test_partitions import MONTH_END, book, derived, located, usage_rows  # noqa: F401  (fixture)
from usage.models import AccountUsageDaily, ActivityRank
from usage.services import events_store

TABLES = [f"usage_{t}" for t in ("accountusagedaily", "contactusagedaily", "moduleusagedaily", "featureusagedaily")]
RANKS = "usage_activityrank"


def constraints(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass ORDER BY 1", [table]
        )
        return [row[0] for row in cursor.fetchall()]


def test_rollups_and_ranks_are_partitioned_by_month_with_their_keys_and_indexes(db):
    for table in [*TABLES, RANKS]:
        assert partitions.is_partitioned(table) and f"{table}_default" in partitions.partitions_list(table)
        assert "PRIMARY KEY (id, date)" in constraints(table)
    assert "UNIQUE (account_id, date)" in constraints("usage_accountusagedaily")
    assert "UNIQUE (entity, date, object_id)" in constraints(RANKS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'usage_moduleusagedaily' ORDER BY 1")
        assert "usage_module_day_account" in [row[0] for row in cursor.fetchall()]


def test_a_backfill_across_a_month_end_writes_each_day_into_its_month_and_equals_daily_runs(book):  # noqa: F811
    days = [MONTH_END + datetime.timedelta(days=n) for n in range(-2, 3)]
    events_store(source_id=1, rows=usage_rows(days))
    months = {MONTH_END, days[-1]}
    pipeline_backfill(as_of=days[-1], days=len(days))
    backfilled = derived()
    for table in [*TABLES, RANKS]:
        assert set(located(table)) == {partitions.partition_name(table, d) for d in months}, table
    assert AccountUsageDaily.objects.filter(date__in=days).count() == 2 * len(days)
    assert {d for d in ActivityRank.objects.values_list("date", flat=True)} == set(days)

    pipeline_run(as_of=MONTH_END)  # a rerun replaces the day's rows in its own month
    assert derived() == backfilled
    for day in reversed(days):
        pipeline_run(as_of=day)
    assert derived() == backfilled


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_an_installations_rollups_and_ranks_into_monthly_partitions():
    executor = MigrationExecutor(connection)
    executor.migrate([("usage", "0007_events_and_sessions_partitioned_by_month")])
    assert not partitions.is_partitioned("usage_accountusagedaily") and not partitions.is_partitioned(RANKS)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO usage_accountusagedaily (account_id, date, events, active_users, sessions, session_seconds) "
            "SELECT a, DATE '2025-10-20' + d, a + d, 1, 1, d * 1.5 FROM generate_series(1, 30) a, "
            "generate_series(0, 60) d"
        )
        cursor.execute(
            "INSERT INTO usage_activityrank (entity, object_id, date, seconds_30d, rank, trend, trend_n, trend_sx, "
            "trend_sy, trend_sxy) SELECT 'account', a, DATE '2025-10-20' + d, a, a, 0, 0, 0, 0, 0 "
            "FROM generate_series(1, 30) a, generate_series(0, 60) d"
        )
        queries = {
            "usage_accountusagedaily": "SELECT * FROM usage_accountusagedaily ORDER BY id",
            RANKS: f"SELECT * FROM {RANKS} ORDER BY id",
        }
        before = {}
        for table, query in queries.items():
            cursor.execute(query)
            before[table] = cursor.fetchall()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    months = ("p202510", "p202511", "p202512")
    with connection.cursor() as cursor:
        for table, query in queries.items():
            assert partitions.is_partitioned(table)
            cursor.execute(query)
            assert cursor.fetchall() == before[table]
            assert set(located(table)) == {f"{table}_{m}" for m in months}
    assert "UNIQUE (account_id, date)" in constraints("usage_accountusagedaily")
    new = AccountUsageDaily.objects.create(account_id=1, date=datetime.date(2025, 12, 25))
    assert new.id == before["usage_accountusagedaily"][-1][0] + 1  # ids continue where they were
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join([*TABLES, RANKS])}")
        for table in [*TABLES, RANKS]:
            for month in months:
                cursor.execute(f"DROP TABLE IF EXISTS {table}_{month}")  # this test's months
