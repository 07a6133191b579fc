"""Alert pages: who sees and acts on which alerts (partial URLs included), every action, the rule list and its
actions, the rule form with its preview and bad input, and "why not"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.evaluation import rule_evaluate
from alerts.models import Alert, AlertRule, AlertStatus
from metrics.models import Metric, MetricKind
from metrics.services import metric_delete
from playbooks.models import Playbook
from playbooks.services import ItemSpec, playbook_save
from tasks.models import Task


@pytest.fixture
def fired(make_rule, account, other_account):
    rule = make_rule()
    rule_evaluate(rule=rule)
    return rule, Alert.objects.get(account=account), Alert.objects.get(account=other_account)


def _post(client, name, alert, data=None):
    return client.post(reverse(f"alerts:{name}", args=[alert.pk]), data or {})


def test_a_csm_sees_and_acts_only_on_their_accounts_alerts(client, csm, fired):
    _, mine, theirs = fired
    client.force_login(csm)
    page = client.get(reverse("alerts:list")).content.decode()
    assert "Acme Corp" in page and "Globex" not in page
    partial = client.get(reverse("alerts:list"), {"tab": "open"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "Globex" not in partial
    assert client.get(reverse("alerts:account", args=[theirs.account_id]), HTTP_HX_REQUEST="true").status_code == 404
    for name, data in [
        ("dismiss", {}),
        ("snooze", {"until": "2099-01-01"}),
        ("delete", {}),
        ("close", {"outcome": "successful"}),
    ]:
        assert _post(client, name, theirs, data).status_code == 404
    assert client.get(reverse("alerts:convert", args=[theirs.pk])).status_code == 404
    client.post(reverse("alerts:bulk"), {"action": "delete", "ids": [theirs.pk, mine.pk]})
    assert list(Alert.objects.values_list("pk", flat=True)) == [theirs.pk]  # only theirs is left


def test_a_guest_reads_alerts_but_cannot_act(client, members, fired):
    _, mine, _ = fired
    client.force_login(members["Guest"])
    assert client.get(reverse("alerts:list")).status_code == 200
    assert _post(client, "dismiss", mine).status_code == 403
    assert client.post(reverse("alerts:bulk"), {"action": "dismiss", "ids": [mine.pk]}).status_code == 403


def test_dismiss_snooze_convert_close_and_delete(client, manager, fired):
    rule, mine, theirs = fired
    rule.playbook = playbook_save(playbook=Playbook(name="Rescue"), items=[ItemSpec("Call", 1), ItemSpec("Plan", 3)])
    rule.save()
    client.force_login(manager)
    _post(client, "dismiss", mine)
    mine.refresh_from_db()
    assert mine.status == AlertStatus.DISMISSED
    assert "Acme Corp" in client.get(reverse("alerts:list"), {"tab": "dismissed"}).content.decode()
    response = _post(
        client, "snooze", theirs, {"until": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()}
    )
    theirs.refresh_from_db()
    assert theirs.status == AlertStatus.OPEN  # a date in the past is refused
    assert "after today" in client.get(reverse("alerts:list")).content.decode()
    response = client.post(reverse("alerts:convert", args=[theirs.pk]), {"priority": "high", "due_date": "2030-02-01"})
    task = Task.objects.get()
    assert response["Location"] == task.get_absolute_url()
    assert list(task.subtasks.values_list("title", flat=True)) == ["Call", "Plan"] and task.priority == "high"
    assert "Globex" in client.get(reverse("alerts:list"), {"tab": "open_tasks"}).content.decode()
    _post(client, "close", theirs, {"outcome": "nonsense"})
    assert Task.objects.get().status == "open"
    _post(client, "close", theirs, {"outcome": "false_alarm"})
    theirs.refresh_from_db()
    assert theirs.status == AlertStatus.CLOSED and Task.objects.get().outcome == "false_alarm"
    assert "Globex" in client.get(reverse("alerts:list"), {"tab": "closed_tasks"}).content.decode()
    _post(client, "delete", theirs)
    assert not Alert.objects.filter(pk=theirs.pk).exists() and not Task.objects.exists()


def test_account_views_my_churned_unassigned(client, csm, make_rule, account, other_account, bystander, manager):
    from accounts import services as account_services

    bystander.industry = "Retail"
    bystander.save()
    account_services.account_churn(account=other_account, churned_on=timezone.localdate(), reason="x", by=manager)
    rule_evaluate(rule=make_rule(trigger_for_churned=True))
    client.force_login(manager)

    def names(view):
        page = client.get(reverse("alerts:list"), {"view": view}).content.decode()
        return {n for n in ("Acme Corp", "Globex", "Initech") if n in page}

    assert names("all") == {"Acme Corp", "Globex", "Initech"}
    assert names("churned") == {"Globex"}
    assert names("unassigned") == {"Initech"}
    assert names("active") == {"Acme Corp", "Initech"}
    client.force_login(csm)
    assert names("my") == {"Acme Corp"}


def test_rule_list_columns_actions_and_a_broken_rule(
    client, manager, make_rule, account, django_capture_on_commit_callbacks
):
    metric = Metric.objects.create(key="logins", name="Logins", kind=MetricKind.CUSTOM)
    few = {"type": "metric", "metric": "logins", "aggregation": "sum", "window": {"kind": "last_days", "days": 7}}
    conditions = {
        "version": 1,
        "root": {"type": "group", "match": "all", "children": [{**few, "op": "lt", "value": 1}]},
    }
    broken = make_rule(name="Few logins", conditions=conditions)
    rule = make_rule(name="Retail")
    metric_delete(metric=metric)
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("alerts:rule_run", args=[rule.pk]))  # Run now: a job after commit
    page = client.get(reverse("alerts:rules")).content.decode()
    for heading in ("Name", "Type", "Generate task", "Task group", "Status", "Last triggered", "Triggers (30 days)"):
        assert heading in page
    assert "Broken, skipped: Condition 1 (metric): the metric “logins” was deleted" in page
    assert Alert.objects.filter(rule=rule).count() == 1
    copy = client.post(reverse("alerts:rule_copy", args=[rule.pk]))
    assert AlertRule.objects.filter(name="Copy of Retail", is_active=False).exists() and copy.status_code == 302
    client.post(reverse("alerts:rule_bulk"), {"action": "deactivate", "ids": [rule.pk]})
    assert not AlertRule.objects.get(pk=rule.pk).is_active
    client.post(reverse("alerts:rule_delete_alerts", args=[rule.pk]))
    assert not Alert.objects.filter(rule=rule).exists()
    client.post(reverse("alerts:rule_bulk"), {"action": "delete", "ids": [rule.pk, broken.pk]})
    assert not AlertRule.objects.filter(pk__in=[rule.pk, broken.pk]).exists()


def test_a_csm_cannot_change_rules(client, csm, make_rule):
    rule = make_rule()
    client.force_login(csm)
    assert client.get(reverse("alerts:rules")).status_code == 200
    assert client.get(reverse("alerts:rule_create")).status_code == 403
    assert client.post(reverse("alerts:rule_run", args=[rule.pk])).status_code == 403
    assert client.post(reverse("alerts:rule_bulk"), {"action": "delete", "ids": [rule.pk]}).status_code == 403


BUILDER = {
    "entity": "account",
    "node": ["r", "r-0"],
    "r:match": "all",
    "r-0:type": "attribute",
    "r-0:field": "industry",
    "r-0:op": "is",
    "r-0:value": "Retail",
}


def test_create_a_rule_with_its_preview(client, manager, account, bystander):
    client.force_login(manager)
    assert client.get(reverse("alerts:rule_create")).status_code == 200
    preview = client.post(reverse("alerts:rule_preview"), BUILDER, HTTP_HX_REQUEST="true").content.decode()
    assert (
        'data-testid="preview-count">1<' in preview
        and "Acme Corp" in preview
        and "Industry is Retail: Retail" in preview
    )
    data = {
        **BUILDER,
        "name": "Retail watch",
        "type_name": "Retail risk",
        "retrigger_delay_days": "7",
        "is_active": "on",
    }
    response = client.post(reverse("alerts:rule_create"), data)
    assert response.status_code == 302
    rule = AlertRule.objects.get(name="Retail watch")
    assert rule.type.name == "Retail risk" and rule.retrigger_delay_days == 7
    assert rule.conditions["root"]["children"][0]["value"] == "Retail"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"retrigger_delay_days": "-3"}, "greater than or equal to 0"),
        ({"r-0:op": "between"}, "Condition 1"),
        ({"name": "   "}, "This field is required"),
        ({"playbook": "99999"}, "Select a valid choice"),
    ],
)
def test_bad_rule_input_is_refused_naming_the_field(client, manager, change, message):
    client.force_login(manager)
    data = {**BUILDER, "name": "R", "type_name": "Churn", "retrigger_delay_days": "0", **change}
    response = client.post(reverse("alerts:rule_create"), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not AlertRule.objects.filter(example_key=None).exists()


def test_why_not_explains_each_case(client, manager, csm, make_rule, account, other_account, bystander):
    rule = make_rule(retrigger_delay_days=10)
    client.force_login(manager)

    def why(account_id, user=manager):
        client.force_login(user)
        page = client.get(reverse("alerts:rule_why_not", args=[rule.pk]), {"account": account_id}).content.decode()
        return page

    assert "Industry is Retail: Banking" in why("INI-1") and "does not match" in why("INI-1")
    assert "matches now" in why("ACME-1")
    rule_evaluate(rule=rule)
    assert "It has an open alert" in why("ACME-1")
    from alerts.services import alert_dismiss, alert_snooze

    alert_dismiss(alert=Alert.objects.get(account=account), by=manager)
    assert "retrigger delay runs until" in why("ACME-1")
    alert_snooze(
        alert=Alert.objects.get(account=other_account),
        by=manager,
        until=timezone.localdate() + datetime.timedelta(days=4),
        reason="Holidays",
    )
    assert "snoozed until" in why("GLOBEX-1") and "Holidays" in why("GLOBEX-1")
    assert "You cannot see this account" in why("GLOBEX-1", user=csm)
    rule.is_active = False
    rule.save()
    assert "inactive" in why("INI-1") or "does not match" in why("INI-1")
