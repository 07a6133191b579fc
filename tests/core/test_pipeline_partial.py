"""One bad configuration object never stops the pipeline: the step skips it in its own savepoint, records it on
the object and on the run ("partial"), and the rest of the step and the later steps run."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from accounts.models import Account
from core.models import PipelineRun, PipelineRunStatus
from core.pipeline import Step, each_object, pipeline_run
from metrics import formula, services
from metrics.models import Metric, MetricKind, MetricValue
from segments.models import ListSizeHistory, Segment, Visibility

AS_OF = datetime.date(2026, 3, 31)
HUGE = "1" + "0" * 399


@pytest.fixture
def accounts(db):
    return [Account.objects.create(account_id=f"A{i}", name=f"Account {i}", csm_score=10 * i) for i in (1, 2)]


def computed(key: str, source: str) -> Metric:
    """A computed metric stored as an older release (or a direct database edit) could have left it."""
    return Metric.objects.create(key=key, name=key.title(), kind=MetricKind.COMPUTED, formula=source)


def test_a_formula_that_overflows_skips_that_metric_and_the_run_goes_on(accounts):
    services.catalogue_sync()
    bad = computed("bad", f"csm_score * {HUGE}")
    computed("double_score", "csm_score * 2")
    segment = Segment.objects.create(name="All", visibility=Visibility.SHARED, conditions={})
    run = pipeline_run(as_of=AS_OF)
    assert run.status == PipelineRunStatus.PARTIAL
    steps = {step.name: step for step in run.steps.all()}
    step = steps["computed metrics"]
    assert step.status == PipelineRunStatus.PARTIAL
    assert [f["object"] for f in step.detail["failures"]] == ["metric bad"]
    assert "15 digits" in step.detail["failures"][0]["error"]
    # The other computed metric and every later step ran.
    assert set(MetricValue.objects.filter(metric__key="double_score").values_list("value", flat=True)) == {20, 40}
    assert steps["list sizes"].status == PipelineRunStatus.SUCCEEDED
    assert ListSizeHistory.objects.get(segment=segment, date=AS_OF).size == 2
    bad.refresh_from_db()
    assert "15 digits" in bad.pipeline_error and bad.pipeline_error_at is not None


def test_the_catalogue_and_the_edit_page_say_what_broke_and_a_fix_clears_it(accounts, manager_client):
    services.catalogue_sync()
    bad = computed("bad", f"csm_score * {HUGE}")
    pipeline_run(as_of=AS_OF)
    page = manager_client.get(reverse("metrics:catalogue")).content.decode()
    assert "The last run could not compute it" in page and "15 digits" in page
    page = manager_client.get(reverse("metrics:computed_edit", args=[bad.pk])).content.decode()
    assert "could not compute this metric" in page and "15 digits" in page
    Metric.objects.filter(pk=bad.pk).update(formula="csm_score * 1000")
    assert pipeline_run(as_of=AS_OF).status == PipelineRunStatus.SUCCEEDED
    bad.refresh_from_db()
    assert bad.pipeline_error == ""
    assert "could not compute" not in manager_client.get(reverse("metrics:catalogue")).content.decode()


def test_computed_metrics_in_a_circle_fail_alone(accounts):
    services.catalogue_sync()
    computed("one", "two + 1")
    computed("two", "one + 1")
    computed("fine", "csm_score + 1")
    services.metric_values_compute(as_of=AS_OF)
    written = services.computed_values_compute(as_of=AS_OF)
    assert written == {"fine": 2}
    assert "circle" in Metric.objects.get(key="one").pipeline_error
    assert "circle" in Metric.objects.get(key="two").pipeline_error


def test_a_result_past_what_a_float_holds_gives_no_value_instead_of_failing(accounts):
    services.catalogue_sync()
    services.metric_values_compute(as_of=AS_OF)
    score = Metric.objects.get(key="csm_score")
    MetricValue.objects.filter(metric=score, account=accounts[0]).update(value=1e300)
    services.metric_save_computed(metric=Metric(key="scaled", name="Scaled", formula="csm_score * 100000000"))
    services.metric_save_computed(metric=Metric(key="tiny", name="Tiny", formula="1 / (csm_score * 100000000)"))
    assert services.computed_values_compute(as_of=AS_OF) == {"scaled": 1, "tiny": 2}
    assert dict(MetricValue.objects.filter(metric__key="scaled").values_list("account__account_id", "value")) == {
        "A2": 2e9
    }
    assert dict(MetricValue.objects.filter(metric__key="tiny").values_list("account__account_id", "value")) == {
        "A1": 0,
        "A2": pytest.approx(1 / 2e9),
    }


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (HUGE, "more than 15 digits"),
        (f"csm_score * {HUGE}", "more than 15 digits"),
        ("1234567890123456 + csm_score", "more than 15 digits"),
        ("csm_score * (" + " * ".join(["999999999999999"] * 25) + ")", "too large to compute"),
    ],
)
def test_the_formula_check_refuses_what_cannot_be_evaluated(db, source, message):
    services.catalogue_sync()
    with pytest.raises(formula.FormulaError, match=message):
        formula.validate(source, ["csm_score"])
    with pytest.raises(ValidationError) as error:
        services.metric_save_computed(metric=Metric(key="bad", name="Bad", formula=source))
    assert message in error.value.message_dict["formula"][0]


def test_the_formula_check_keeps_ordinary_numbers(db):
    for source in ("csm_score * 999999999999999", "csm_score / 0.000000000000001", "(1 / 3) * csm_score * 100"):
        formula.validate(source, ["csm_score"])


def _fails_on_odd(item: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO core_workerheartbeat (worker, beat_at) VALUES (%s, now())", [f"item-{item}"])
        if item % 2:
            cursor.execute("SELECT 1 / 0")  # a database error: the item's savepoint is rolled back
    return item


def steps_with_a_bad_object() -> list[Step]:
    return [
        Step("objects", lambda as_of: {str(i): n for i, n in each_object([1, 2, 3, 4], _fails_on_odd)}),
        Step("after", lambda as_of: 7),
    ]


def test_the_wrapper_rolls_back_only_the_failing_object_and_later_steps_run(db, settings):
    settings.PIPELINE = "tests.core.test_pipeline_partial.steps_with_a_bad_object"
    run = pipeline_run(as_of=AS_OF)
    assert run.status == PipelineRunStatus.PARTIAL
    objects, after = run.steps.all()
    assert objects.status == PipelineRunStatus.PARTIAL and objects.rows == 6
    assert [f["object"] for f in objects.detail["failures"]] == ["1", "3"]
    assert "division by zero" in objects.detail["failures"][0]["error"]
    assert "2 failed" in objects.error
    assert after.status == PipelineRunStatus.SUCCEEDED and after.rows == 7
    from core.models import WorkerHeartbeat

    assert set(WorkerHeartbeat.objects.values_list("worker", flat=True)) == {"item-2", "item-4"}
    assert PipelineRun.objects.get().status == PipelineRunStatus.PARTIAL


def test_a_list_that_cannot_be_counted_says_so_on_its_pages(accounts, manager_client, settings):
    segment = Segment.objects.create(name="Broken", visibility=Visibility.SHARED, conditions={})
    Segment.objects.filter(pk=segment.pk).update(pipeline_error="DataError: value out of range")
    page = manager_client.get(reverse("segments:detail", args=[segment.pk])).content.decode()
    assert "could not count this list" in page and "value out of range" in page
    assert "value out of range" in manager_client.get(reverse("segments:index")).content.decode()
    pipeline_run(as_of=AS_OF)
    segment.refresh_from_db()
    assert segment.pipeline_error == ""
