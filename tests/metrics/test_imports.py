"""CSV import of custom metric values: per-row errors, upserts, and past days brought into the history."""

from __future__ import annotations

import datetime
import time
from decimal import Decimal

import pytest

from accounts.imports import import_commit, import_start, target_for
from accounts.models import Account
from metrics import services
from metrics.models import Metric, MetricCurrent, MetricKind, MetricValue
from tests.core.test_worker import real_worker  # noqa: F401  (fixture)
from usage.models import CustomMetricValue

TODAY = datetime.datetime.now(datetime.UTC).date()
DAY1 = TODAY - datetime.timedelta(days=30)
DAY2 = TODAY - datetime.timedelta(days=29)


def _file() -> bytes:
    return (
        "account_id,metric,date,value\n"
        f"ACME-1,Seats purchased,{DAY1},120\n"  # line 2: good
        f"ACME-1,Seats purchased,{DAY1},130\n"  # line 3: same account, metric and day as line 2
        f"NOPE,Seats purchased,{DAY1},1\n"  # line 4: unknown account
        f"ACME-1,Events,{DAY1},5\n"  # line 5: a built-in metric's name
        "ACME-1,Seats purchased,2026-13-01,5\n"  # line 6: not a date
        f"ACME-1,Seats purchased,{DAY2},lots\n"  # line 7: not a number
        f"ACME-1,Seats/purchased,{DAY2} 12:00,1\n"  # line 8: a name the API would refuse
        f"ACME-1,Seats purchased,{DAY2} 09:30,125\n"  # line 9: good, with a time
        f"ACME-1,Seats purchased,{TODAY + datetime.timedelta(days=9)},1\n"  # line 10: in the future
    ).encode()


@pytest.fixture
def catalogue(db):
    services.catalogue_sync()
    Account.objects.create(account_id="ACME-1", name="Acme")
    seats = Metric.objects.create(key="seats_purchased", name="Seats purchased", time_aggregation="latest")
    doubled = services.metric_save_computed(
        metric=Metric(key="seats_doubled", name="Seats doubled", formula="seats_purchased * 2")
    )
    return seats, doubled


def test_each_bad_row_is_named_and_nothing_is_written_before_commit(catalogue, manager):
    job = import_start(target=target_for("metric_values"), filename="m.csv", data=_file(), by=manager)
    assert (job.valid_rows, job.error_rows) == (2, 7)
    errors = {e["line"]: (e["field"], e["message"]) for e in job.errors}
    assert errors[3] == ("date", "duplicates line 2 (same account, metric and date).")
    assert errors[4][0] == "account_id" and "NOPE" in errors[4][1]
    assert errors[5][0] == "metric" and "built-in" in errors[5][1]
    assert errors[6][0] == "date" and "YYYY-MM-DD" in errors[6][1]
    assert errors[7] == ("value", "“lots” is not a number.")
    assert errors[8][0] == "metric"
    assert errors[10] == ("date", "is in the future.")
    assert not CustomMetricValue.objects.exists()


def test_commit_stores_values_fills_the_past_history_and_reimport_changes_nothing(
    catalogue, manager, django_capture_on_commit_callbacks
):
    seats, doubled = catalogue
    with django_capture_on_commit_callbacks(execute=True):
        job = import_commit(
            job=import_start(target=target_for("metric_values"), filename="m.csv", data=_file(), by=manager)
        )
    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 0, 0)
    assert sorted(CustomMetricValue.objects.values_list("value", flat=True)) == [Decimal(120), Decimal(125)]
    # The two past days are in the history at once, with the computed metric that uses the custom one.
    history = dict(MetricValue.objects.filter(metric=seats).values_list("date", "value"))
    assert history == {DAY1: 120, DAY2: 125}
    assert dict(MetricValue.objects.filter(metric=doubled).values_list("date", "value")) == {DAY1: 240, DAY2: 250}
    assert MetricCurrent.objects.get(metric=seats).value == 125
    again = import_commit(
        job=import_start(target=target_for("metric_values"), filename="m.csv", data=_file(), by=manager)
    )
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    changed = f"account_id,metric,date,value\nACME-1,Seats purchased,{DAY2} 09:30,140\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        job = import_commit(
            job=import_start(target=target_for("metric_values"), filename="m.csv", data=changed, by=manager)
        )
    assert job.updated_count == 1 and MetricCurrent.objects.get(metric=seats).value == 140


def test_a_deleted_custom_metric_takes_no_values(catalogue, manager):
    seats, _ = catalogue
    services.metric_delete(metric=seats)
    data = f"account_id,metric,date,value\nACME-1,Seats purchased,{DAY1},3\n".encode()
    job = import_start(target=target_for("metric_values"), filename="m.csv", data=data, by=manager)
    assert job.valid_rows == 0 and "deleted" in job.errors[0]["message"]


def test_a_real_worker_brings_imported_past_values_into_the_history(real_worker, settings, tmp_path, roles):  # noqa: F811
    from tests.team.factories import UserFactory

    settings.MEDIA_ROOT = tmp_path
    settings.ACCOUNTS_IMPORT_QUEUE = real_worker
    services.catalogue_sync()
    Account.objects.create(account_id="ACME-1", name="Acme")
    manager = UserFactory(role=roles["CSM Manager"])
    data = f"account_id,metric,date,value\nACME-1,Licences used,{DAY1},42\n".encode()
    job = import_commit(job=import_start(target=target_for("metric_values"), filename="m.csv", data=data, by=manager))
    assert job.created_count == 1
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not MetricValue.objects.filter(metric__key="licences_used").exists():
        time.sleep(0.25)
    metric = Metric.objects.get(key="licences_used")
    assert metric.kind == MetricKind.CUSTOM and metric.name == "Licences used"
    assert list(MetricValue.objects.filter(metric=metric).values_list("date", "value")) == [(DAY1, 42)]
