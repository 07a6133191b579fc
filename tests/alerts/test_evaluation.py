"""Evaluating alert rules: who fires, SPEC's retrigger rule (with its worked example), snooze, dismissed counted
as closed, churned accounts, broken rules skipped, reasons for every fired account in a fixed number of queries,
and one alert per account when two evaluations run at once."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accounts import services as account_services
from alerts.evaluation import rule_evaluate, rules_evaluate
from alerts.models import Alert, AlertRule, AlertStatus
from alerts.services import alert_convert_to_task, alert_dismiss, alert_snooze, rule_delete_alerts
from metrics.models import Metric, MetricKind
from metrics.services import metric_delete
from playbooks.models import Playbook
from playbooks.services import ItemSpec, playbook_save
from tasks.models import Notification, TaskSource
from tasks.services import task_close
from tests.alerts.conftest import retail
from tests.team.factories import TeamGroupFactory

DAY = datetime.timedelta(days=1)


def _close(alert: Alert, *, by, at: datetime.datetime) -> None:
    """Close an alert the way a CSM does: as a task, with an outcome, at a given time."""
    task = alert_convert_to_task(alert=alert, by=by)
    task_close(task=task, by=by, outcome="successful")
    Alert.objects.filter(pk=alert.pk).update(resolved_at=at)


def test_it_fires_once_for_each_matching_account_with_reasons(make_rule, account, other_account, bystander):
    rule = make_rule()
    now = timezone.now()
    assert rule_evaluate(rule=rule, now=now).fired == 2
    alerts = {a.account_id: a for a in Alert.objects.all()}
    assert set(alerts) == {account.pk, other_account.pk}
    assert alerts[account.pk].reasons == ["Industry is Retail: Retail"]
    assert alerts[account.pk].status == AlertStatus.OPEN and alerts[account.pk].triggered_at == now
    rule.refresh_from_db()
    assert rule.last_triggered_at == now and rule.problem == ""
    assert rule_evaluate(rule=rule, now=now + DAY).fired == 0  # an open alert holds the pair
    assert Alert.objects.count() == 2


def test_spec_example_triggered_1st_closed_3rd_delay_7_fires_again_on_the_8th(make_rule, account, manager):
    rule = make_rule(retrigger_delay_days=7)
    first = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)  # "1 March"
    rule_evaluate(rule=rule, now=first)
    _close(Alert.objects.get(), by=manager, at=first + 2 * DAY)  # "3 March"
    assert rule_evaluate(rule=rule, now=first + 3 * DAY).fired == 0
    assert rule_evaluate(rule=rule, now=first + 7 * DAY - datetime.timedelta(seconds=1)).fired == 0  # "7 March"
    assert rule_evaluate(rule=rule, now=first + 7 * DAY).fired == 1  # "8 March"
    assert list(Alert.objects.order_by("triggered_at").values_list("status", flat=True)) == ["closed", "open"]


def test_a_dismissed_alert_counts_as_closed(make_rule, account, manager):
    rule = make_rule(retrigger_delay_days=7)
    now = timezone.now()
    rule_evaluate(rule=rule, now=now)
    alert_dismiss(alert=Alert.objects.get(), by=manager)
    assert rule_evaluate(rule=rule, now=now + 6 * DAY).fired == 0
    assert rule_evaluate(rule=rule, now=now + 7 * DAY).fired == 1


def test_without_a_delay_a_closed_alert_fires_again_at_the_next_evaluation(make_rule, account, manager):
    rule = make_rule(retrigger_delay_days=0)
    now = timezone.now()
    rule_evaluate(rule=rule, now=now)
    alert_dismiss(alert=Alert.objects.get(), by=manager)
    assert rule_evaluate(rule=rule, now=now + datetime.timedelta(minutes=15)).fired == 1


def test_never_retrigger_fires_once_per_account_for_good(make_rule, account, manager):
    rule = make_rule(never_retrigger=True, retrigger_delay_days=1)
    now = timezone.now()
    rule_evaluate(rule=rule, now=now)
    _close(Alert.objects.get(), by=manager, at=now)
    assert rule_evaluate(rule=rule, now=now + 400 * DAY).fired == 0


def test_a_snooze_holds_the_rule_off_until_its_date(make_rule, account, manager):
    rule = make_rule()
    now = timezone.now()
    rule_evaluate(rule=rule, now=now)
    until = timezone.localdate() + 5 * DAY
    alert = alert_snooze(alert=Alert.objects.get(), by=manager, until=until, reason="Customer on holiday")
    assert alert.status == AlertStatus.SNOOZED
    end = alert.snoozed_until
    assert rule_evaluate(rule=rule, now=end - datetime.timedelta(seconds=1)).fired == 0
    assert rule_evaluate(rule=rule, now=end).fired == 1


def test_a_snoozed_alert_task_becomes_pending_and_closes_with_its_task(make_rule, account, manager):
    rule = make_rule()
    rule_evaluate(rule=rule)
    alert = Alert.objects.get()
    task = alert_convert_to_task(alert=alert, by=manager)
    alert_snooze(alert=alert, by=manager, until=timezone.localdate() + 3 * DAY)
    task.refresh_from_db()
    assert task.status == "pending"
    task_close(task=task, by=manager, outcome="false_alarm")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED


def test_churned_accounts_fire_only_when_the_rule_says_so(make_rule, account, other_account, manager):
    account_services.account_churn(account=account, churned_on=timezone.localdate(), reason="Budget", by=manager)
    rule = make_rule()
    rule_evaluate(rule=rule)
    assert list(Alert.objects.values_list("account_id", flat=True)) == [other_account.pk]
    churned_rule = make_rule(name="Churned too", trigger_for_churned=True)
    rule_evaluate(rule=churned_rule)
    assert set(Alert.objects.filter(rule=churned_rule).values_list("account_id", flat=True)) == {
        account.pk,
        other_account.pk,
    }


def test_a_rule_whose_metric_was_deleted_says_so_and_the_others_still_run(make_rule, account):
    metric = Metric.objects.create(key="logins", name="Logins", kind=MetricKind.CUSTOM)
    broken = make_rule(
        name="Few logins",
        conditions=retail(more=[{"type": "metric", "metric": "logins", "aggregation": "sum",
                                 "window": {"kind": "last_days", "days": 7}, "op": "lt", "value": 1}]),
    )  # fmt: skip
    healthy = make_rule(name="Healthy")
    metric_delete(metric=metric)
    counts = rules_evaluate()
    assert counts == {"rules": 2, "alerts fired": 1, "broken rules": 1}
    broken.refresh_from_db()
    assert "logins" in broken.problem and "deleted" in broken.problem
    assert not Alert.objects.filter(rule=broken).exists()
    assert Alert.objects.filter(rule=healthy).count() == 1


def test_inactive_rules_do_not_run_on_schedule(make_rule, account):
    make_rule(is_active=False)
    assert rules_evaluate()["alerts fired"] == 0


def test_auto_generated_tasks_get_the_playbook_items_and_the_group_is_told(make_rule, account, csm, manager):
    playbook = playbook_save(
        playbook=Playbook(name="Save the account"),
        items=[ItemSpec("Call the sponsor", 2), ItemSpec("Send a plan", 5)],
    )
    group = TeamGroupFactory()
    group.members.set([manager])
    rule = make_rule(auto_generate_task=True, playbook=playbook, subscribed_group=group)
    rule_evaluate(rule=rule)
    alert = Alert.objects.select_related("task").get()
    task = alert.task
    assert task.source == TaskSource.ALERT and task.owner == csm and task.subscriber_group == group
    assert [(s.title, s.due_date) for s in task.subtasks.order_by("position")] == [
        ("Call the sponsor", timezone.localdate() + 2 * DAY),
        ("Send a plan", timezone.localdate() + 5 * DAY),
    ]
    assert Notification.objects.filter(recipient=manager, event="alert").count() == 1


def test_reasons_for_all_fired_accounts_cost_the_same_queries_for_3_or_30(
    make_rule, manager, django_assert_max_num_queries
):
    def run(n: int) -> int:
        Alert.objects.all().delete()
        for i in range(n):
            account_services.account_create(
                by=manager, account_id=f"R-{n}-{i}", name=f"Retail {n} {i}", industry="Retail"
            )
        with django_assert_max_num_queries(20) as captured:
            fired = rule_evaluate(rule=rule).fired
        assert fired == Alert.objects.count()
        assert all(a.reasons == ["Industry is Retail: Retail"] for a in Alert.objects.all())
        return len(captured.captured_queries)

    rule = make_rule()
    assert run(3) == run(30)


def test_delete_alerts_removes_alerts_and_their_tasks(make_rule, account, manager):
    rule = make_rule()
    rule_evaluate(rule=rule)
    task = alert_convert_to_task(alert=Alert.objects.get(), by=manager)
    assert rule_delete_alerts(rule=rule) == 1
    assert not Alert.objects.exists()
    assert not type(task).objects.filter(pk=task.pk).exists()
    assert rule_evaluate(rule=rule).fired == 1  # as if it never existed: it fires afresh


@pytest.mark.django_db(transaction=True)
def test_two_evaluations_at_once_make_one_alert_per_account(manager):
    from accounts.services import picklists_install_defaults
    from alerts.services import alert_type_for, rule_save

    picklists_install_defaults()
    for i in range(40):
        account_services.account_create(by=None, account_id=f"C-{i}", name=f"Retail {i}", industry="Retail")
    rule = rule_save(rule=AlertRule(name="Retail", type=alert_type_for("Churn"), conditions=retail()))
    start = threading.Barrier(2)
    fired: list[int] = []
    errors: list[BaseException] = []

    def evaluate() -> None:
        try:
            start.wait()
            fired.append(rule_evaluate(rule=AlertRule.objects.get(pk=rule.pk)).fired)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(fired) == 40
    assert Alert.objects.filter(rule=rule, status=AlertStatus.OPEN).count() == 40
    assert Alert.objects.values("account").distinct().count() == 40


def steps_evaluating_rules() -> list:
    from core.pipeline import Step

    return [Step("alert rules", lambda as_of: rules_evaluate())]


@pytest.mark.django_db(transaction=True)
def test_rules_run_on_two_connections_fire_as_one_by_one_and_a_broken_one_leaves_the_run_partial(manager, settings):
    from accounts.services import picklists_install_defaults
    from alerts.services import alert_type_for, rule_save
    from core.models import PipelineRunStatus
    from core.pipeline import pipeline_run

    picklists_install_defaults()
    for i in range(12):
        industry = "Retail" if i % 3 else "Banking"
        account_services.account_create(by=None, account_id=f"T-{i}", name=f"Account {i}", industry=industry)
    Metric.objects.create(key="logins", name="Logins", kind=MetricKind.CUSTOM)
    few_logins = {"type": "metric", "metric": "logins", "aggregation": "sum",
                  "window": {"kind": "last_days", "days": 7}, "op": "lt", "value": 1}  # fmt: skip
    banking = {"type": "attribute", "field": "industry", "op": "is", "value": "Banking"}
    documents = {
        "Retail": retail(),
        "Banking": {"version": 1, "root": {"type": "group", "match": "all", "children": [banking]}},
        "Retail, few logins": retail(more=[few_logins]),
        "Any industry": {"version": 1, "root": {"type": "group", "match": "any",
                                               "children": [banking, retail()["root"]["children"][0]]}},
        "Broken": retail(more=[few_logins]),
    }  # fmt: skip
    rules = {
        name: rule_save(rule=AlertRule(name=name, type=alert_type_for("Churn"), conditions=conditions))
        for name, conditions in documents.items()
    }
    Metric.objects.filter(key="logins").update(key="logins_gone")  # the broken rule's metric disappears ...
    AlertRule.objects.filter(pk=rules["Retail, few logins"].pk).update(conditions=retail())  # ... not this one's

    def fired() -> set[tuple[str, str, tuple[str, ...]]]:
        return {
            (alert.rule.name, alert.account.account_id, tuple(alert.reasons))
            for alert in Alert.objects.select_related("rule", "account")
        }

    settings.ALERTS_EVALUATE_CONNECTIONS = 1
    assert rules_evaluate() == {"rules": 5, "alerts fired": 8 + 4 + 8 + 12, "broken rules": 1}
    one_by_one = fired()
    Alert.objects.all().delete()
    AlertRule.objects.update(problem="")

    settings.ALERTS_EVALUATE_CONNECTIONS = 2
    settings.PIPELINE = "tests.alerts.test_evaluation.steps_evaluating_rules"
    run = pipeline_run(as_of=timezone.localdate())
    assert fired() == one_by_one
    step = run.steps.get()
    assert run.status == PipelineRunStatus.PARTIAL
    assert [failure["object"] for failure in step.detail["failures"]] == [f"alert rule {rules['Broken'].pk} (Broken)"]
    assert "logins" in AlertRule.objects.get(pk=rules["Broken"].pk).problem
    assert AlertRule.objects.exclude(problem="").count() == 1
