"""The daily scoring step reproduces SPEC section 5's formulas exactly (through the SQL the pipeline runs)."""

from __future__ import annotations

import datetime
import random

import pytest

from accounts.models import Account, AccountDimensionValue, CustomDimension, DimensionType
from healthscore import scoring
from healthscore.models import HealthConfiguration, HealthScore, HealthSettings
from healthscore.selectors import account_health
from healthscore.services import health_scores_compute
from metrics.models import Metric, MetricValue
from segments.models import Segment
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, metric, put


def scores(day: datetime.date = DAY) -> dict[str, int | None]:
    return dict(HealthScore.objects.filter(date=day).values_list("account__name", "score"))


def row(account: Account, day: datetime.date = DAY) -> HealthScore:
    return HealthScore.objects.get(account=account, date=day)


def name_contains(text: str) -> dict:
    return {
        "version": 1,
        "root": {
            "type": "group",
            "match": "all",
            "children": [{"type": "attribute", "field": "name", "op": "contains", "value": text}],
        },
    }


@pytest.fixture
def single(default):
    """The Default reduced to one component with one criterion: metric m, 0 at or below 10, 100 at or above 20."""
    return configure(default, [("C", 1, [("m", 10, 20, False)])])


@pytest.mark.parametrize(
    "value,expected",
    [
        (10, 0),  # at X
        (20, 100),  # at Y
        (15, 50),
        (5, 0),  # below X: clamped
        (-1000, 0),
        (25, 100),  # above Y: clamped
        (14.45, 45),  # 44.5 rounds half up
        (14.44, 44),
        (12.35, 24),  # 23.5 exactly (in floats 12.35 - 10 is 2.3499999...): still 24
        (10.04, 0),  # 0.4
        (10.05, 1),  # 0.5
    ],
)
def test_it_scores_a_criterion_between_its_bounds(single, value, expected):
    account = AccountFactory(name="A")
    put("m", account, value)
    health_scores_compute(as_of=DAY)
    assert row(account).score == expected
    assert row(account).criteria == {str(single["C.0"].pk): [value, expected]}
    assert row(account).components == {str(single["C"].pk): expected}


def test_values_far_outside_narrow_bounds_are_clamped_without_overflow(single):
    single["C.0"].low, single["C.0"].high = 0, 1e-9  # 100 x 1e300 / 1e-9 is past what a double holds
    single["C.0"].save()
    far, below = AccountFactory(name="far"), AccountFactory(name="below")
    put("m", far, 1e300), put("m", below, -1e300)
    health_scores_compute(as_of=DAY)
    assert scores() == {"far": 100, "below": 0}


@pytest.mark.parametrize("low,high", [(0.1, 0.3), (-0.7, 1.3), (1e6 + 0.1, 1e6 + 0.3), (1e9, 1e9 + 0.02), (3, 1e12)])
def test_values_on_the_halves_round_as_the_decimals_do_at_any_magnitude(single, low, high):
    """Values whose score falls on (or a float's error away from) a half, with bounds small, offset far from zero
    and far apart: the stored score is the one exact decimal arithmetic gives."""
    single["C.0"].low, single["C.0"].high = low, high
    single["C.0"].save()
    values = {}
    for k in range(0, 101, 4):
        for shift in (0.5, 0.4999999, 0.5000001):
            value = round(low + (high - low) * (k + shift) / 100, 9)
            account = AccountFactory(name=f"{k}+{shift}")
            put("m", account, value)
            values[account.name] = scoring.criterion_score(value, low, high)
    health_scores_compute(as_of=DAY)
    assert scores() == values


@pytest.mark.parametrize("value,expected", [(10, 100), (20, 0), (5, 100), (25, 0), (14.45, 55), (16, 40)])
def test_it_scores_an_inverted_criterion_as_100_minus_the_score(default, value, expected):
    configure(default, [("C", 1, [("m", 10, 20, True)])])
    account = AccountFactory(name="A")
    put("m", account, value)
    health_scores_compute(as_of=DAY)
    assert row(account).score == expected


def test_it_rounds_the_component_mean_half_up_and_leaves_out_criteria_without_value(default):
    made = configure(default, [("C", 1, [("a", 0, 100, False), ("b", 0, 100, False), ("c", 0, 100, False)])])
    half, third, lone = AccountFactory(name="half"), AccountFactory(name="third"), AccountFactory(name="lone")
    put("a", half, 45), put("b", half, 50)  # (45 + 50) / 2 = 47.5 -> 48; c has no value: left out
    put("a", third, 0), put("b", third, 0), put("c", third, 2)  # 2 / 3 = 0.67 -> 1
    put("c", lone, 7)  # the mean of one criterion, not 7 / 3
    health_scores_compute(as_of=DAY)
    assert scores() == {"half": 48, "third": 1, "lone": 7}
    assert row(half).criteria == {str(made["C.0"].pk): [45, 45], str(made["C.1"].pk): [50, 50]}


def test_it_weights_components_with_weights_that_are_not_integers(default):
    configure(default, [("A", 0.75, [("a", 0, 100, False)]), ("B", 0.25, [("b", 0, 100, False)])])
    up, down = AccountFactory(name="up"), AccountFactory(name="down")
    put("a", up, 50), put("b", up, 52)  # (37.5 + 13) / 1 = 50.5 -> 51
    put("a", down, 50), put("b", down, 51)  # 37.5 + 12.75 = 50.25 -> 50
    health_scores_compute(as_of=DAY)
    assert scores() == {"up": 51, "down": 50}


def test_it_divides_by_the_sum_of_the_weights(default):
    configure(default, [("A", 2.5, [("a", 0, 100, False)]), ("B", 1.5, [("b", 0, 100, False)])])
    account = AccountFactory(name="x")
    put("a", account, 30), put("b", account, 81)  # (75 + 121.5) / 4 = 49.125 -> 49
    health_scores_compute(as_of=DAY)
    assert scores() == {"x": 49}


def test_a_component_without_valued_criteria_is_left_out_and_shown_as_no_data(default):
    made = configure(default, [("A", 3, [("a", 0, 100, False)]), ("B", 1, [("b", 0, 100, False)])])
    partly, empty = AccountFactory(name="partly"), AccountFactory(name="empty")
    put("a", partly, 80)
    health_scores_compute(as_of=DAY)
    scored = row(partly)
    assert scored.score == 80  # not (3 x 80 + 1 x 0) / 4
    assert scored.components == {str(made["A"].pk): 80}  # B: no data
    assert scored.missing_weight == 25 and not scored.thin_data
    nothing = row(empty)
    assert nothing.score is None and nothing.missing_weight == 100 and nothing.thin_data
    assert account_health(empty.pk).label == "No data"


def test_a_score_resting_mostly_on_no_data_is_thin(default):
    configure(default, [("A", 1, [("a", 0, 100, False)]), ("B", 2, [("b", 0, 100, False)])])
    account = AccountFactory(name="thin")
    put("a", account, 90)
    health_scores_compute(as_of=DAY)
    health = account_health(account.pk)
    assert (health.score, health.missing_weight, health.thin_data) == (90, 67, True)


def test_window_aggregations_follow_the_list_rules(default):
    configure(
        default,
        [
            (
                "C",
                1,
                [
                    ("events", 0, 6, False, "sum", 7),
                    ("events", 0, 1, False, "average", 7),
                    ("nps", 0, 10, False, "latest", 30),
                ],
            )
        ],
    )
    busy, idle = AccountFactory(name="busy"), AccountFactory(name="idle")
    put("events", busy, 1, DAY - datetime.timedelta(days=6))
    put("events", busy, 2, DAY)
    put("events", busy, 50, DAY - datetime.timedelta(days=7))  # outside the 7-day window
    put("nps", busy, 8, DAY - datetime.timedelta(days=3))
    put("nps", busy, 9, DAY - datetime.timedelta(days=40))  # older than the window
    health_scores_compute(as_of=DAY)
    # busy: sum 3 -> 50; average 3 / 7 = 0.43 -> 43; latest 8 -> 80; mean 57.67 -> 58
    # idle: sum and average of an empty window are 0 (score 0); latest has no value (left out)
    assert scores() == {"busy": 58, "idle": 0}
    assert len(row(idle).criteria) == 2


def test_a_number_dimension_can_be_a_criterion(default):
    seats = CustomDimension.objects.create(key="seats", label="Seats", data_type=DimensionType.NUMBER)
    configure(default, [("C", 1, [("dim:seats", 0, 200, False)])])
    account = AccountFactory(name="x")
    AccountFactory(name="y")
    AccountDimensionValue.objects.create(account=account, dimension=seats, value_number="150")
    health_scores_compute(as_of=DAY)
    assert scores() == {"x": 75, "y": None}


def test_the_highest_priority_configuration_that_matches_takes_the_account_else_the_default(default):
    configure(default, [("C", 1, [("m", 0, 100, False)])])
    first = HealthConfiguration.objects.create(name="Big", priority=1, conditions=name_contains("Big"))
    configure(first, [("C", 1, [("m", 0, 50, False)])])
    segment = Segment.objects.create(name="Has o", conditions=name_contains("o"))
    second = HealthConfiguration.objects.create(name="O", priority=2, segment=segment)
    configure(second, [("C", 1, [("m", 0, 25, False)])])
    inactive = HealthConfiguration.objects.create(name="Off", priority=0, conditions=name_contains(""), is_active=False)
    configure(inactive, [("C", 1, [("m", 0, 1, False)])])
    for name in ["Big one", "Two", "Plain"]:
        put("m", AccountFactory(name=name), 20)
    health_scores_compute(as_of=DAY)
    assert scores() == {"Big one": 40, "Two": 80, "Plain": 20}
    by = dict(HealthScore.objects.values_list("account__name", "configuration__name"))
    assert by == {"Big one": "Big", "Two": "O", "Plain": "Default"}


def test_a_deleted_metric_is_reported_and_the_rest_goes_on_scoring(default):
    configure(default, [("A", 1, [("gone", 0, 100, False), ("kept", 0, 100, False)]), ("B", 1, [("b", 0, 10, False)])])
    account = AccountFactory(name="x")
    put("gone", account, 10), put("kept", account, 60), put("b", account, 5)
    Metric.objects.filter(key="gone").update(deleted_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    health_scores_compute(as_of=DAY)
    assert scores() == {"x": 55}  # A = 60 (gone left out), B = 50
    default.refresh_from_db()
    assert "“gone” was deleted" in default.problem and "A:" in default.problem


def test_a_deleted_dimension_or_a_text_dimension_is_reported(default):
    CustomDimension.objects.create(key="region", label="Region", data_type=DimensionType.TEXT)
    configure(default, [("A", 1, [("dim:seats", 0, 100, False), ("dim:region", 0, 1, False), ("m", 0, 10, False)])])
    put("m", AccountFactory(name="x"), 3)
    health_scores_compute(as_of=DAY)
    assert scores() == {"x": 30}
    default.refresh_from_db()
    assert "“seats” does not exist" in default.problem
    assert "“Region” is not a number" in default.problem


def test_a_configuration_whose_list_broke_is_skipped_and_its_accounts_go_to_the_next(default):
    configure(default, [("C", 1, [("m", 0, 100, False)])])
    broken = {
        "version": 1,
        "root": {
            "type": "group",
            "match": "all",
            "children": [
                {
                    "type": "metric",
                    "metric": "removed",
                    "window": {"kind": "last_days", "days": 7},
                    "op": "gt",
                    "value": 1,
                }
            ],
        },
    }
    metric("removed")
    Metric.objects.filter(key="removed").update(deleted_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC))
    bad = HealthConfiguration.objects.create(name="Bad", priority=1, conditions=broken)
    configure(bad, [("C", 1, [("m", 0, 1, False)])])
    good = HealthConfiguration.objects.create(name="Good", priority=2, conditions=name_contains("g"))
    configure(good, [("C", 1, [("m", 0, 50, False)])])
    put("m", AccountFactory(name="g1"), 10), put("m", AccountFactory(name="other"), 10)
    health_scores_compute(as_of=DAY)
    assert scores() == {"g1": 20, "other": 10}
    bad.refresh_from_db()
    assert "list cannot be evaluated" in bad.problem and "removed" in bad.problem
    good.refresh_from_db()
    assert good.problem == ""


def test_band_cut_offs_are_a_setting(single):
    values = {"s30": 13, "s31": 13.1, "s70": 17, "s71": 17.1, "s75": 17.5}
    for name, value in values.items():
        put("m", AccountFactory(name=name), value)
    health_scores_compute(as_of=DAY)
    bands = {a.name: account_health(a.pk).band for a in Account.objects.all()}
    assert bands == {"s30": "red", "s31": "yellow", "s70": "yellow", "s71": "green", "s75": "green"}
    HealthSettings.objects.update_or_create(pk=1, defaults={"red_max": 40, "yellow_max": 74})
    bands = {a.name: account_health(a.pk).band for a in Account.objects.all()}
    assert bands == {"s30": "red", "s31": "red", "s70": "yellow", "s71": "yellow", "s75": "green"}


def test_deleted_churned_and_not_yet_joined_accounts_are_not_scored(single):
    for account in [
        AccountFactory(name="live"),
        AccountFactory(name="deleted", is_deleted=True),
        AccountFactory(name="churned", churned_on=DAY),
        AccountFactory(name="later", join_date=DAY + datetime.timedelta(days=1)),
        AccountFactory(name="churns later", churned_on=DAY + datetime.timedelta(days=1)),
    ]:
        put("m", account, 15)
    health_scores_compute(as_of=DAY)
    assert scores() == {"live": 50, "churns later": 50}


def test_it_agrees_with_the_python_reference_on_random_configurations(default):
    rng = random.Random(14)
    components = []
    for c in range(4):
        criteria = []
        for k in range(rng.randint(1, 3)):
            low = round(rng.uniform(-50, 50), 2)
            criteria.append((f"m{c}{k}", low, round(low + rng.uniform(0.01, 80), 2), rng.random() < 0.4))
        components.append((f"C{c}", round(rng.uniform(0.1, 9), 3), criteria))
    made = configure(default, components)
    accounts = [AccountFactory(name=f"a{i}") for i in range(40)]
    expected = {}
    spec = [
        scoring.ComponentSpec(
            made[name].pk,
            made[name].weight,
            tuple(
                scoring.CriterionSpec(made[f"{name}.{k}"].pk, low, high, inverted)
                for k, (_, low, high, inverted) in enumerate(criteria)
            ),
        )
        for name, _, criteria in components
    ]
    for account in accounts:
        values = {}
        for name, _, criteria in components:
            for k, (key, low, high, _) in enumerate(criteria):
                if rng.random() < 0.75:
                    value = round(rng.uniform(low - 20, high + 20), rng.choice([0, 1, 2, 3]))
                    put(key, account, value)
                    values[made[f"{name}.{k}"].pk] = value
        expected[account.name] = scoring.score_account(spec, values)
    health_scores_compute(as_of=DAY)
    for account in accounts:
        stored, reference = row(account), expected[account.name]
        assert stored.score == reference.score, account.name
        assert stored.missing_weight == reference.missing_weight
        assert stored.components == {str(k): v for k, v in reference.components.items() if v is not None}


def test_health_metrics_are_stored_for_lists_and_charts(default):
    configure(default, [("Usage", 1, [("m", 0, 100, False)])])
    parent = AccountFactory(name="parent")
    kids = [AccountFactory(name=f"kid{i}", parent=parent) for i in range(2)]
    put("m", kids[0], 40), put("m", kids[1], 71), put("m", parent, 10)
    health_scores_compute(as_of=DAY)

    def stored(key):
        values = Metric.objects.get(key=key).daily_values().filter(date=DAY)
        return dict(values.values_list("account__name", "value"))

    assert stored("health_score") == {"parent": 10, "kid0": 40, "kid1": 71}
    assert stored("health.usage") == {"parent": 10, "kid0": 40, "kid1": 71}
    assert stored("avg_child_health_score") == {"parent": 55.5}
    assert Metric.objects.get(key="health.usage").name == "Health: Usage"
    # The score and the components are read from the scores themselves, not copied; the child average is stored.
    assert not MetricValue.objects.filter(metric__key__in=["health_score", "health.usage"]).exists()
    assert MetricValue.objects.filter(metric__key="avg_child_health_score").count() == 1
