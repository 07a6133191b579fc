"""The values a list's metric columns show (SPEC 6): custom -> latest, counts -> 30-day sum, computed and built-in
"latest" metrics -> their value on the newest day the pipeline computed."""

from __future__ import annotations

import pytest

from accounts.models import Account
from metrics.models import Metric, MetricKind, MetricUnit, TimeAggregation
from segments.columns import annotate_columns, chosen_columns
from segments.fields import Entity, catalogue_load
from tests.segments.conftest import AS_OF


@pytest.fixture
def mrr(catalogue):
    metric = Metric.objects.create(
        key="mrr",
        name="MRR",
        kind=MetricKind.BUILTIN,
        unit=MetricUnit.CURRENCY,
        time_aggregation=TimeAggregation.LATEST,
    )
    catalogue["metrics"]["mrr"] = metric
    return metric


def column_values(keys: list[str]) -> tuple[list[str], dict[str, list]]:
    columns, missing = chosen_columns(keys, catalogue_load(entity=Entity.ACCOUNT), AS_OF)
    assert not missing
    rows = annotate_columns(Account.objects.all(), columns, entity=Entity.ACCOUNT, as_of=AS_OF)
    aliases = [column.alias for column in columns]
    return [column.label for column in columns], {
        row["name"]: [row[alias] for alias in aliases] for row in rows.values("name", *aliases)
    }


def test_it_shows_the_value_of_the_newest_computed_day_for_builtin_latest_and_computed_metrics(
    make_account, put_values, mrr
):
    paying = make_account("Paying")
    ended = make_account("Ended")
    put_values(paying, "mrr", {1: 500, 2: 450})  # the pipeline has not computed today (AS_OF) yet
    put_values(ended, "mrr", {20: 300})  # the subscription ended 19 days ago: no MRR since
    put_values(paying, "ratio", {0: 2.5, 1: 9})
    put_values(ended, "ratio", {1: 4})
    labels, values = column_values(["metric:mrr", "metric:ratio"])
    assert labels == ["MRR (last day)", "Ratio (last day)"]
    assert values == {"Paying": [500, 2.5], "Ended": [None, None]}


def test_it_shows_a_custom_metrics_latest_value_however_old_and_a_counts_30_day_sum(make_account, put_values):
    alpha = make_account("Alpha")
    beta = make_account("Beta")
    put_values(alpha, "score", {40: 7})
    put_values(beta, "score", {3: 2, 1: 6})
    put_values(alpha, "events", {0: 5, 29: 4, 30: 100})
    labels, values = column_values(["metric:score", "metric:events"])
    assert labels == ["Score (latest)", "Events (sum, last 30 days)"]
    assert values == {"Alpha": [7, 9], "Beta": [6, 0]}


def test_the_result_table_shows_metrics_in_their_unit(make_account, put_values, mrr):
    account = make_account("Alpha")
    put_values(account, "session_time", {0: 400, 3: 215.75})
    put_values(account, "events", {0: 1200})
    put_values(account, "mrr", {0: 1885.4})
    put_values(account, "ratio", {0: 2.456})
    columns, _ = chosen_columns(
        ["metric:session_time", "metric:events", "metric:mrr", "metric:ratio", "field:name"],
        catalogue_load(entity=Entity.ACCOUNT),
        AS_OF,
    )
    row = annotate_columns(Account.objects.all(), columns, entity=Entity.ACCOUNT, as_of=AS_OF).get()
    shown = [column.display(getattr(row, column.alias)) for column in columns]
    assert shown == ["10 min", "1,200", "1,885", "2.46", "Alpha"]
