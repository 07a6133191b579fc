"""The tasks and alerts demo seeders: alerts and tasks in every state over past weeks, the demo user's bell, and
nothing written twice on a second run."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.demo import seed_accounts
from alerts.demo import seed_alerts
from alerts.models import Alert, AlertRule
from core.demo import seeders
from tasks.demo import seed_tasks
from tasks.models import Notification, Subtask, Task, TaskStatus
from team.demo import DEMO_EMAIL, seed_team


def test_the_seeders_run_late_tasks_before_alerts():
    order = [seeder.name for seeder in seeders()]
    assert order.index("pipeline") < order.index("tasks") < order.index("alerts")
    assert order[-2:] == ["tasks", "alerts"] or order.index("alerts") > order.index("segments")


def test_demo_alerts_and_tasks_in_every_state_with_history(db):
    seed_team()
    seed_accounts(accounts=40)
    seed_tasks()
    seed_alerts()
    now = timezone.now()
    tasks = Task.objects.all()
    assert {"open", "pending", "closed"} <= set(tasks.values_list("status", flat=True))
    assert {"successful", "unsuccessful", "false_alarm"} <= set(
        tasks.filter(status=TaskStatus.CLOSED).values_list("outcome", flat=True)
    )
    assert {"manual", "alert", "playbook"} <= set(tasks.values_list("source", flat=True))
    assert tasks.exclude(status=TaskStatus.CLOSED).filter(due_date__lt=timezone.localdate()).exists()  # overdue
    assert Subtask.objects.filter(done=True).exists() and Subtask.objects.filter(done=False).exists()
    assert tasks.filter(created_at__lt=now - datetime.timedelta(weeks=3)).exists()  # history over weeks
    alerts = Alert.objects.all()
    assert {"open", "dismissed", "closed", "snoozed"} <= set(alerts.values_list("status", flat=True))
    assert alerts.filter(status="open", task__isnull=False).exists() and alerts.filter(status="open", task=None)
    assert alerts.filter(triggered_at__lt=now - datetime.timedelta(weeks=5)).exists()
    assert AlertRule.objects.filter(is_active=True, last_run_at__isnull=False).count() >= 3
    bell = Notification.objects.filter(recipient__email=DEMO_EMAIL)
    assert bell.filter(read_at=None).exists() and bell.exclude(read_at=None).exists()
    assert bell.filter(event="alert").exists()
    counts = (Task.objects.count(), Alert.objects.count(), Notification.objects.count())
    seed_tasks()
    seed_alerts()
    assert (Task.objects.count(), Alert.objects.count(), Notification.objects.count()) == counts
