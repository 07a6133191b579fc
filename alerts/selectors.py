"""Reads of alerts and rules: what a member sees (alerts of the accounts they may see), the rule list, the
preview of a rule being built, and why an account has no open alert."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import Account, AccountCSM
from accounts.selectors import accounts_visible_to
from alerts.models import Alert, AlertRule, AlertStatus
from segments.compiler import conditions_report, leaf_annotations, reasons_from_row
from segments.fields import Catalogue, Entity
from segments.models import Segment
from segments.schema import ConditionError
from segments.selectors import list_query_settings
from tasks.models import TaskStatus
from team.models import TeamPermission, User

TABS = {
    "open": "Open alerts",
    "snoozed": "Snoozed",
    "dismissed": "Dismissed alerts",
    "open_tasks": "Open alert tasks",
    "closed_tasks": "Closed alert tasks",
}
VIEWS = {"my": "My accounts", "active": "Active", "churned": "Churned", "unassigned": "Unassigned", "all": "All"}


def alerts_visible_to(user: User) -> QuerySet[Alert]:
    """Alerts of the live accounts `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return Alert.objects.none()
    qs = Alert.objects.filter(account__is_deleted=False)
    if not user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS):
        qs = qs.filter(Exists(AccountCSM.objects.filter(account=OuterRef("account_id"), user=user)))
    return qs


def alert_for(user: User, pk: int) -> Alert:
    alert = alerts_visible_to(user).select_related("rule__playbook", "account", "task").filter(pk=pk).first()
    if alert is None:
        raise Http404("No such alert.")
    return alert


def alert_can_act(user: User) -> bool:
    return user.has_team_perm(TeamPermission.UPDATE_ACCOUNTS)


def rule_can_configure(user: User) -> bool:
    return user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS)


def alerts_list(user: User, *, tab: str = "open", view: str = "all", rule_id: int | None = None) -> QuerySet[Alert]:
    """Alerts of one tab of the alerts page, newest first, for the accounts of `view` the member may see."""
    qs = alerts_visible_to(user).select_related("rule", "account", "task", "task__owner")
    if tab == "open":
        qs = qs.filter(status=AlertStatus.OPEN, task__isnull=True)
    elif tab == "snoozed":
        qs = qs.filter(status=AlertStatus.SNOOZED)
    elif tab == "dismissed":
        qs = qs.filter(status=AlertStatus.DISMISSED)
    elif tab == "open_tasks":
        qs = qs.filter(status=AlertStatus.OPEN, task__isnull=False).exclude(task__status=TaskStatus.CLOSED)
    else:
        qs = qs.filter(status=AlertStatus.CLOSED)
    if view == "my":
        qs = qs.filter(account__churned_on__isnull=True).filter(
            Exists(AccountCSM.objects.filter(account=OuterRef("account_id"), user=user))
        )
    elif view == "active":
        qs = qs.filter(account__churned_on__isnull=True)
    elif view == "churned":
        qs = qs.filter(account__churned_on__isnull=False)
    elif view == "unassigned":
        qs = qs.filter(account__churned_on__isnull=True).exclude(
            Exists(AccountCSM.objects.filter(account=OuterRef("account_id")))
        )
    if rule_id:
        qs = qs.filter(rule_id=rule_id)
    return qs.order_by("-triggered_at", "-id")


def rules_list(*, now: datetime.datetime | None = None) -> QuerySet[AlertRule]:
    """Rules with their type, group and triggers in the last 30 days, for the rule list."""
    now = now or timezone.now()
    return (
        AlertRule.objects.select_related("type", "subscribed_group", "playbook", "segment")
        .annotate(triggers_30=Count("alerts", filter=Q(alerts__triggered_at__gte=now - datetime.timedelta(days=30))))
        .order_by("name", "id")
    )


def rule_problem(rule: AlertRule, *, catalogue: Catalogue | None = None) -> str:
    """What is broken in the rule now (a deleted metric, a renamed stage, its list deleted or broken), or ""."""
    from alerts.evaluation import rule_resolve

    try:
        rule_resolve(rule, catalogue=catalogue)
    except ConditionError as exc:
        return exc.label
    return ""


@dataclass
class Preview:
    count: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""


def rule_preview(
    *, user: User, conditions: Any, trigger_for_churned: bool, segment: Segment | None = None, limit: int = 20
) -> Preview:
    """Which accounts (among those the member sees; of `segment` when given) match the conditions now, how many,
    and why (first `limit`)."""
    from alerts.evaluation import rule_resolve

    today = timezone.localdate()
    try:
        root, list_root = rule_resolve(AlertRule(conditions=conditions, segment=segment))
    except ConditionError as exc:
        return Preview(error=exc.label)
    from segments.compiler import compile_q

    qs = accounts_visible_to(user).filter(compile_q(root, entity=Entity.ACCOUNT, as_of=today))
    if list_root is not None:
        qs = qs.filter(compile_q(list_root, entity=Entity.ACCOUNT, as_of=today))
    if not trigger_for_churned:
        qs = qs.filter(churned_on__isnull=True)
    nodes, annotations = leaf_annotations(root, entity=Entity.ACCOUNT, as_of=today)
    with list_query_settings():
        count = qs.count()
        rows = list(
            qs.order_by("name", "id").annotate(**annotations).values("pk", "name", "account_id", *annotations)[:limit]
        )
    return Preview(
        count=count,
        rows=[
            {
                "pk": r["pk"],
                "name": r["name"],
                "account_id": r["account_id"],
                "reasons": reasons_from_row(root, nodes, r, as_of=today),
            }
            for r in rows
        ],
    )


@dataclass
class WhyNot:
    """Why an account has no open alert of a rule now: `verdict` in one sentence, and the conditions' values."""

    verdict: str
    conditions: list[dict] = field(default_factory=list)
    alert: Alert | None = None


def why_not(*, user: User, rule: AlertRule, account: Account, now: datetime.datetime | None = None) -> WhyNot:
    """Explain, for a member, why `account` has no open alert of `rule` (or that it has one)."""
    now = now or timezone.now()
    today = now.date()
    if not accounts_visible_to(user).filter(pk=account.pk).exists():
        return WhyNot("You cannot see this account (account visibility): its alerts are hidden from you.")
    problem = rule_problem(rule)
    conditions: list[dict] = []
    matches = False
    in_list = True
    if not problem:
        from alerts.evaluation import rule_resolve
        from segments.compiler import compile_q

        root, list_root = rule_resolve(rule)
        nodes, annotations = leaf_annotations(root, entity=Entity.ACCOUNT, as_of=today)
        with list_query_settings():
            row = Account.objects.filter(pk=account.pk).annotate(**annotations).values(*annotations).first() or {}
            matches = (
                Account.objects.filter(pk=account.pk)
                .filter(compile_q(root, entity=Entity.ACCOUNT, as_of=today))
                .exists()
            )
            if list_root is not None:
                in_list = (
                    Account.objects.filter(pk=account.pk)
                    .filter(compile_q(list_root, entity=Entity.ACCOUNT, as_of=today))
                    .exists()
                )
        conditions = conditions_report(root, nodes, row, as_of=today) if nodes else []
        if list_root is not None:
            conditions.insert(
                0,
                {
                    "condition": f"In the list “{rule.segment.name}”",
                    "holds": in_list,
                    "value": "in the list" if in_list else "not in the list",
                },
            )
    open_alert = Alert.objects.filter(rule=rule, account=account, status=AlertStatus.OPEN).first()
    if open_alert:
        where = "as an open alert task" if open_alert.task_id else "among the open alerts"
        return WhyNot(
            f"It has an open alert, triggered {open_alert.triggered_at:%Y-%m-%d %H:%M} UTC, {where}.",
            conditions,
            open_alert,
        )
    if problem:
        return WhyNot(f"The rule is broken and is skipped: {problem}.")
    if not rule.is_active:
        return WhyNot("The rule is inactive: activate it (or use Run now) to fire alerts.", conditions)
    if account.churned_on and not rule.trigger_for_churned:
        return WhyNot(
            f"The account churned on {account.churned_on:%Y-%m-%d} and the rule does not trigger for churned accounts.",
            conditions,
        )
    if not in_list:
        return WhyNot(f"The account is not in the list “{rule.segment.name}” the rule is limited to.", conditions)
    if not matches:
        failed = [c["value"] for c in conditions if not c["holds"]]
        detail = "; ".join(failed) if failed else "the conditions do not hold together"
        return WhyNot(f"The account does not match the conditions now: {detail}.", conditions)
    snoozed = (
        Alert.objects.filter(rule=rule, account=account, status=AlertStatus.SNOOZED, snoozed_until__gt=now)
        .order_by("-snoozed_until")
        .first()
    )
    if snoozed:
        reason = f" ({snoozed.snooze_reason})" if snoozed.snooze_reason else ""
        return WhyNot(f"An alert is snoozed until {snoozed.snoozed_until:%Y-%m-%d}{reason}.", conditions, snoozed)
    last = (
        Alert.objects.filter(rule=rule, account=account, status__in=[AlertStatus.CLOSED, AlertStatus.DISMISSED])
        .order_by("-triggered_at")
        .first()
    )
    if last and rule.never_retrigger:
        return WhyNot(
            f"The rule never retriggers and it fired on {last.triggered_at:%Y-%m-%d} (since "
            f"{last.get_status_display().lower()}).",
            conditions,
            last,
        )
    if last and rule.retrigger_delay_days:
        again = last.triggered_at + datetime.timedelta(days=rule.retrigger_delay_days)
        if again > now:
            return WhyNot(
                f"The retrigger delay runs until {again:%Y-%m-%d %H:%M} UTC: the last alert fired on "
                f"{last.triggered_at:%Y-%m-%d} and was {last.get_status_display().lower()}.",
                conditions,
                last,
            )
    return WhyNot("The account matches now: the next evaluation (or Run now) fires an alert.", conditions)
