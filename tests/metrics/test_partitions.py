"""Daily metric values in monthly partitions (PostgreSQL): the pipeline writes into the day's month, creating it
when it does not exist yet, a backfill across a month end equals the daily runs, an existing installation's values
are carried over by the migration, and the scheduled job makes the coming months ahead."""

import datetime
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from accounts.models import Account
from core import partitions
from core.pipeline import pipeline_backfill, pipeline_run
from metrics.models import Metric, MetricKind, MetricValue
from revenue.models import Subscription
from tests.core.test_worker import real_worker  # noqa: F401  (fixture)
from usage.services import EventRow, events_store

TABLE = "metrics_metricvalue"
# Months no other test writes to, so their partitions do not exist when a test starts.
MONTH_END = datetime.date(2031, 1, 31)


def located() -> dict[str, int]:
    """How many metric values each partition holds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, COUNT(*) FROM {TABLE} GROUP BY 1")
        return dict(cursor.fetchall())


def history() -> list[tuple]:
    return sorted(MetricValue.objects.values_list("metric__key", "account__account_id", "date", "value"))


@pytest.fixture
def usage(db):
    """Two accounts with a subscription, a CSM score and product usage on each day around MONTH_END."""
    made = [Account.objects.create(account_id=f"p-{i}", name=f"P {i}", csm_score=30 * i) for i in (1, 2)]
    Subscription.objects.create(
        account=made[0], subscription_id="p1", start_date=datetime.date(2030, 12, 1), amount=Decimal(90)
    )
    rows = []
    for offset in range(-3, 4):
        day = MONTH_END + datetime.timedelta(days=offset)
        for i, account in enumerate(made, start=1):
            for n in range(i + offset % 3):
                moment = datetime.datetime.combine(day, datetime.time(9, n * 5), tzinfo=datetime.UTC)
                rows.append(
                    EventRow(f"{account.pk}-{day}-{n}", account.account_id, f"u-{i}", "feature", "reports",
                             "export", 1.0, None, "", "", moment)
                )  # fmt: skip
    events_store(source_id=1, rows=rows)
    return made


def test_the_table_is_partitioned_by_month_with_a_key_and_no_surrogate_id(db):
    assert partitions.is_partitioned(TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
            [TABLE],
        )
        assert cursor.fetchone()[0] == "PRIMARY KEY (metric_id, account_id, date) INCLUDE (value)"
    assert [f.name for f in MetricValue._meta.local_fields if f.column == "id"] == []
    assert f"{TABLE}_default" in partitions.partitions_list(TABLE)


def test_one_value_per_metric_account_and_day(db):
    account = Account.objects.create(account_id="k", name="K")
    metric = Metric.objects.create(key="seats", name="Seats", kind=MetricKind.CUSTOM)
    MetricValue.objects.create(metric=metric, account=account, date=MONTH_END, value=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        MetricValue.objects.create(metric=metric, account=account, date=MONTH_END, value=4)
    MetricValue.objects.filter(metric=metric, account=account, date=MONTH_END).update(value=5)
    assert MetricValue.objects.get(metric=metric, account=account, date=MONTH_END).value == 5


def test_a_backfill_across_a_month_end_creates_the_new_month_and_equals_daily_runs(usage):
    january, february = (partitions.partition_name(TABLE, day) for day in (MONTH_END, datetime.date(2031, 2, 1)))
    assert january not in partitions.partitions_list(TABLE) and february not in partitions.partitions_list(TABLE)
    last = MONTH_END + datetime.timedelta(days=3)
    pipeline_backfill(as_of=last, days=6)
    backfilled = history()
    assert {row[2] for row in backfilled} == {MONTH_END + datetime.timedelta(days=n) for n in range(-2, 4)}
    where = located()
    assert where[january] and where[february] and f"{TABLE}_default" not in where
    mrr = {(row[1], row[2]): row[3] for row in backfilled if row[0] == "mrr"}
    assert mrr[("p-1", MONTH_END)] == mrr[("p-1", last)] == 90

    MetricValue.objects.all().delete()
    for offset in range(5, -1, -1):
        pipeline_run(as_of=last - datetime.timedelta(days=offset))
    assert history() == backfilled
    pipeline_run(as_of=MONTH_END)  # a rerun of the month's last day replaces its rows, in its own month
    assert history() == backfilled and located() == where


def test_values_written_before_their_month_existed_move_into_it(db):
    account = Account.objects.create(account_id="early", name="Early")
    metric = Metric.objects.create(key="seats", name="Seats", kind=MetricKind.CUSTOM)
    day = datetime.date(2032, 6, 15)
    MetricValue.objects.create(metric=metric, account=account, date=day, value=7)
    assert located() == {f"{TABLE}_default": 1}
    assert partitions.partition_ensure(TABLE, day) is True
    assert located() == {partitions.partition_name(TABLE, day): 1}
    assert partitions.partition_ensure(TABLE, day) is False
    assert MetricValue.objects.get(metric=metric, date=day).value == 7


def test_the_statistics_step_samples_the_days_month_only(usage):
    from metrics.services import metric_statistics_refresh

    pipeline_run(as_of=MONTH_END)
    metric_statistics_refresh(as_of=MONTH_END)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname = %s", [f"{TABLE}_p203101"])
        assert cursor.fetchone()[1] > 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_an_installations_values_into_monthly_partitions():
    executor = MigrationExecutor(connection)
    executor.migrate([("metrics", "0005_pipeline_errors")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
            "SELECT 1 + a % 3, a, d::date, a * 0.5 + EXTRACT(DAY FROM d) FROM generate_series(1, 40) a, "
            "generate_series('2030-11-20'::date, '2031-01-05'::date, '1 day') d"
        )
        cursor.execute("SELECT metric_id, account_id, date, value FROM metrics_metricvalue ORDER BY 1, 2, 3")
        before = cursor.fetchall()
    assert not partitions.is_partitioned(TABLE)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.is_partitioned(TABLE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT metric_id, account_id, date, value FROM metrics_metricvalue ORDER BY 1, 2, 3")
        assert cursor.fetchall() == before
    where = located()
    assert set(where) == {f"{TABLE}_p203011", f"{TABLE}_p203012", f"{TABLE}_p203101"}
    assert where[f"{TABLE}_p203012"] == 40 * 31
    assert MetricValue.objects.filter(account_id=7, date=datetime.date(2030, 12, 25)).get().value == 3.5 + 25
    for name in (f"{TABLE}_p203011", f"{TABLE}_p203012", f"{TABLE}_p203101"):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {name}")  # this test's months: later tests start without them


def test_the_scheduled_job_creates_the_coming_months_on_a_real_worker(real_worker):  # noqa: F811
    from core.jobs import partitions_ahead
    from natero.celery import app

    assert app.conf.beat_schedule["core-partitions-ahead"]["task"] == "core.jobs.partitions_ahead"
    today = datetime.datetime.now(datetime.UTC).date()
    coming = partitions.partition_name(TABLE, partitions.next_month(partitions.next_month(today)))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {coming}")
    assert coming not in partitions.partitions_list(TABLE)
    partitions_ahead.apply_async(queue=real_worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and coming not in partitions.partitions_list(TABLE):
        time.sleep(0.25)
    assert coming in partitions.partitions_list(TABLE)
