"""Raw events and sessions in monthly partitions (PostgreSQL), and the retention of raw events: events received for
a month without a partition wait in the default one and move into their month when the pipeline reaches it, a
backfill across a month end equals the daily runs, a retried event is stored once, an installation's events and
sessions are carried over by the migration, and dropping an old month of events leaves its roll-ups untouched and
refuses to compute its days again."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings

from accounts.models import Account, AccountContact, Contact
from core import partitions
from core.pipeline import PipelineRefused, pipeline_backfill, pipeline_run
from metrics.models import MetricValue
from usage import rollups
from usage.models import (
    AccountUsageDaily,
    ActivityRank,
    ContactUsageDaily,
    Event,
    FeatureUsageDaily,
    ModuleUsageDaily,
    UsageSession,
)
from usage.retention import EventsNoLongerKept, events_kept_from, events_retain
from usage.services import EventRow, events_apply_to_accounts, events_store

EVENTS, SESSIONS = "usage_event", "usage_usagesession"
# Months no other test writes to, so their partitions do not exist when a test starts.
MONTH_END = datetime.date(2033, 1, 31)
OLD_MONTH = datetime.date(2029, 1, 10)


def located(table: str) -> dict[str, int]:
    """How many rows each partition of `table` holds."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text, COUNT(*) FROM {table} GROUP BY 1")
        return dict(cursor.fetchall())


def moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=datetime.UTC)


def usage_rows(days: list[datetime.date], prefix: str = "") -> list[EventRow]:
    """Each day: two users of two accounts with a session of features and a module visit, one just before midnight."""
    rows = []
    for day in days:
        for a in (1, 2):
            for user in (f"u{a}a", f"u{a}b"):
                for n in range(a + day.day % 3):
                    rows.append(
                        EventRow(f"{prefix}{day}-{user}-{n}", f"acc-{a}", user, "feature", "reports", "export",
                                 1.0 + n, None, "", "", moment(day, 9, n * 4))
                    )  # fmt: skip
                rows.append(
                    EventRow(f"{prefix}{day}-{user}-m", f"acc-{a}", user, "moduleEnd", "dashboard", "", None,
                             60_000, "", "", moment(day, 23, 50))
                )  # fmt: skip
    return rows


@pytest.fixture
def book(db):
    for a in (1, 2):
        account = Account.objects.create(account_id=f"acc-{a}", name=f"Account {a}")
        for user in (f"u{a}a", f"u{a}b"):
            AccountContact.objects.create(account=account, contact=Contact.objects.create(user_id=user, name=user))


def derived() -> dict[str, list[tuple]]:
    """Every derived row of the usage tables, without ids."""
    return {
        "sessions": sorted(
            UsageSession.objects.values_list(
                "account__account_id", "user_id", "date", "session_key", "started_at", "ended_at", "seconds", "events"
            )
        ),
        "accounts": sorted(
            AccountUsageDaily.objects.values_list(
                "account__account_id", "date", "events", "active_users", "sessions", "session_seconds"
            )
        ),
        "contacts": sorted(
            ContactUsageDaily.objects.values_list("contact__user_id", "date", "events", "sessions", "session_seconds")
        ),
        "modules": sorted(ModuleUsageDaily.objects.values_list("account_id", "date", "module", "user_id", "seconds")),
        "features": sorted(FeatureUsageDaily.objects.values_list("account_id", "date", "feature", "user_id", "count")),
        "ranks": sorted(ActivityRank.objects.values_list("entity", "object_id", "date", "rank", "trend")),
        "metrics": sorted(MetricValue.objects.values_list("metric__key", "account_id", "date", "value")),
    }


def test_events_and_sessions_are_partitioned_by_month_keyed_with_their_time(db):
    with connection.cursor() as cursor:
        for table, key in ((EVENTS, "occurred_at"), (SESSIONS, "date")):
            assert partitions.is_partitioned(table)
            assert f"{table}_default" in partitions.partitions_list(table)
            cursor.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'",
                [table],
            )
            assert cursor.fetchone()[0] == f"PRIMARY KEY (id, {key})"
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'u'",
            [EVENTS],
        )
        assert cursor.fetchone()[0] == "UNIQUE (source_id, event_id, occurred_at)"


def test_a_retried_batch_is_stored_once_and_ids_keep_growing_across_months(book):
    rows = usage_rows([MONTH_END, MONTH_END + datetime.timedelta(days=1)])
    assert events_store(source_id=1, rows=rows) == len(rows)
    assert events_store(source_id=1, rows=rows) == 0
    assert events_store(source_id=2, rows=rows[:3]) == 3  # another source's ids never shadow these
    assert Event.objects.count() == len(rows) + 3
    assert located(EVENTS) == {f"{EVENTS}_default": len(rows) + 3}
    partitions.partition_ensure(EVENTS, MONTH_END)
    latest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    events_store(source_id=1, rows=usage_rows([MONTH_END], prefix="later-")[:1])
    assert Event.objects.order_by("-id").values_list("id", flat=True).first() > latest
    # The job that reads new events by id reads them across partitions.
    done = events_apply_to_accounts(settle_seconds=0)
    assert done["events"] == len(rows) + 4


def test_a_backfill_across_a_month_end_creates_the_months_and_equals_daily_runs(book):
    days = [MONTH_END + datetime.timedelta(days=n) for n in range(-2, 3)]
    events_store(source_id=1, rows=usage_rows(days))
    january, february = (partitions.partition_name(EVENTS, day) for day in (MONTH_END, days[-1]))
    assert located(EVENTS) == {f"{EVENTS}_default": Event.objects.count()}
    pipeline_backfill(as_of=days[-1], days=len(days))
    backfilled = derived()
    assert {row[2] for row in backfilled["sessions"]} == set(days)
    # Each month's events moved out of the default partition into their own, sessions written into theirs.
    events_where, sessions_where = located(EVENTS), located(SESSIONS)
    assert set(events_where) == {january, february}
    assert set(sessions_where) == {partitions.partition_name(SESSIONS, d) for d in (MONTH_END, days[-1])}
    assert sum(events_where.values()) == len(usage_rows(days))
    # acc-1 on the 29th: per user 3 features over 8 minutes and a minute-long module visit before midnight.
    assert backfilled["accounts"][0][2:] == (8, 2, 4, 2 * (8 * 60 + 60))

    for table in (UsageSession, AccountUsageDaily, ContactUsageDaily, ModuleUsageDaily, FeatureUsageDaily):
        table.objects.all().delete()
    ActivityRank.objects.all().delete()
    MetricValue.objects.all().delete()
    for day in days:
        pipeline_run(as_of=day)
    assert derived() == backfilled
    pipeline_run(as_of=MONTH_END)  # a rerun of the month's last day replaces its rows, in its own month
    assert derived() == backfilled and located(SESSIONS) == sessions_where


def test_dropping_an_old_month_of_events_keeps_its_rollups_and_refuses_to_compute_it_again(book):
    old_days = [OLD_MONTH, OLD_MONTH + datetime.timedelta(days=1)]
    kept_day = datetime.date(2029, 3, 2)
    events_store(source_id=1, rows=usage_rows([*old_days, kept_day]))
    for day in [*old_days, kept_day]:
        pipeline_run(as_of=day)
    before = derived()
    assert {row[1] for row in before["accounts"]} == {*old_days, kept_day}
    assert events_kept_from() is None

    # 400 days before 2030-03-08 is 2029-02-01: January 2029 ends before it and is dropped whole.
    result = events_retain(today=datetime.date(2030, 3, 8), days=400)
    assert partitions.partition_name(EVENTS, OLD_MONTH) in result["dropped"]
    assert partitions.partition_name(EVENTS, OLD_MONTH) not in partitions.partitions_list(EVENTS)
    assert result["kept_from"] == "2029-02-01" and events_kept_from() == datetime.date(2029, 2, 1)
    assert not Event.objects.filter(occurred_at__lt=moment(datetime.date(2029, 2, 1), 0)).exists()
    assert Event.objects.filter(occurred_at__date=kept_day).exists()
    assert derived() == before  # sessions, roll-ups, ranks and metric values of the dropped days stay

    message = "the oldest day available is 2029-02-01"
    with pytest.raises(PipelineRefused, match=message):
        pipeline_run(as_of=OLD_MONTH)
    with pytest.raises(PipelineRefused, match=message):
        pipeline_backfill(as_of=kept_day, days=60)  # starts in January: refused before any day runs
    with pytest.raises(EventsNoLongerKept, match=message):
        rollups.usage_day_compute(as_of=OLD_MONTH)
    with pytest.raises(CommandError, match=r"USAGE_EVENT_RETENTION_DAYS is 400 days.*2029-02-01"):
        call_command("run_pipeline", as_of=kept_day, days=40)
    assert derived() == before

    pipeline_run(as_of=kept_day)  # a day still kept is computed again as before
    assert derived() == before


@override_settings(USAGE_EVENT_RETENTION_DAYS=30)
def test_the_retention_job_is_scheduled_and_reads_the_setting(db):
    from natero.celery import app
    from usage.jobs import events_retain_job

    assert app.conf.beat_schedule["usage-events-retain"]["task"] == "usage.jobs.events_retain"
    result = events_retain_job()
    today = datetime.datetime.now(datetime.UTC).date()
    assert result["kept_from"] == partitions.month_start(today - datetime.timedelta(days=30)).isoformat()


def test_the_default_retention_is_400_days():
    from django.conf import settings

    assert settings.USAGE_EVENT_RETENTION_DAYS == 400


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_an_installations_events_and_sessions_into_monthly_partitions():
    executor = MigrationExecutor(connection)
    executor.migrate([("usage", "0006_rollups_indexed_by_day")])
    assert not partitions.is_partitioned(EVENTS)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO usage_event (source_id, event_id, account_id, user_id, action, module, feature, quantity, "
            "duration_ms, session_id, product, occurred_at, received_at, details) "
            "SELECT 1, 'm' || n, 'acc-' || (n % 7), 'u' || (n % 11), 'feature', 'reports', 'export', n, NULL, '', '', "
            "TIMESTAMPTZ '2025-10-20 00:00:00+00' + n * INTERVAL '29 minutes', now(), NULL "
            "FROM generate_series(1, 3000) n"
        )
        cursor.execute(
            "INSERT INTO usage_usagesession (account_id, contact_id, user_id, date, session_key, started_at, "
            "ended_at, seconds, events) SELECT n % 7, NULL, 'u' || n, DATE '2025-10-25' + n % 60, 'g:1', now(), "
            "now(), n, 1 FROM generate_series(1, 500) n"
        )
        cursor.execute("SELECT * FROM usage_event ORDER BY id")
        events_before = cursor.fetchall()
        cursor.execute("SELECT * FROM usage_usagesession ORDER BY id")
        sessions_before = cursor.fetchall()
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert partitions.is_partitioned(EVENTS) and partitions.is_partitioned(SESSIONS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM usage_event ORDER BY id")
        assert cursor.fetchall() == events_before
        cursor.execute("SELECT * FROM usage_usagesession ORDER BY id")
        assert cursor.fetchall() == sessions_before
    months = {f"{EVENTS}_p202510", f"{EVENTS}_p202511", f"{EVENTS}_p202512"}
    assert set(located(EVENTS)) == months
    assert set(located(SESSIONS)) == {f"{SESSIONS}_p202510", f"{SESSIONS}_p202511", f"{SESSIONS}_p202512"}
    # New events are numbered after the carried ones, and a retry of a carried one is not stored again.
    retry = EventRow("m1", "acc-1", "u1", "feature", "reports", "export", 1.0, None, "", "",
                     datetime.datetime(2025, 10, 20, 0, 29, tzinfo=datetime.UTC))  # fmt: skip
    assert events_store(source_id=1, rows=[retry]) == 0
    fresh = EventRow("new", "acc-1", "u1", "feature", "reports", "export", 1.0, None, "", "",
                     datetime.datetime(2025, 11, 2, tzinfo=datetime.UTC))  # fmt: skip
    assert events_store(source_id=1, rows=[fresh]) == 1
    assert Event.objects.get(event_id="new").id > events_before[-1][0]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE usage_event, usage_usagesession")
        for month in sorted(months):
            cursor.execute(f"DROP TABLE {month}")  # this test's months: later tests start without them
        for month in ("p202510", "p202511", "p202512"):
            cursor.execute(f"DROP TABLE {SESSIONS}_{month}")
