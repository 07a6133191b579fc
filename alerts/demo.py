"""Demo data for alerts: the example rules switched on and evaluated as they would have been over the past six weeks
(on the metric values the pipeline backfilled), with the alerts of each week handled the way a team does: some
dismissed, some converted to tasks and closed with each outcome, some snoozed, some still open or open as (overdue)
tasks; the subscribed groups' notices land in the demo user's bell; a playbook launched by hand on a few accounts.
Written once: a second run finds the history and stops."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

WEEKS_BACK = (6, 4, 2, 0)
ACT_ON = 30  # alerts handled per rule and week; the rest stay open


def seed_alerts(*, stdout: Any = None, **options: Any) -> None:
    from accounts.models import Account
    from alerts.evaluation import rule_evaluate
    from alerts.examples import examples_install
    from alerts.models import Alert, AlertRule, AlertStatus
    from alerts.services import alert_convert_to_task, alert_dismiss, alert_snooze
    from playbooks.models import Playbook
    from playbooks.services import playbook_launch
    from tasks.models import Notification, Task, TaskOutcome
    from tasks.services import subtask_set_done, task_close
    from team.demo import DEMO_EMAIL
    from team.models import TeamGroup, User

    examples_install()
    rules = list(AlertRule.objects.exclude(example_key=None).select_related("playbook").order_by("pk"))
    if Alert.objects.filter(rule__in=rules).exists():
        if stdout:
            stdout.write("  Demo alerts already there.")
        return
    demo = User.objects.filter(email=DEMO_EMAIL).first()
    if demo is None or not Account.objects.exists():
        return
    groups = {group.name: group for group in TeamGroup.objects.all()}
    for rule in rules:
        rule.is_active = True
        rule.subscribed_group = groups.get("Renewals" if rule.example_key == "renewal_60" else "Leadership")
        rule.auto_generate_task = rule.example_key == "health_red"
        rule.save(update_fields=["is_active", "subscribed_group", "auto_generate_task"])

    now = timezone.now()
    today = timezone.localdate()
    outcomes = list(TaskOutcome.values)
    counts = {"fired": 0, "dismissed": 0, "closed": 0, "snoozed": 0, "tasks": 0}
    handled = 0  # counts across rules, so that even a small book gets every state
    for weeks in WEEKS_BACK:
        at = now - datetime.timedelta(weeks=weeks)
        for rule in rules:
            result = rule_evaluate(rule=rule, now=at)
            counts["fired"] += result.fired
            fired = Alert.objects.filter(pk__in=result.alert_ids).select_related("account", "rule__playbook", "task")
            Task.objects.filter(alert__in=fired).update(created_at=at)
            Notification.objects.filter(key__startswith=f"alert-run:{rule.pk}:", created_at__gte=now).update(
                created_at=at
            )
            for index, alert in enumerate(fired.order_by("pk")[:ACT_ON]):
                later = min(now, at + datetime.timedelta(days=1 + index % 6))
                state = handled % 5
                handled += 1
                if weeks == 0 and state in (3, 4):
                    continue  # this week's newest alerts wait for the team
                if state == 0 and not alert.task_id:
                    alert_dismiss(alert=alert, by=demo)
                    Alert.objects.filter(pk=alert.pk).update(resolved_at=later)
                    counts["dismissed"] += 1
                    continue
                if state == 3 and weeks <= 4:
                    alert_snooze(
                        alert=alert,
                        by=demo,
                        until=today + datetime.timedelta(days=7 + index),
                        reason="Waiting for the renewal call",
                    )
                    counts["snoozed"] += 1
                    continue
                task = alert.task or alert_convert_to_task(
                    alert=alert, by=demo, due_date=(at + datetime.timedelta(days=7)).date()
                )
                Task.objects.filter(pk=task.pk).update(created_at=at)
                counts["tasks"] += 1
                subtasks = list(task.subtasks.order_by("position"))
                for subtask in subtasks[: 1 + index % max(1, len(subtasks))]:
                    subtask_set_done(subtask=subtask, done=True)
                if state == 2 and weeks <= 2:
                    continue  # an alert task still open (overdue once its week is past)
                task_close(task=task, by=task.owner or demo, outcome=outcomes[(handled // 5) % len(outcomes)])
                Task.objects.filter(pk=task.pk).update(closed_at=later)
                Alert.objects.filter(pk=alert.pk).update(resolved_at=later)
                counts["closed"] += 1
    if not counts["snoozed"]:
        # A small book may fire too few alerts to reach the snooze state above: snooze its newest open alert.
        alert = Alert.objects.filter(status=AlertStatus.OPEN, task__isnull=True).order_by("-pk").first()
        if alert is not None:
            alert_snooze(
                alert=alert, by=demo, until=today + datetime.timedelta(days=7), reason="Waiting for the renewal call"
            )
            counts["snoozed"] += 1
    playbook = Playbook.objects.filter(example_key="renewal_60").first()
    if playbook is not None:
        for account in Account.objects.filter(is_deleted=False, churned_on__isnull=True).order_by("-pk")[:3]:
            playbook_launch(playbook=playbook, account=account, by=demo)
    if stdout:
        stdout.write(
            "  Example rules active; six weeks of alerts: {fired} fired, {dismissed} dismissed, {tasks} converted to "
            "tasks ({closed} closed), {snoozed} snoozed.".format(**counts)
        )
