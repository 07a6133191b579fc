"""Scoring as a pipeline step: idempotent, a backfill equals daily runs, the Default works on built-in metrics, and a
real Celery worker runs it."""

from __future__ import annotations

import datetime
import random
import time

import pytest

from accounts.models import Interaction, InteractionType
from core.pipeline import pipeline_run
from healthscore.models import HealthComponentValue, HealthConfiguration, HealthScore, HealthScoreValue
from healthscore.services import health_scores_backfill, health_scores_compute
from metrics.models import MetricCurrent, MetricValue
from tests.accounts.factories import AccountFactory
from tests.core.test_worker import real_worker  # noqa: F401  (fixture)
from tests.healthscore.conftest import DAY, configure, put

START = DAY - datetime.timedelta(days=29)


def snapshot() -> list[tuple]:
    return sorted(
        HealthScore.objects.values_list(
            "account_id", "date", "configuration_id", "version", "score", "missing_weight", "components", "criteria"
        )
    )


def health_values() -> list[tuple]:
    """The health metrics' daily values as lists and charts read them: the child average stored, the score and the
    components read from the score history."""
    return sorted(
        row
        for model in (MetricValue, HealthScoreValue, HealthComponentValue)
        for row in model.objects.filter(metric__key__contains="health").values_list(
            "metric__key", "account_id", "date", "value"
        )
    )


def keyed(values: list[tuple]) -> dict[tuple, float]:
    """Health metric values by (metric key, account, day)."""
    return {(key, account, day): value for key, account, day, value in values}


def daily_runs() -> None:
    for offset in range(30):
        health_scores_compute(as_of=START + datetime.timedelta(days=offset))


def history_clear() -> None:
    HealthScore.objects.all().delete()
    MetricValue.objects.filter(metric__key__contains="health").delete()


@pytest.fixture
def history(default):
    configure(
        default,
        [
            ("Usage", 2, [("events", 0, 20, False, "sum", 7), ("events", 0, 5, False, "max", 3)]),
            ("Sentiment", 1.5, [("nps", 3, 9, False, "latest", 10)]),
        ],
    )
    rng = random.Random(7)
    accounts = [AccountFactory(name=f"a{i}") for i in range(12)]
    for offset in range(30):
        day = START + datetime.timedelta(days=offset)
        for account in accounts:
            if rng.random() < 0.6:
                put("events", account, rng.randint(0, 6), day)
            if rng.random() < 0.1:
                put("nps", account, rng.randint(0, 10), day)
    return accounts


def test_running_the_step_twice_leaves_identical_rows(history):
    health_scores_compute(as_of=DAY)
    first, first_values = snapshot(), health_values()
    assert len(first) == 12
    health_scores_compute(as_of=DAY)
    assert snapshot() == first
    assert health_values() == first_values


@pytest.mark.parametrize(
    "connections",
    [pytest.param(1, marks=pytest.mark.django_db), pytest.param(2, marks=pytest.mark.django_db(transaction=True))],
    ids=["one day at a time", "two days at a time"],
)
def test_a_backfill_of_30_days_equals_30_daily_runs(history, settings, connections):
    """Over a month end (9 February to 10 March); two days at a time, on two connections of their own."""
    settings.HEALTH_BACKFILL_CONNECTIONS = connections
    daily_runs()
    daily, daily_values = snapshot(), health_values()
    assert len(daily) == 30 * 12
    history_clear()
    done = []
    assert health_scores_backfill(first_day=START, last_day=DAY, progress=done.append) == 30
    assert done == list(range(1, 31))
    assert snapshot() == daily
    assert health_values() == daily_values
    current = MetricCurrent.objects.filter(metric__key="health_score")
    assert {c.as_of for c in current} == {DAY}


def test_a_backfill_over_a_stored_history_after_an_edit_equals_daily_runs_of_the_edited_configuration(history, default):
    """What a CSM's edit leads to: the months already stored are rescored in place. Usage's bound changes and Usage
    weighs less, so its values and the scores move while Sentiment's stay as stored; an account that churned part way
    loses its later days; a month end is crossed."""
    assert health_scores_backfill(first_day=START, last_day=DAY) == 30
    before = keyed(health_values())
    usage = default.components.get(key="usage")
    usage.weight = 1
    usage.save()
    usage.criteria.filter(order=0).update(high=10)
    HealthConfiguration.objects.filter(pk=default.pk).update(version=2)
    churned = history[0]
    churned.churned_on = START + datetime.timedelta(days=12)
    churned.save()
    assert health_scores_backfill(first_day=START, last_day=DAY) == 30
    rescored, rescored_values = snapshot(), health_values()
    after = keyed(rescored_values)
    assert all(before[key] == value for key, value in after.items() if key[0] == "health.sentiment")
    assert any(before.get(key) != value for key, value in after.items() if key[0] == "health_score")
    assert not any(account == churned.pk and day >= churned.churned_on for _, account, day in after)
    history_clear()
    daily_runs()
    assert snapshot() == rescored
    assert health_values() == rescored_values
    assert {row[3] for row in rescored} == {2}


def test_editing_a_configuration_is_recorded_on_the_days_it_scores(history, default):
    health_scores_compute(as_of=DAY - datetime.timedelta(days=1))
    HealthConfiguration.objects.filter(pk=default.pk).update(version=2)
    health_scores_compute(as_of=DAY)
    versions = dict(HealthScore.objects.values_list("date", "version").distinct())
    assert versions == {DAY - datetime.timedelta(days=1): 1, DAY: 2}


def test_the_default_configuration_scores_a_new_installation_from_built_in_metrics(db):
    default = HealthConfiguration.objects.get(is_default=True)
    assert [c.name for c in default.components.all()] == [
        "Engagement",
        "Adoption",
        "Support",
        "Relationship",
        "Sentiment",
    ]
    assert default.versions.get(version=1).snapshot["components"][0]["criteria"][0]["metric_key"] == "dau_percent"
    happy = AccountFactory(name="happy", nps=10, csm_score=90)
    AccountFactory(name="quiet")
    kind = InteractionType.objects.get_or_create(name="Call")[0]
    for days_ago in (1, 20, 40, 60):
        Interaction.objects.create(
            account=happy,
            type=kind,
            subject="Check-in",
            date=datetime.datetime.combine(
                DAY - datetime.timedelta(days=days_ago), datetime.time(12), tzinfo=datetime.UTC
            ),
        )
    run = pipeline_run(as_of=DAY)
    assert "health scores" in [step.name for step in run.steps.all()]
    by_name = {row.account.name: row for row in HealthScore.objects.filter(date=DAY).select_related("account")}
    # happy: sentiment 100 (NPS 10, CSM 90); relationship 50: last interaction 1 day ago (100) but none counted in
    # the stored daily history (0, only this day was computed); support 100 (no tickets); engagement and adoption 0
    # (no usage): (15 x 100 + 15 x 50 + 15 x 100) / 100 = 37.5 -> 38
    assert by_name["happy"].score == 38
    # quiet: no NPS, CSM score or touchpoint: sentiment has no data; relationship scores 0 on interactions;
    # support 100: 15 x 100 / 85 = 17.6 -> 18
    assert by_name["quiet"].score == 18
    assert by_name["quiet"].missing_weight == 15
    current = dict(MetricCurrent.objects.filter(metric__key="health_score").values_list("account__name", "value"))
    assert current == {"happy": 38, "quiet": 18}


def test_a_real_celery_worker_scores_a_day(real_worker, transactional_db):  # noqa: F811
    from healthscore.jobs import score_day
    from healthscore.services import default_configuration_install

    default_configuration_install()
    default = HealthConfiguration.objects.get(is_default=True)
    configure(default, [("C", 1, [("m", 0, 10, False)])])
    account = AccountFactory(name="w")
    put("m", account, 7)
    score_day.apply_async(args=[DAY.isoformat()], queue=real_worker)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and not HealthScore.objects.filter(account=account).exists():
        time.sleep(0.5)
    assert HealthScore.objects.get(account=account, date=DAY).score == 70
    assert MetricCurrent.objects.get(metric__key="health_score", account=account).value == 70
