"""Services of alerts: rules (save, copy, activate, delete, delete their alerts), what happens when alerts fire,
and the actions on an alert (dismiss, snooze, convert to task, close through its task, delete)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account, Document
from alerts.models import BUILTIN_TYPES, Alert, AlertRule, AlertStatus, AlertType
from playbooks.services import account_primary_csm, playbook_subtasks
from segments.fields import Entity
from segments.schema import ConditionError
from segments.selectors import conditions_resolve
from tasks.models import NotificationEvent, Task, TaskSource
from tasks.notifications import Event, notify
from tasks.services import task_close, task_create
from team.models import User

MAX_DELAY_DAYS = 3650


def alert_types_install() -> list[AlertType]:
    return [AlertType.objects.get_or_create(name=name, defaults={"is_builtin": True})[0] for name in BUILTIN_TYPES]


def alert_type_for(name: str) -> AlertType:
    """The type named `name` (case-insensitive), created as a custom type the first time it is used."""
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError({"type": "Choose a type or type a new one."})
    found = AlertType.objects.filter(name__iexact=name).first()
    return found or AlertType.objects.create(name=name)


# Rules -----------------------------------------------------------------------------------------------------------


def rule_conditions_check(conditions: object) -> None:
    """Raise ValidationError naming the broken part of a conditions document."""
    try:
        conditions_resolve(conditions, entity=Entity.ACCOUNT)
    except ConditionError as exc:
        raise ValidationError({"conditions": exc.label}) from None


@transaction.atomic
def rule_save(*, rule: AlertRule, by: User | None = None) -> AlertRule:
    """Check and save a rule (conditions and its list must resolve; the delay is 0 to 3650 days); keeps the list's
    name, so that the rule can say so if that list is deleted."""
    rule.name = (rule.name or "").strip()
    if rule.retrigger_delay_days is None or not 0 <= rule.retrigger_delay_days <= MAX_DELAY_DAYS:
        raise ValidationError({"retrigger_delay_days": f"The retrigger delay is 0 to {MAX_DELAY_DAYS} days."})
    rule_conditions_check(rule.conditions)
    rule.segment_name = rule.segment.name if rule.segment_id else ""
    if rule.segment_id:
        from segments.selectors import segment_problem

        if rule.segment.entity != Entity.ACCOUNT:
            raise ValidationError({"segment": "Choose a list of accounts."})
        problem = segment_problem(rule.segment)
        if problem:
            raise ValidationError({"segment": f"The list “{rule.segment.name}” is broken: {problem}."})
    if rule.created_by_id is None and by is not None:
        rule.created_by = by
    rule.problem = ""
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def rule_copy(*, rule: AlertRule, by: User | None) -> AlertRule:
    """An inactive copy of a rule, named “Copy of …”."""
    copy = AlertRule.objects.get(pk=rule.pk)
    copy.pk = None
    copy.name = f"Copy of {rule.name}"[:150]
    copy.is_active = False
    copy.example_key = None
    copy.last_run_at = copy.last_triggered_at = None
    copy.created_by = by
    copy.save()
    return copy


def rules_set_active(*, rules: QuerySet[AlertRule], active: bool) -> int:
    return rules.update(is_active=active)


@transaction.atomic
def rule_delete_alerts(*, rule: AlertRule) -> int:
    """Remove every alert and alert task the rule made, as if they never existed; answers how many alerts."""
    alerts = Alert.objects.filter(rule=rule)
    Task.objects.filter(pk__in=alerts.exclude(task=None).values("task_id")).delete()
    count, _ = alerts.delete()
    return count


@transaction.atomic
def rules_delete(*, rules: QuerySet[AlertRule]) -> int:
    """Delete rules with their alerts and alert tasks."""
    count = 0
    for rule in rules:
        rule_delete_alerts(rule=rule)
        rule.delete()
        count += 1
    return count


# Firing ----------------------------------------------------------------------------------------------------------


def _alert_task(
    alert: Alert,
    *,
    by: User | None,
    owner: User | None = None,
    priority: str = "normal",
    due_date: datetime.date | None = None,
    documents: Iterable[Document] = (),
) -> Task:
    rule = alert.rule
    subtasks = playbook_subtasks(rule.playbook, alert.account, start=timezone.localdate()) if rule.playbook else []
    return task_create(
        account=alert.account,
        title=f"{rule.name}: {alert.account.name}"[:200],
        description="\n".join(alert.reasons),
        by=by,
        owner=owner or account_primary_csm(alert.account),
        priority=priority,
        due_date=due_date,
        subscriber_group=rule.subscribed_group,
        source=TaskSource.ALERT,
        source_name=rule.name,
        subtasks=subtasks,
        documents=documents,
    )


def alerts_after_fire(*, rule: AlertRule, alert_ids: list[int]) -> None:
    """What follows newly written alerts: their tasks (auto-generate) and one notice to the subscribed group."""
    if rule.auto_generate_task:
        for alert in Alert.objects.filter(pk__in=alert_ids).select_related("account", "rule__playbook"):
            alert.task = _alert_task(alert, by=None)
            alert.save(update_fields=["task"])
    if rule.subscribed_group_id:
        first = Alert.objects.filter(pk__in=alert_ids).select_related("account").order_by("pk").first()
        count = len(alert_ids)
        title = (
            f"Alert “{rule.name}”: {first.account.name}"
            if count == 1
            else f"Alert “{rule.name}” fired for {count} accounts"
        )
        notify(
            event=Event(
                event=NotificationEvent.ALERT,
                key=f"alert-run:{rule.pk}:{min(alert_ids)}",
                title=title,
                url=f"/alerts/?rule={rule.pk}",
                account_id=first.account_id if count == 1 else None,
            ),
            recipients=rule.subscribed_group.members.all(),
        )


# Actions on alerts -----------------------------------------------------------------------------------------------


def _require_open(alert: Alert) -> None:
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(f"This alert is {alert.get_status_display().lower()}, not open.")


@transaction.atomic
def alert_dismiss(*, alert: Alert, by: User | None) -> Alert:
    """Hide an open alert that is not a task (it moves to Dismissed; the retrigger delay runs from its firing)."""
    _require_open(alert)
    if alert.task_id:
        raise ValidationError("This alert is a task: close the task with an outcome instead.")
    alert.status = AlertStatus.DISMISSED
    alert.resolved_at = timezone.now()
    alert.resolved_by = by
    alert.save(update_fields=["status", "resolved_at", "resolved_by"])
    return alert


@transaction.atomic
def alert_snooze(*, alert: Alert, by: User | None, until: datetime.date, reason: str = "") -> Alert:
    """Set an open alert (or alert task) aside until a date: the rule does not fire for the account before then.

    Its task, if any, becomes pending.
    """
    _require_open(alert)
    today = timezone.localdate()
    if until is None or until <= today:
        raise ValidationError({"until": "Snooze until a date after today."})
    if until > today + datetime.timedelta(days=MAX_DELAY_DAYS):
        raise ValidationError({"until": "Snooze for at most ten years."})
    alert.status = AlertStatus.SNOOZED
    alert.snoozed_until = datetime.datetime.combine(until, datetime.time.min, tzinfo=datetime.UTC)
    alert.snooze_reason = (reason or "").strip()[:300]
    alert.resolved_by = by
    alert.save(update_fields=["status", "snoozed_until", "snooze_reason", "resolved_by"])
    if alert.task_id and alert.task.status == "open":
        Task.objects.filter(pk=alert.task_id).update(status="pending")
    return alert


@transaction.atomic
def alert_convert_to_task(
    *,
    alert: Alert,
    by: User,
    owner: User | None = None,
    priority: str = "normal",
    due_date: datetime.date | None = None,
    documents: Iterable[Document] = (),
) -> Task:
    """Make an open alert a task: the rule's playbook items become its subtasks."""
    _require_open(alert)
    if alert.task_id:
        raise ValidationError("This alert is already a task.")
    docs = list(documents)
    alert.task = _alert_task(alert, by=by, owner=owner, priority=priority, due_date=due_date, documents=docs)
    alert.save(update_fields=["task"])
    return alert.task


@transaction.atomic
def alert_close(*, alert: Alert, by: User | None, outcome: str) -> Alert:
    """Close an alert task with an outcome (successful, unsuccessful, false alarm); the alert closes with it."""
    if not alert.task_id:
        raise ValidationError("Only an alert task is closed: dismiss an alert that is not a task.")
    task_close(task=alert.task, by=by, outcome=outcome)
    alert.refresh_from_db()
    return alert


@transaction.atomic
def alert_delete(*, alert: Alert) -> None:
    """Remove an alert and its task as if they never existed (reports included)."""
    if alert.task_id:
        Task.objects.filter(pk=alert.task_id).delete()
    Alert.objects.filter(pk=alert.pk).delete()


def task_changed(change: str, task: Task, by: User | None) -> None:
    """Keep an alert in step with its task: closed with it; open again when its task is reopened."""
    alert = Alert.objects.filter(task=task).first()
    if alert is None:
        return
    if change == "closed" and alert.status in (AlertStatus.OPEN, AlertStatus.SNOOZED):
        alert.status = AlertStatus.CLOSED
        alert.resolved_at = task.closed_at or timezone.now()
        alert.resolved_by = by
        alert.save(update_fields=["status", "resolved_at", "resolved_by"])
    elif (
        change == "reopened"
        and alert.status == AlertStatus.CLOSED
        and not Alert.objects.filter(rule=alert.rule_id, account=alert.account_id, status=AlertStatus.OPEN).exists()
    ):
        alert.status = AlertStatus.OPEN
        alert.resolved_at = None
        alert.save(update_fields=["status", "resolved_at"])


def account_open_alert_count(account: Account) -> int:
    return Alert.objects.filter(account=account, status=AlertStatus.OPEN).count()
