"""Property-based check: for random condition trees, the one SQL query returns exactly the accounts that a slow
pure-Python evaluation (tests/segments/reference.py) selects on a small generated data set."""

from __future__ import annotations

import datetime
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metrics.models import MetricValue
from segments.selectors import conditions_queryset
from tests.segments import reference
from tests.segments.conftest import AS_OF

DAY = datetime.timedelta(days=1)
DATES = [AS_OF + offset * DAY for offset in (-200, -90, -45, -31, -30, -14, -7, -2, 0, 1, 15, 60, 90)]
ISO = [d.isoformat() for d in DATES]
FIELDS = {
    "tier": ("picklist", ["Enterprise", "smb"]),
    "industry": ("text", ["Software", "retail", "", "soft", "e"]),
    "csm_score": ("number", [0, 20, 40, 60, 80, 100]),
    "employees": ("number", [10, 100, 1000]),
    "join_date": ("date", ISO),
    "renewal_date": ("date", ISO),
    "dim:region": ("text", ["EU", "us", "apac", "u"]),
    "dim:seats": ("number", [5, 10, 50, 100]),
    "dim:kickoff": ("date", ISO),
    "dim:plan": ("picklist", ["Gold", "silver"]),
}
KINDS = {key: kind for key, (kind, _) in FIELDS.items()} | {"churned_on": "date"}
OPS = {
    "text": ["is", "is_not", "contains", "in", "is_empty", "is_not_empty"],
    "picklist": ["is", "is_not", "in", "is_empty", "is_not_empty"],
    "number": ["is", "is_not", "gt", "lt", "between", "in", "is_empty", "is_not_empty"],
    "date": ["is", "is_not", "gt", "lt", "between", "is_empty", "is_not_empty"],
}
METRICS = ["events", "session_time", "score"]
AGGREGATIONS = [None, "sum", "average", "max", "min", "count", "latest"]
DATE_FIELDS = ["join_date", "renewal_date", "churned_on", "dim:kickoff"]


@st.composite
def attributes(draw):
    key = draw(st.sampled_from(sorted(FIELDS)))
    kind, pool = FIELDS[key]
    op = draw(st.sampled_from(OPS[kind]))
    out = {"type": "attribute", "field": key, "op": op}
    if op == "in":
        out["values"] = draw(st.lists(st.sampled_from([v for v in pool if v != ""]), min_size=1, max_size=3))
    elif op == "between":
        low, high = sorted(
            draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2)), key=str if kind != "number" else float
        )
        out["value"], out["value2"] = low, high
    elif op not in ("is_empty", "is_not_empty"):
        out["value"] = draw(st.sampled_from([v for v in pool if v != ""]))
    return out


@st.composite
def windows(draw, anchors=("join_date", "renewal_date")):
    kind = draw(
        st.sampled_from(
            ["last_days", "next_days", "current_week", "current_month", "range", "after_date", "before_date"]
        )
    )
    out = {"kind": kind}
    if kind in ("last_days", "next_days", "after_date", "before_date"):
        out["days"] = draw(st.sampled_from([1, 3, 7, 14, 30, 60]))
    if kind in ("after_date", "before_date"):
        out["anchor"] = draw(st.sampled_from(anchors))
    if kind == "range":
        start, end = sorted(draw(st.lists(st.sampled_from(DATES), min_size=2, max_size=2)))
        out["start"], out["end"] = start.isoformat(), end.isoformat()
    return out


@st.composite
def metric_conditions(draw):
    kind = draw(st.sampled_from(["metric", "metric", "metric_compare", "metric_trend"]))
    out = {"type": kind, "metric": draw(st.sampled_from(METRICS)), "window": draw(windows())}
    aggregation = draw(st.sampled_from(AGGREGATIONS))
    if aggregation:
        out["aggregation"] = aggregation
    if kind == "metric":
        op = draw(st.sampled_from(["is", "is_not", "gt", "lt", "between", "is_empty", "is_not_empty"]))
        out["op"] = op
        if op not in ("is_empty", "is_not_empty"):
            low, high = sorted(draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 10, 30]), min_size=2, max_size=2)))
            out["value"] = low
            if op == "between":
                out["value2"] = high
        return out
    out["direction"] = draw(st.sampled_from(["below", "above"]))
    out["percent"] = draw(st.sampled_from([0, 10, 30, 50, 100]))
    if kind == "metric_compare":
        out["other"] = draw(st.sampled_from(METRICS))
        other_aggregation = draw(st.sampled_from(AGGREGATIONS))
        if other_aggregation:
            out["other_aggregation"] = other_aggregation
    return out


@st.composite
def date_conditions(draw):
    key = draw(st.sampled_from(DATE_FIELDS))
    op = draw(
        st.sampled_from(
            ["within", "not_within", "more_than_days_ago", "more_than_days_ahead", "is_empty", "is_not_empty"]
        )
    )
    out = {"type": "date", "field": key, "op": op}
    if op in ("within", "not_within"):
        out["window"] = draw(windows(anchors=tuple(a for a in ("join_date", "renewal_date", "churned_on") if a != key)))
    elif op.startswith("more_than"):
        out["days"] = draw(st.sampled_from([0, 7, 30, 90]))
    return out


leaves = st.one_of(attributes(), metric_conditions(), date_conditions())


def groups(children):
    return st.builds(
        lambda match, kids: {"type": "group", "match": match, "children": kids},
        st.sampled_from(["all", "any"]),
        st.lists(children, min_size=0, max_size=3),
    )


trees = st.recursive(leaves, groups, max_leaves=6)


@pytest.fixture
def dataset(make_account, catalogue):
    rng = random.Random(20250618)
    metrics = catalogue["metrics"]
    values = []
    for n in range(16):
        dims = {}
        if rng.random() < 0.7:
            dims["region"] = rng.choice(["EU", "US-East", "APAC", "eu"])
        if rng.random() < 0.7:
            dims["seats"] = str(rng.choice([5, 10, 50, 100, 7]))
        if rng.random() < 0.6:
            dims["kickoff"] = rng.choice(DATES).isoformat()
        if rng.random() < 0.6:
            dims["plan"] = rng.choice(["Gold", "Silver"])
        maybe = lambda p, f: f() if rng.random() < p else None  # noqa: E731
        account = make_account(
            f"Acc {n:02d}",
            dims=dims,
            tier=maybe(0.8, lambda: rng.choice(["Enterprise", "SMB"])),
            industry=rng.choice(["Software", "Retail", "", "Software Tools"]),
            csm_score=maybe(0.8, lambda: rng.choice([0, 20, 40, 60, 80, 100, 55])),
            employees=maybe(0.7, lambda: rng.choice([10, 100, 1000, 250])),
            join_date=maybe(0.85, lambda: AS_OF + rng.randint(-220, 0) * DAY),
            renewal_date=maybe(0.7, lambda: AS_OF + rng.randint(-40, 120) * DAY),
            churned_on=maybe(0.25, lambda: AS_OF + rng.randint(-60, 0) * DAY),
        )
        for key in METRICS:
            density = rng.choice([0.0, 0.1, 0.5, 0.9])
            for ago in range(-10, 130):
                if rng.random() < density:
                    values.append(
                        MetricValue(
                            metric=metrics[key], account=account, date=AS_OF - ago * DAY, value=float(rng.randint(0, 4))
                        )
                    )
    MetricValue.objects.bulk_create(values)
    defaults = {key: metrics[key].time_aggregation for key in METRICS}
    return reference.load(AS_OF), defaults


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "200")),
    deadline=None,
    derandomize=os.environ.get("HYPOTHESIS_RANDOM") is None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(tree=trees)
def test_sql_matches_the_reference_evaluation(dataset, tree):
    rows, defaults = dataset
    root = tree if tree["type"] == "group" else {"type": "group", "match": "all", "children": [tree]}
    document = {"version": 1, "root": root}
    got = set(
        conditions_queryset(user=None, data=document, entity="account", as_of=AS_OF).values_list("name", flat=True)
    )
    assert got == reference.matching(document, rows, AS_OF, KINDS, defaults), document
