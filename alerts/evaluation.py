"""Evaluating alert rules: one set-based pass per rule.

For a rule: the accounts matching its conditions now (one query, the lists' compiler), minus churned accounts
unless the rule triggers for them, minus the accounts the retrigger rule holds back (an open alert; a closed or
dismissed one triggered less than the retrigger delay ago, or at all with never-retrigger; a snooze not yet over);
with every condition's values annotated on the same query, so the reasons of all fired accounts come from that one
query. The alerts are inserted with ON CONFLICT DO NOTHING against the partial unique index "one open alert per
(rule, account)": when two evaluations run at once, each account gets one alert and only the evaluation that wrote
it goes on to make its task and notifications.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Account
from alerts.models import Alert, AlertRule, AlertStatus
from segments.compiler import compile_q, leaf_annotations, reasons_from_row
from segments.fields import Entity
from segments.schema import ConditionError
from segments.selectors import conditions_resolve, list_query_settings

logger = logging.getLogger(__name__)
INSERT_BATCH = 5000


@dataclass
class RuleResult:
    rule_id: int
    fired: int = 0
    problem: str = ""
    alert_ids: list[int] = field(default_factory=list)


def blocking_alerts(rule: AlertRule, now: datetime.datetime) -> QuerySet[Alert]:
    """Alerts of `rule` that keep it from firing again for their account at `now` (correlate on account)."""
    resolved = [AlertStatus.CLOSED, AlertStatus.DISMISSED]
    held = Q(status=AlertStatus.OPEN) | Q(status=AlertStatus.SNOOZED, snoozed_until__gt=now)
    if rule.never_retrigger:
        held |= Q(status__in=resolved)
    elif rule.retrigger_delay_days:
        held |= Q(status__in=resolved, triggered_at__gt=now - datetime.timedelta(days=rule.retrigger_delay_days))
    return Alert.objects.filter(held, rule=rule)


def rule_candidates(rule: AlertRule, *, now: datetime.datetime):
    """(resolved root, leaves, queryset of the accounts that would fire now, annotated with condition values).

    Raises ConditionError when the rule's conditions are broken."""
    as_of = now.date()
    _, root = conditions_resolve(rule.conditions, entity=Entity.ACCOUNT)
    qs = Account.objects.filter(is_deleted=False).filter(compile_q(root, entity=Entity.ACCOUNT, as_of=as_of))
    if not rule.trigger_for_churned:
        qs = qs.filter(churned_on__isnull=True)
    qs = qs.exclude(Exists(blocking_alerts(rule, now).filter(account=OuterRef("pk"))))
    nodes, annotations = leaf_annotations(root, entity=Entity.ACCOUNT, as_of=as_of)
    return root, nodes, qs.annotate(**annotations).values("pk", *annotations)


def _insert(rule: AlertRule, rows: list[tuple[int, list[str]]], now: datetime.datetime) -> list[tuple[int, int]]:
    """Insert open alerts, skipping pairs that already have one; answers (alert id, account id) of those written."""
    written: list[tuple[int, int]] = []
    table = Alert._meta.db_table
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
        params: list = []
        for account_id, reasons in batch:
            params += [rule.pk, account_id, AlertStatus.OPEN, now, json.dumps(reasons), ""]
        with connection.cursor() as cursor:  # PostgreSQL, and SQLite 3.35+, speak this alike
            cursor.execute(
                f"INSERT INTO {table} (rule_id, account_id, status, triggered_at, reasons, snooze_reason) "
                f"VALUES {values} ON CONFLICT DO NOTHING RETURNING id, account_id",
                params,
            )
            written += [(row[0], row[1]) for row in cursor.fetchall()]
    return written


def rule_evaluate(*, rule: AlertRule, now: datetime.datetime | None = None) -> RuleResult:
    """Fire the rule for every account that should get an alert now; record the run (or what broke) on the rule.

    Fired alerts get their task (auto-generate, with the playbook's items) and the subscribed group is told, in
    the same transaction. Answers what happened.
    """
    from alerts.services import alerts_after_fire

    now = now or timezone.now()
    result = RuleResult(rule.pk)
    try:
        with list_query_settings():
            root, nodes, qs = rule_candidates(rule, now=now)
            rows = [(row["pk"], reasons_from_row(root, nodes, row, as_of=now.date())) for row in qs.iterator(2000)]
            with transaction.atomic():
                written = _insert(rule, rows, now)
                result.fired = len(written)
                result.alert_ids = [alert_id for alert_id, _ in written]
                updates = {"last_run_at": now, "problem": ""}
                if written:
                    updates["last_triggered_at"] = now
                AlertRule.objects.filter(pk=rule.pk).update(**updates)
                if written:
                    alerts_after_fire(rule=rule, alert_ids=result.alert_ids)
    except ConditionError as exc:
        result.problem = exc.label
        AlertRule.objects.filter(pk=rule.pk).update(last_run_at=now, problem=exc.label[:500])
    return result


def rules_evaluate(*, now: datetime.datetime | None = None, rule_ids: list[int] | None = None) -> dict[str, int]:
    """Evaluate every active rule (or those of `rule_ids`), one at a time; a broken rule is recorded and skipped,
    the others run. Answers counts for the pipeline's record."""
    now = now or timezone.now()
    rules = AlertRule.objects.filter(is_active=True).order_by("pk")
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    fired = broken = ran = 0
    for rule in rules:
        try:
            result = rule_evaluate(rule=rule, now=now)
        except Exception as exc:  # one bad rule never stops the others
            logger.exception("Alert rule %s failed", rule.pk)
            AlertRule.objects.filter(pk=rule.pk).update(last_run_at=now, problem=f"{type(exc).__name__}: {exc}"[:500])
            broken += 1
            continue
        ran += 1
        fired += result.fired
        broken += bool(result.problem)
    return {"rules": ran, "alerts fired": fired, "broken rules": broken}
