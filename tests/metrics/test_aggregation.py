"""Two-step aggregation, including SPEC's worked example, in memory and in SQL over stored daily values."""

import datetime

import pytest

from accounts.models import Account
from metrics.aggregation import Frequency, Period, aggregate_metric, aggregate_series, periods_between
from metrics.models import AccountAggregation, Metric, MetricValue, TimeAggregation

D = [datetime.date(2026, 3, day) for day in range(1, 5)]
# SPEC section 8: A: 2, 1, 3, -; B: 5, 6, 4, -; C: 8, 9, 11, 6.
WORKED = {
    "A": {D[0]: 2, D[1]: 1, D[2]: 3},
    "B": {D[0]: 5, D[1]: 6, D[2]: 4},
    "C": {D[0]: 8, D[1]: 9, D[2]: 11, D[3]: 6},
}
EXPECTED = {
    AccountAggregation.SUM: [15, 16, 18, 6],
    AccountAggregation.MAX: [8, 9, 11, 6],
    AccountAggregation.MIN: [2, 1, 3, 6],
    AccountAggregation.AVERAGE: [5, 16 / 3, 6, 2],
    AccountAggregation.COUNT: [3, 3, 3, 1],
}
DAYS = [Period(d, d) for d in D]


@pytest.mark.parametrize("how", list(EXPECTED))
def test_the_worked_example_in_memory(how):
    result = aggregate_series(WORKED, ["A", "B", "C"], DAYS, TimeAggregation.SUM, how)
    assert result == pytest.approx(EXPECTED[how])


@pytest.fixture
def worked_in_db(db):
    metric = Metric.objects.create(key="logins", name="Logins")
    accounts = {name: Account.objects.create(account_id=f"acc-{name}", name=name) for name in "ABCD"}
    MetricValue.objects.bulk_create(
        MetricValue(metric=metric, account=accounts[name], date=day, value=value)
        for name, days in WORKED.items()
        for day, value in days.items()
    )
    # D is outside the list: its values must not count.
    MetricValue.objects.create(metric=metric, account=accounts["D"], date=D[0], value=1000)
    ids = [accounts[n].pk for n in "ABC"]
    return metric, ("SELECT id FROM accounts_account WHERE id IN (%s, %s, %s)", ids)


@pytest.mark.parametrize("how", list(EXPECTED))
def test_the_worked_example_in_sql(worked_in_db, how):
    metric, account_sql = worked_in_db
    result = aggregate_metric(
        metric_id=metric.pk,
        account_ids_sql=account_sql,
        periods=DAYS,
        time_aggregation=TimeAggregation.SUM,
        account_aggregation=how,
    )
    assert result == pytest.approx(EXPECTED[how])


@pytest.mark.parametrize(
    ("how", "per_account"),
    [
        (TimeAggregation.SUM, {"A": 6, "B": 15, "C": 34}),
        (TimeAggregation.AVERAGE, {"A": 6 / 4, "B": 15 / 4, "C": 34 / 4}),  # sum of daily values / days in period
        (TimeAggregation.MAX, {"A": 3, "B": 6, "C": 11}),
        (TimeAggregation.MIN, {"A": 1, "B": 4, "C": 6}),
        (TimeAggregation.COUNT, {"A": 3, "B": 3, "C": 4}),
        (TimeAggregation.LATEST, {"A": 3, "B": 4, "C": 6}),
    ],
)
def test_time_aggregation_over_a_four_day_period(worked_in_db, how, per_account):
    metric, account_sql = worked_in_db
    period = [Period(D[0], D[3])]
    expected_sum = sum(per_account.values())
    assert aggregate_series(WORKED, "ABC", period, how, AccountAggregation.SUM) == pytest.approx([expected_sum])
    in_sql = aggregate_metric(
        metric_id=metric.pk,
        account_ids_sql=account_sql,
        periods=period,
        time_aggregation=how,
        account_aggregation=AccountAggregation.SUM,
    )
    assert in_sql == pytest.approx([expected_sum])


def test_a_period_without_values_is_empty_but_counts_zero(worked_in_db):
    metric, account_sql = worked_in_db
    empty = [Period(datetime.date(2026, 4, 1), datetime.date(2026, 4, 1))]
    for how, expected in [
        (AccountAggregation.SUM, None),
        (AccountAggregation.AVERAGE, None),
        (AccountAggregation.COUNT, 0),
    ]:
        got = aggregate_metric(
            metric_id=metric.pk,
            account_ids_sql=account_sql,
            periods=empty,
            time_aggregation=TimeAggregation.SUM,
            account_aggregation=how,
        )
        assert got == [expected]
        assert aggregate_series(WORKED, "ABC", empty, TimeAggregation.SUM, how) == [expected]


def test_periods_split_by_week_and_month():
    weeks = periods_between(datetime.date(2026, 3, 4), datetime.date(2026, 3, 20), Frequency.WEEKLY)
    assert [(p.start.day, p.end.day) for p in weeks] == [(4, 8), (9, 15), (16, 20)]
    months = periods_between(datetime.date(2026, 1, 15), datetime.date(2026, 3, 2), Frequency.MONTHLY)
    assert [(p.start, p.end) for p in months] == [
        (datetime.date(2026, 1, 15), datetime.date(2026, 1, 31)),
        (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)),
        (datetime.date(2026, 3, 1), datetime.date(2026, 3, 2)),
    ]
    assert len(periods_between(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31), Frequency.DAILY)) == 31
