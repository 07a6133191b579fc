"""Task reports: completion, on-time rate, time to close and outcomes, per CSM (owner) and per source, over a
period; over the tasks the member may see. Two aggregate queries, whatever the number of tasks."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from tasks.models import Task, TaskOutcome, TaskSource, TaskStatus
from tasks.selectors import tasks_visible_to
from team.models import User


@dataclass
class ReportRow:
    label: str
    created: int
    completed: int
    closed: int
    on_time: int
    with_due: int
    avg_days_to_close: float | None
    outcomes: dict[str, int]

    @property
    def completion_rate(self) -> float | None:
        """Share of the tasks created in the period that are closed."""
        return self.completed / self.created * 100 if self.created else None

    @property
    def on_time_rate(self) -> float | None:
        """Share of the tasks closed in the period, with a due date, closed on or before it."""
        return self.on_time / self.with_due * 100 if self.with_due else None


def _aggregate(qs: QuerySet[Task], start: datetime.datetime, end: datetime.datetime, key: str) -> list[dict]:
    created = Q(created_at__gte=start, created_at__lt=end)
    closed = Q(status=TaskStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
    aggregates = {
        "created": Count("pk", filter=created),
        "completed": Count("pk", filter=created & Q(status=TaskStatus.CLOSED)),
        "closed": Count("pk", filter=closed),
        "with_due": Count("pk", filter=closed & Q(due_date__isnull=False)),
        "on_time": Count("pk", filter=closed & Q(due_date__isnull=False, closed_at__date__lte=F("due_date"))),
        "avg_close": Avg(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()), filter=closed
        ),
        **{f"o_{o}": Count("pk", filter=closed & Q(outcome=o)) for o in TaskOutcome.values},
    }
    return list(qs.filter(created | closed).values(key).annotate(**aggregates).order_by(key))


def _row(label: str, data: dict) -> ReportRow:
    avg = data["avg_close"]
    return ReportRow(
        label=label,
        created=data["created"],
        completed=data["completed"],
        closed=data["closed"],
        on_time=data["on_time"],
        with_due=data["with_due"],
        avg_days_to_close=avg.total_seconds() / 86400 if avg is not None else None,
        outcomes={o: data[f"o_{o}"] for o in TaskOutcome.values},
    )


def task_report(*, user: User, start: datetime.date, end: datetime.date) -> dict[str, list[ReportRow]]:
    """Rows per owner and per source for the days `start` … `end` (inclusive, UTC): created, completed (of those
    created), closed, on time, average days to close and outcomes (of those closed in the period)."""
    lo = datetime.datetime.combine(start, datetime.time.min, tzinfo=datetime.UTC)
    hi = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
    qs = tasks_visible_to(user)
    owners = {u.pk: u.display_name for u in User.objects.all()}
    by_owner = [_row(owners.get(d["owner"], "Nobody"), d) for d in _aggregate(qs, lo, hi, "owner")]
    labels = dict(TaskSource.choices)
    by_source = [_row(labels.get(d["source"], d["source"]), d) for d in _aggregate(qs, lo, hi, "source")]
    return {"owner": sorted(by_owner, key=lambda r: r.label.lower()), "source": by_source}
