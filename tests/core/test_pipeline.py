"""The pipeline runner: order, records, idempotence, backfill, failures, the command and a real worker."""

import datetime
import time
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account
from core.models import PipelineRun, PipelineRunStatus
from core.pipeline import DAILY, Step, pipeline_backfill, pipeline_run
from metrics.models import MetricCurrent, MetricValue, RevenueTrend
from revenue.models import MrrMovement, Subscription
from tests.core.test_worker import real_worker  # noqa: F401  (fixture)
from usage.models import AccountUsageDaily, ActivityRank, UsageSession
from usage.services import EventRow, events_store

AS_OF = datetime.date(2026, 3, 31)


def snapshot() -> list[tuple]:
    """Every table the pipeline writes, as sorted rows."""
    tables = [
        MetricValue.objects.values_list("metric__key", "account__account_id", "date", "value"),
        UsageSession.objects.values_list("account_id", "user_id", "date", "session_key", "seconds", "events"),
        AccountUsageDaily.objects.values_list("account_id", "date", "events", "active_users", "session_seconds"),
        ActivityRank.objects.values_list("entity", "object_id", "date", "rank", "trend"),
        MrrMovement.objects.values_list("account_id", "month", "kind", "start_mrr", "end_mrr"),
        RevenueTrend.objects.values_list("account_id", "as_of", "mrr_11", "mrr_12"),
    ]
    return [sorted(rows) for rows in tables]


@pytest.fixture
def accounts(db):
    """Three accounts with a month of product usage and subscriptions that start, grow and end."""
    made = [Account.objects.create(account_id=f"acc-{i}", name=f"Account {i}", csm_score=10 * i) for i in range(1, 4)]
    rows = []
    for offset in range(35):
        day = AS_OF - datetime.timedelta(days=offset)
        for i, account in enumerate(made, start=1):
            for n in range(i * (offset % 4 + 1)):
                moment = datetime.datetime.combine(day, datetime.time(8 + n // 6, (n % 6) * 10), tzinfo=datetime.UTC)
                rows.append(
                    EventRow(
                        f"{account.account_id}-{day}-{n}",
                        account.account_id,
                        f"user-{i}-{n % 2}",
                        "feature",
                        "reports",
                        "export",
                        1.0,
                        None,
                        "",
                        "",
                        moment,
                    )
                )
    events_store(source_id=1, rows=rows)
    Subscription.objects.create(
        account=made[0], subscription_id="s1", start_date=datetime.date(2026, 3, 5), amount=Decimal(100)
    )
    Subscription.objects.create(
        account=made[1],
        subscription_id="s2",
        start_date=datetime.date(2026, 1, 1),
        end_date=datetime.date(2026, 3, 15),
        amount=Decimal(50),
    )
    return made


def failing_steps() -> list[Step]:
    def boom(as_of):
        raise RuntimeError("the warehouse is on fire")

    return [Step("first", lambda as_of: 3), Step("second", boom), Step("third", lambda as_of: 1)]


def test_a_run_records_every_step_with_rows_and_duration(accounts):
    run = pipeline_run(as_of=AS_OF, kind=DAILY, triggered_by="test")
    assert run.status == PipelineRunStatus.SUCCEEDED and run.duration is not None
    steps = list(run.steps.all())
    assert [s.name for s in steps] == [
        "sessions and usage roll-ups",
        "activity ranks",
        "renewal dates",
        "MRR movements",
        "metric values",
        "custom metrics",
        "computed metrics",
        "health scores",
        "metric statistics",
        "current values",
        "expired current values",
        "revenue trend",
        "list sizes",
        "alert rules",
    ]
    assert all(s.status == PipelineRunStatus.SUCCEEDED and s.duration_seconds >= 0 for s in steps)
    assert steps[4].detail["csm_score"] == 3
    assert MetricCurrent.objects.filter(metric__key="csm_score").count() == 3


def test_running_the_same_day_twice_leaves_identical_tables(accounts):
    pipeline_run(as_of=AS_OF)
    first = snapshot()
    pipeline_run(as_of=AS_OF)
    assert snapshot() == first
    assert all(first), "every table has rows"


def test_a_backfill_equals_daily_runs(accounts):
    pipeline_backfill(as_of=AS_OF, days=30)
    backfilled = snapshot()
    assert {row[2] for row in backfilled[0]} == {AS_OF - datetime.timedelta(days=n) for n in range(30)}
    for model in (MetricValue, UsageSession, AccountUsageDaily, ActivityRank, MrrMovement):
        model.objects.all().delete()
    for offset in range(29, -1, -1):
        pipeline_run(as_of=AS_OF - datetime.timedelta(days=offset))
    assert snapshot() == backfilled


def test_a_failing_step_is_recorded_and_stops_the_run(db, settings):
    settings.PIPELINE = "tests.core.test_pipeline.failing_steps"
    with pytest.raises(Exception, match="warehouse is on fire"):
        pipeline_run(as_of=AS_OF)
    run = PipelineRun.objects.get()
    assert run.status == PipelineRunStatus.FAILED
    steps = {s.name: s for s in run.steps.all()}
    assert steps["first"].status == PipelineRunStatus.SUCCEEDED and steps["first"].rows == 3
    assert steps["second"].status == PipelineRunStatus.FAILED
    assert "RuntimeError: the warehouse is on fire" in steps["second"].error
    assert "third" not in steps


def test_the_command_backfills_and_reports(accounts, capsys):
    call_command("run_pipeline", "--as-of", "2026-03-31", "--days", "3")
    out = capsys.readouterr().out
    assert "2026-03-29: succeeded" in out and "2026-03-31: succeeded" in out
    assert PipelineRun.objects.filter(status=PipelineRunStatus.SUCCEEDED).count() == 3
    with pytest.raises(CommandError, match="at least 1"):
        call_command("run_pipeline", "--days", "0")


def test_pipeline_runs_in_admin(admin_client, accounts):
    run = pipeline_run(as_of=AS_OF)
    html = admin_client.get(f"/admin/core/pipelinerun/{run.pk}/change/").content.decode()
    assert "metric values" in html and "current values" in html


def test_a_real_worker_runs_the_daily_pipeline(real_worker, accounts):  # noqa: F811
    from core.jobs import run_pipeline

    run_pipeline.apply_async(kwargs={"kind": DAILY, "as_of": AS_OF.isoformat()}, queue=real_worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not PipelineRun.objects.filter(status="succeeded").exists():
        time.sleep(0.25)
    run = PipelineRun.objects.get()
    assert run.status == PipelineRunStatus.SUCCEEDED and run.triggered_by == "schedule"
    assert MetricValue.objects.filter(metric__key="csm_score", date=AS_OF).count() == 3


SEEN_SETTINGS: list[tuple[str, str]] = []


def _show() -> tuple[str, str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), current_setting('jit')")
        return cursor.fetchone()


def memory_steps() -> list[Step]:
    def show(as_of):
        SEEN_SETTINGS.append(_show())
        return 0

    return [Step("show settings", show)]


def test_steps_run_with_the_pipelines_working_memory_and_no_jit(db, settings):
    settings.PIPELINE = "tests.core.test_pipeline.memory_steps"
    settings.PIPELINE_WORK_MEM = "96MB"
    before = _show()
    pipeline_run(as_of=AS_OF)
    assert SEEN_SETTINGS[-1] == ("96MB", "off")
    assert _show() == before


def test_a_backfill_equals_daily_runs_with_revenue_history(accounts):
    """s1 is upgraded in place from the 21st: the daily MRR before it stays 100, in a backfill as in daily runs."""
    from revenue.services import subscriptions_bulk_upsert

    changed = {"subscription_id": "s1", "account_id": "acc-1", "start_date": datetime.date(2026, 3, 5)}
    subscriptions_bulk_upsert(records=[{**changed, "amount": 160, "effective_date": datetime.date(2026, 3, 21)}])
    pipeline_backfill(as_of=AS_OF, days=30)
    backfilled = snapshot()
    mrr = {(row[1], row[2]): row[3] for row in backfilled[0] if row[0] == "mrr"}
    assert (mrr[("acc-1", datetime.date(2026, 3, 20))], mrr[("acc-1", datetime.date(2026, 3, 21))]) == (100, 160)
    for model in (MetricValue, UsageSession, AccountUsageDaily, ActivityRank, MrrMovement):
        model.objects.all().delete()
    for offset in range(29, -1, -1):
        pipeline_run(as_of=AS_OF - datetime.timedelta(days=offset))
    assert snapshot() == backfilled
