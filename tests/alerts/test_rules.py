"""Alert rules beyond one evaluation: the example rules of a fresh installation (the health score one included),
rules limited to a saved list (and what happens when that list is deleted), broken rules in a pipeline run, and
Run now through a real Celery worker."""

from __future__ import annotations

import datetime
import time

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from alerts.evaluation import rule_evaluate, rules_evaluate
from alerts.examples import examples_install
from alerts.models import Alert, AlertRule
from alerts.selectors import rule_problem, why_not
from alerts.services import alert_type_for, rule_save
from core.pipeline import Step, pipeline_run
from healthscore.models import HealthConfiguration, HealthScore
from metrics.services import catalogue_sync
from natero.celery import app
from segments.models import Segment, Visibility
from segments.services import segment_delete, segment_save
from tests.alerts.conftest import retail
from tests.core.test_worker import real_worker  # noqa: F401  (fixture)


def _attribute(field: str, value: str) -> dict:
    return {
        "version": 1,
        "root": {
            "type": "group",
            "match": "all",
            "children": [{"type": "attribute", "field": field, "op": "is", "value": value}],
        },
    }


def test_a_fresh_database_has_the_four_examples_none_broken(db):
    # The test database was just migrated: the examples were installed by that migrate.
    examples = {rule.example_key: rule for rule in AlertRule.objects.exclude(example_key=None)}
    assert set(examples) == {"renewal_60", "usage_down_30", "no_interaction_45", "health_red"}
    assert all(not rule.is_active and rule.playbook_id for rule in examples.values())
    # Their built-in metrics get catalogue rows when the rules are first read, before any pipeline run.
    assert {key: rule_problem(rule) for key, rule in examples.items()} == dict.fromkeys(examples, "")
    assert examples["health_red"].playbook.items.count() == 2
    assert examples_install() == 0  # installing again creates nothing


def scores_store(scores: list[tuple]) -> None:
    """Health scores (account, day, score) as the scoring step stores them, by the Default configuration."""
    default = HealthConfiguration.objects.get(is_default=True)
    HealthScore.objects.bulk_create(
        HealthScore(account=account, date=day, configuration=default, version=default.version, score=score)
        for account, day, score in scores
    )


def test_the_health_score_red_example_fires_for_red_accounts_only(db, manager):
    red = account_services.account_create(by=manager, account_id="RED-1", name="Red Ltd")
    green = account_services.account_create(by=manager, account_id="GRN-1", name="Green Ltd")
    unscored = account_services.account_create(by=manager, account_id="NEW-1", name="New Ltd")
    catalogue_sync()  # as the first pipeline run does
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    # The daily pipeline scores the day that ended; an old red score was since mended.
    scores_store([(red, yesterday, 22), (green, yesterday, 81), (green, yesterday - datetime.timedelta(days=1), 12)])
    rule = AlertRule.objects.get(example_key="health_red")
    AlertRule.objects.filter(pk=rule.pk).update(is_active=True)
    assert rules_evaluate()["alerts fired"] == 1
    alert = Alert.objects.get(rule=rule)
    assert alert.account == red
    assert alert.reasons == ["Health score (latest, last 3 days) between 0 and 30: 22"]
    rule.refresh_from_db()
    verdict = why_not(user=manager, rule=rule, account=unscored).verdict
    assert verdict.startswith("The account does not match the conditions now")


def test_the_health_score_red_example_follows_the_band_cut_offs(db, manager, manager_client):
    amber = account_services.account_create(by=manager, account_id="AMB-1", name="Amber Ltd")
    catalogue_sync()
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    scores_store([(amber, yesterday, 35)])
    rule = AlertRule.objects.get(example_key="health_red")
    AlertRule.objects.filter(pk=rule.pk).update(is_active=True)
    assert rules_evaluate()["alerts fired"] == 0  # 35 is yellow with the default cut-offs

    response = manager_client.post(reverse("healthscore:settings"), {"red_max": 40, "yellow_max": 75})
    assert response.status_code == 302
    assert rules_evaluate()["alerts fired"] == 1
    assert Alert.objects.get(rule=rule).reasons == ["Health score (latest, last 3 days) between 0 and 40: 35"]

    # A bound the rule's editor chose is theirs: moving the cut-off again leaves it.
    rule.refresh_from_db()
    rule.conditions["root"]["children"][0]["value2"] = 45
    rule_save(rule=rule, by=manager)
    manager_client.post(reverse("healthscore:settings"), {"red_max": 25, "yellow_max": 75})
    rule.refresh_from_db()
    assert rule.conditions["root"]["children"][0]["value2"] == 45


@pytest.fixture
def retail_list(db, manager):
    segment = Segment(name="Retail book", entity="account", visibility=Visibility.SHARED)
    return segment_save(segment=segment, conditions=_attribute("industry", "Retail"), owner=manager)


def test_a_rule_limited_to_a_list_fires_only_for_its_accounts(make_rule, retail_list, manager, account, bystander):
    rule = make_rule(name="Any account of the retail list", conditions={}, segment=retail_list)
    assert rule.segment_name == "Retail book"
    assert rule_evaluate(rule=rule).fired == 1
    assert Alert.objects.get(rule=rule).account == account
    verdict = why_not(user=manager, rule=rule, account=bystander)
    assert verdict.verdict == "The account is not in the list “Retail book” the rule is limited to."
    assert verdict.conditions[0] == {
        "condition": "In the list “Retail book”",
        "holds": False,
        "value": "not in the list",
    }


def test_a_rule_whose_list_was_deleted_says_so_is_skipped_and_the_others_run(
    client, make_rule, retail_list, manager, account, bystander
):
    limited = make_rule(name="Retail list", conditions={}, segment=retail_list)
    other = make_rule(name="Banking", conditions=_attribute("industry", "Banking"))
    segment_delete(segment=retail_list)
    limited.refresh_from_db()
    assert limited.segment_id is None  # the rule is not widened to every account: it is broken
    message = "its list “Retail book” was deleted: choose another list or none"
    assert rule_problem(limited) == message
    assert rules_evaluate() == {"rules": 2, "alerts fired": 1, "broken rules": 1}
    assert not Alert.objects.filter(rule=limited).exists()
    assert Alert.objects.get(rule=other).account == bystander
    limited.refresh_from_db()
    assert limited.problem == message
    client.force_login(manager)
    page = client.get(reverse("alerts:rules")).content.decode()
    assert f"Broken, skipped: {message}" in page
    edit = client.get(reverse("alerts:rule_edit", args=[limited.pk])).content.decode()
    assert message in edit


def test_a_broken_rule_leaves_the_pipeline_run_partial_and_named(make_rule, retail_list, account, settings):
    make_rule(name="Retail list", conditions={}, segment=retail_list)
    healthy = make_rule(name="Retail")
    segment_delete(segment=retail_list)
    settings.PIPELINE = "tests.alerts.test_rules.alert_steps"
    run = pipeline_run(as_of=timezone.now().date())
    assert run.status == "partial"
    step = run.steps.get()
    assert "Retail list" in step.error and "was deleted" in step.error
    assert Alert.objects.filter(rule=healthy).count() == 1


def alert_steps() -> list[Step]:
    return [Step("alert rules", lambda as_of: rules_evaluate())]


def test_a_list_that_is_broken_is_refused_when_saving_the_rule(make_rule, retail_list, manager, client):
    Segment.objects.filter(pk=retail_list.pk).update(conditions=_attribute("industry_that_never_was", "x"))
    client.force_login(manager)
    response = client.post(
        reverse("alerts:rule_create"),
        {"name": "Broken list", "type_name": "Churn", "retrigger_delay_days": "0", "segment": retail_list.pk},
    )
    assert response.status_code == 400
    assert "The list “Retail book” is broken" in response.content.decode()
    assert not AlertRule.objects.filter(name="Broken list").exists()


@pytest.mark.django_db(transaction=True)
def test_run_now_goes_through_a_real_worker(real_worker, client, manager):  # noqa: F811
    account_services.picklists_install_defaults()
    for i in range(3):
        account_services.account_create(by=None, account_id=f"W-{i}", name=f"Worker retail {i}", industry="Retail")
    rule = rule_save(rule=AlertRule(name="Retail", type=alert_type_for("Churn"), conditions=retail(), is_active=False))
    client.force_login(manager)
    default_queue = app.conf.task_default_queue
    app.conf.task_default_queue = real_worker  # the view's job goes to the queue this worker reads
    try:
        response = client.post(reverse("alerts:rule_run", args=[rule.pk]))
    finally:
        app.conf.task_default_queue = default_queue
    assert response.status_code == 302
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and Alert.objects.filter(rule=rule).count() < 3:
        time.sleep(0.25)
    connection.close()
    assert Alert.objects.filter(rule=rule).count() == 3
    rule.refresh_from_db()
    assert rule.last_triggered_at is not None and rule.problem == ""
    page = client.get(reverse("alerts:list"), {"rule": rule.pk}).content.decode()
    assert all(f"Worker retail {i}" in page for i in range(3))
