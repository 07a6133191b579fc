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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Account
from alerts.models import Alert, AlertRule, AlertStatus
from core.pipeline import each_object, error_text, on_connections
from core.sql import statistics_refresh
from segments.compiler import RGroup, compile_q, leaf_annotations, reasons_from_row
from segments.fields import Catalogue, Entity, catalogue_load
from segments.schema import ConditionError
from segments.selectors import conditions_resolve, list_query_settings

logger = logging.getLogger(__name__)
INSERT_BATCH = 20_000
# Alerts written in one pass beyond which the table's planner statistics are refreshed (see `rules_evaluate`).
ANALYZE_AFTER = 10_000


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


class RuleListError(ConditionError):
    """The saved list a rule is limited to was deleted, or its own conditions are broken."""

    @property
    def label(self) -> str:
        return self.message


def _metric_keys(data: object) -> set[str]:
    """The metric keys a conditions document names (walked without recursion)."""
    keys: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            keys.update(v for k, v in item.items() if k in ("metric", "other") and isinstance(v, str))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return keys


def rules_catalogue(rules: Iterable[AlertRule]) -> Catalogue:
    """The account catalogue for resolving `rules`, with the catalogue rows of the built-in metrics they name.

    A built-in metric gets its row at the first pipeline run; an example rule naming one (session time, the health
    score) on a fresh installation would otherwise read as broken."""
    from metrics.registry import builtin
    from metrics.services import catalogue_sync

    catalogue = catalogue_load(entity=Entity.ACCOUNT)
    needed: set[str] = set()
    for rule in rules:
        needed |= _metric_keys(rule.conditions)
        if rule.segment_id:
            needed |= _metric_keys(rule.segment.conditions)
    known = catalogue.metrics.keys() | catalogue.deleted_metrics
    if any(key not in known and builtin(key) for key in needed):
        catalogue_sync()
        catalogue = catalogue_load(entity=Entity.ACCOUNT)
    return catalogue


def rule_resolve(rule: AlertRule, *, catalogue: Catalogue | None = None) -> tuple[RGroup, RGroup | None]:
    """The rule's resolved conditions and those of the list it is limited to (None without a list).

    Raises ConditionError naming what broke: a condition (a deleted metric, a renamed stage), or the list (deleted,
    or broken itself). A rule whose list was deleted stays broken rather than firing for every account."""
    catalogue = catalogue or rules_catalogue([rule])
    _, root = conditions_resolve(rule.conditions, entity=Entity.ACCOUNT, catalogue=catalogue)
    if rule.segment_id is None:
        if rule.segment_name:
            raise RuleListError("segment", f"its list “{rule.segment_name}” was deleted: choose another list or none")
        return root, None
    segment = rule.segment
    try:
        _, list_root = conditions_resolve(segment.conditions, entity=Entity.ACCOUNT, catalogue=catalogue)
    except ConditionError as exc:
        raise RuleListError("segment", f"its list “{segment.name}” is broken ({exc.label})") from None
    return root, list_root


def rule_candidates(rule: AlertRule, *, now: datetime.datetime, catalogue: Catalogue | None = None):
    """(resolved root, leaves, queryset of the accounts that would fire now, annotated with condition values).

    Raises ConditionError when the rule's conditions or its list are broken."""
    as_of = now.date()
    root, list_root = rule_resolve(rule, catalogue=catalogue)
    qs = Account.objects.filter(is_deleted=False).filter(compile_q(root, entity=Entity.ACCOUNT, as_of=as_of))
    if list_root is not None:
        qs = qs.filter(compile_q(list_root, entity=Entity.ACCOUNT, as_of=as_of))
    if not rule.trigger_for_churned:
        qs = qs.filter(churned_on__isnull=True)
    qs = qs.exclude(Exists(blocking_alerts(rule, now).filter(account=OuterRef("pk"))))
    nodes, annotations = leaf_annotations(root, entity=Entity.ACCOUNT, as_of=as_of)
    # In id order: the default (name) order would walk the name index and read every account through it.
    return root, nodes, qs.annotate(**annotations).values("pk", *annotations).order_by("pk")


def _insert(rule: AlertRule, rows: list[tuple[int, str]], now: datetime.datetime) -> list[tuple[int, int]]:
    """Insert open alerts (account id, reasons as JSON), skipping pairs that already have one; answers (alert id,
    account id) of those written.

    On PostgreSQL a batch is one statement over two arrays: a VALUES list with a parameter per column and row
    (120,000 for a batch) costs more to build and parse on the client than the insert itself."""
    written: list[tuple[int, int]] = []
    table = Alert._meta.db_table
    columns = "(rule_id, account_id, status, triggered_at, reasons, snooze_reason)"
    for start in range(0, len(rows), INSERT_BATCH):
        batch = rows[start : start + INSERT_BATCH]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # The reasons travel once each (most accounts of a rule share theirs), the rows as indexes into them;
                # the integer arrays as array literals, which psycopg would otherwise adapt an element at a time.
                texts: dict[str, int] = {}
                picks = [texts.setdefault(reasons, len(texts) + 1) for _, reasons in batch]
                cursor.execute(
                    f"INSERT INTO {table} {columns} SELECT %s, t.a, %s, %s, (%s::jsonb[])[t.i], '' "
                    "FROM unnest(%s::bigint[], %s::int[]) AS t(a, i) ON CONFLICT DO NOTHING RETURNING id, account_id",
                    [rule.pk, AlertStatus.OPEN, now, list(texts), _int_array(a for a, _ in batch), _int_array(picks)],
                )
            else:  # SQLite 3.35+ speaks ON CONFLICT ... RETURNING too
                params: list = []
                for account_id, reasons in batch:
                    params += [rule.pk, account_id, AlertStatus.OPEN, now, reasons, ""]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(batch))
                cursor.execute(
                    f"INSERT INTO {table} {columns} VALUES {values} ON CONFLICT DO NOTHING RETURNING id, account_id",
                    params,
                )
            written += [(row[0], row[1]) for row in cursor.fetchall()]
    return written


def _int_array(numbers: Iterable[int]) -> str:
    return "{" + ",".join(str(int(number)) for number in numbers) + "}"


def _reasons_json(root: RGroup, nodes: list, rows: Iterable[dict], as_of: datetime.date) -> list[tuple[int, str]]:
    """(account id, its reasons as JSON) for annotated candidate rows. Accounts with the same condition values
    have the same reasons (a rule on an industry: one wording for ten thousand accounts), so each distinct set of
    values is worded once."""
    worded: dict[tuple, str] = {}
    out: list[tuple[int, str]] = []
    for row in rows:
        pk = row.pop("pk")
        key = tuple(row.values())
        text = worded.get(key)
        if text is None:
            text = worded[key] = json.dumps(reasons_from_row(root, nodes, row, as_of=as_of))
        out.append((pk, text))
    return out


def _rule_fire(rule: AlertRule, now: datetime.datetime, catalogue: Catalogue | None = None) -> RuleResult:
    """Fire the rule for every account that should get an alert now and record the run; raises ConditionError
    (nothing written) when the rule is broken."""
    from alerts.services import alerts_after_fire

    result = RuleResult(rule.pk)
    with list_query_settings():
        root, nodes, qs = rule_candidates(rule, now=now, catalogue=catalogue)
        rows = _reasons_json(root, nodes, qs.iterator(2000), now.date())
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
    return result


def rule_evaluate(*, rule: AlertRule, now: datetime.datetime | None = None) -> RuleResult:
    """Fire the rule for every account that should get an alert now; record the run (or what broke) on the rule.

    Fired alerts get their task (auto-generate, with the playbook's items) and the subscribed group is told, in
    the same transaction. Answers what happened.
    """
    now = now or timezone.now()
    try:
        return _rule_fire(rule, now)
    except ConditionError as exc:
        AlertRule.objects.filter(pk=rule.pk).update(last_run_at=now, problem=exc.label[:500])
        return RuleResult(rule.pk, problem=exc.label)


def rules_evaluate(*, now: datetime.datetime | None = None, rule_ids: list[int] | None = None) -> dict[str, int]:
    """Evaluate every active rule (or those of `rule_ids`), one at a time, each in its own savepoint
    (`core.pipeline.each_object`): a broken rule (a deleted metric or list) or one that fails in the database is
    rolled back alone, recorded on the rule (shown on the rule list) and on the pipeline run, and the others run.
    Answers counts for the pipeline's record."""
    now = now or timezone.now()
    rules = AlertRule.objects.filter(is_active=True).select_related("segment").order_by("pk")
    if rule_ids is not None:
        rules = rules.filter(pk__in=rule_ids)
    rules = list(rules)
    problems: dict[int, str] = {}
    catalogue = rules_catalogue(rules)  # read once for every rule of the pass

    def run(rule: AlertRule) -> RuleResult:
        try:
            return _rule_fire(rule, now, catalogue)
        except ConditionError as exc:
            problems[rule.pk] = exc.label
            raise
        except Exception as exc:
            problems[rule.pk] = error_text(exc)
            raise

    done = _each_rule(rules, run)
    for pk, problem in problems.items():
        AlertRule.objects.filter(pk=pk).update(last_run_at=now, problem=problem[:500])
    fired = sum(result.fired for _, result in done)
    if fired >= ANALYZE_AFTER:
        # Each rule's "held back" anti-join is planned from the alerts table's statistics: statistics that still
        # say a rule has no alerts (taken before its first pass fired ten thousand) make the planner loop over all
        # of them for every matching account, seconds per rule, until autovacuum gets round to the table. ANALYZE
        # samples a fixed number of rows, so it costs about the same (tenths of a second) at any size.
        statistics_refresh(Alert._meta.db_table)
    return {
        "rules": len(rules),
        "alerts fired": fired,
        "broken rules": len(problems),
    }


def _each_rule(rules: list[AlertRule], run: Callable[[AlertRule], RuleResult]) -> list[tuple[AlertRule, RuleResult]]:
    """`each_object` over the rules, `ALERTS_EVALUATE_CONNECTIONS` at a time (`core.pipeline.on_connections`:
    each on its own connection, in its own transaction; one by one on SQLite), in rule order."""
    done = on_connections(
        rules,
        lambda taken: each_object(taken, run, name=_rule_label, record_on=_nowhere),
        connections=settings.ALERTS_EVALUATE_CONNECTIONS,
    )
    return sorted(done, key=lambda pair: pair[0].pk)


def _rule_label(rule: AlertRule) -> str:
    return f"alert rule {rule.pk} ({rule.name[:60]})"


def _nowhere(rule: AlertRule) -> None:
    """Rules keep what broke in their own `problem` field (written above), not in `pipeline_error`."""
    return None
