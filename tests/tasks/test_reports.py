"""Task reports, checked against figures computed by hand."""

from __future__ import annotations

import datetime

from django.urls import reverse

from tasks import services
from tasks.models import Task
from tasks.reports import task_report

UTC = datetime.UTC


def _task(account, owner, *, created, closed=None, due=None, outcome="successful", source="manual"):
    task = services.task_create(account=account, title="t", by=None, owner=owner, due_date=due, source=source)
    Task.objects.filter(pk=task.pk).update(created_at=created)
    if closed:
        Task.objects.filter(pk=task.pk).update(status="closed", outcome=outcome, closed_at=closed)
    return task


def test_report_per_csm_and_source_by_hand(account, other_account, csm, other_csm, manager, client_for):
    d = lambda day, hour=12: datetime.datetime(2026, 3, day, hour, tzinfo=UTC)  # noqa: E731
    # csm: 4 tasks created in March 1-10; 3 closed (2 on time of 3 with due dates), 1 open.
    _task(account, csm, created=d(1), closed=d(3), due=datetime.date(2026, 3, 3))  # on time, 2 days
    _task(account, csm, created=d(2), closed=d(6), due=datetime.date(2026, 3, 5), outcome="unsuccessful")  # late, 4
    _task(account, csm, created=d(4), closed=d(4, 18), due=datetime.date(2026, 3, 9), source="alert",
          outcome="false_alarm")  # on time, 0.25 days  # fmt: skip
    _task(account, csm, created=d(5))
    # other_csm: created before the period, closed inside it, no due date.
    _task(other_account, other_csm, created=datetime.datetime(2026, 2, 20, 12, tzinfo=UTC), closed=d(2))
    # Outside the period entirely.
    _task(account, csm, created=d(20), closed=d(21))
    report = task_report(user=manager, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 10))
    rows = {r.label: r for r in report["owner"]}
    mine = rows[csm.display_name]
    assert (mine.created, mine.completed, mine.closed, mine.with_due, mine.on_time) == (4, 3, 3, 3, 2)
    assert mine.completion_rate == 75 and round(mine.on_time_rate, 1) == 66.7
    assert round(mine.avg_days_to_close, 4) == round((2 + 4 + 0.25) / 3, 4)
    assert mine.outcomes == {"successful": 1, "unsuccessful": 1, "false_alarm": 1}
    theirs = rows[other_csm.display_name]
    assert (theirs.created, theirs.closed, theirs.on_time_rate, theirs.completion_rate) == (0, 1, None, None)
    assert theirs.avg_days_to_close == 10
    sources = {r.label: r for r in report["source"]}
    assert sources["Alert"].closed == 1 and sources["Alert"].outcomes["false_alarm"] == 1
    assert sources["Manual"].created == 3 and sources["Manual"].closed == 3
    # A CSM sees only their accounts' tasks in the report.
    csm_rows = {
        r.label for r in task_report(user=csm, start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 10))["owner"]
    }
    assert csm_rows == {csm.display_name}
    page = (
        client_for(manager).get(reverse("tasks:reports"), {"start": "2026-03-01", "end": "2026-03-10"}).content.decode()
    )
    assert "75 %" in page and "67 %" in page
    bad = client_for(manager).get(reverse("tasks:reports"), {"start": "2026-03-10", "end": "2026-03-01"})
    assert bad.status_code == 200 and "starts after it ends" in bad.content.decode()
