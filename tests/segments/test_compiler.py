"""Every operator on every field type, every window, nested groups, reasons and errors, against PostgreSQL."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Contact, CustomDimension
from segments.compiler import AddDays  # noqa: F401  (imported so a rename is caught)
from segments.schema import ConditionError
from segments.selectors import conditions_queryset, reasons_for
from tests.segments.conftest import AS_OF, attr, doc, group, last

D = datetime.date


@pytest.fixture
def world(make_account, put_values):
    a = make_account(
        "Alpha",
        tier="Enterprise",
        stage="Onboarding",
        industry="Software",
        csm_score=80,
        nps=9,
        employees=500,
        join_date=D(2025, 1, 10),
        renewal_date=D(2025, 6, 20),
        dims={"region": "EU", "seats": "10", "kickoff": "2025-05-01", "plan": "Gold"},
    )
    b = make_account(
        "Beta",
        tier="SMB",
        stage="Established",
        industry="Retail",
        csm_score=40,
        nps=3,
        employees=20,
        join_date=D(2025, 6, 10),
        renewal_date=D(2025, 9, 15),
        churned_on=D(2025, 6, 12),
        dims={"region": "US-East", "seats": "200", "plan": "Silver"},
    )
    c = make_account("Gamma", join_date=None)
    put_values(a, "events", {0: 5, 3: 4, 20: 100})
    put_values(b, "events", {5: 1})
    put_values(a, "session_time", {0: 100, 40: 100})
    put_values(a, "reporting_time", {1: 50})
    put_values(b, "session_time", {0: 200, 35: 100})
    put_values(a, "score", {2: 7, 10: 3})
    return {"Alpha": a, "Beta": b, "Gamma": c}


def names(data: dict, entity: str = "account", as_of: datetime.date = AS_OF) -> set[str]:
    return set(conditions_queryset(user=None, data=data, entity=entity, as_of=as_of).values_list("name", flat=True))


ATTRIBUTE_CASES = [
    # text
    ("industry", "is", {"value": "software"}, {"Alpha"}),
    ("industry", "is_not", {"value": "Software"}, {"Beta", "Gamma"}),
    ("industry", "contains", {"value": "TAI"}, {"Beta"}),
    ("industry", "in", {"values": ["retail", "nothing"]}, {"Beta"}),
    ("industry", "is_empty", {}, {"Gamma"}),
    ("industry", "is_not_empty", {}, {"Alpha", "Beta"}),
    # picklist (built-in)
    ("tier", "is", {"value": "enterprise"}, {"Alpha"}),
    ("tier", "is_not", {"value": "Enterprise"}, {"Beta", "Gamma"}),
    ("tier", "in", {"values": ["Enterprise", "SMB"]}, {"Alpha", "Beta"}),
    ("tier", "is_empty", {}, {"Gamma"}),
    ("stage", "is_not_empty", {}, {"Alpha", "Beta"}),
    # number
    ("csm_score", "is", {"value": 80}, {"Alpha"}),
    ("csm_score", "is_not", {"value": "80"}, {"Beta", "Gamma"}),
    ("csm_score", "gt", {"value": 50}, {"Alpha"}),
    ("nps", "lt", {"value": 5}, {"Beta"}),
    ("employees", "between", {"value": 20, "value2": 500}, {"Alpha", "Beta"}),
    ("csm_score", "in", {"values": [40, 1]}, {"Beta"}),
    ("employees", "is_empty", {}, {"Gamma"}),
    ("employees", "is_not_empty", {}, {"Alpha", "Beta"}),
    # date
    ("join_date", "is", {"value": "2025-01-10"}, {"Alpha"}),
    ("join_date", "is_not", {"value": "2025-01-10"}, {"Beta", "Gamma"}),
    ("join_date", "gt", {"value": "2025-02-01"}, {"Beta"}),
    ("join_date", "lt", {"value": "2025-02-01"}, {"Alpha"}),
    ("renewal_date", "between", {"value": "2025-06-01", "value2": "2025-06-30"}, {"Alpha"}),
    ("churned_on", "is_empty", {}, {"Alpha", "Gamma"}),
    ("churned_on", "is_not_empty", {}, {"Beta"}),
    # custom dimensions of each type
    ("dim:region", "is", {"value": "eu"}, {"Alpha"}),
    ("dim:region", "is_not", {"value": "EU"}, {"Beta", "Gamma"}),
    ("dim:region", "contains", {"value": "east"}, {"Beta"}),
    ("dim:region", "in", {"values": ["us-east", "APAC"]}, {"Beta"}),
    ("dim:region", "is_empty", {}, {"Gamma"}),
    ("dim:region", "is_not_empty", {}, {"Alpha", "Beta"}),
    ("dim:seats", "is", {"value": 10}, {"Alpha"}),
    ("dim:seats", "is_not", {"value": 10}, {"Beta", "Gamma"}),
    ("dim:seats", "gt", {"value": 50}, {"Beta"}),
    ("dim:seats", "lt", {"value": 50}, {"Alpha"}),
    ("dim:seats", "between", {"value": 5, "value2": 200}, {"Alpha", "Beta"}),
    ("dim:seats", "in", {"values": ["200"]}, {"Beta"}),
    ("dim:seats", "is_empty", {}, {"Gamma"}),
    ("dim:kickoff", "is", {"value": "2025-05-01"}, {"Alpha"}),
    ("dim:kickoff", "gt", {"value": "2025-04-01"}, {"Alpha"}),
    ("dim:kickoff", "lt", {"value": "2025-04-01"}, set()),
    ("dim:kickoff", "between", {"value": "2025-01-01", "value2": "2025-12-31"}, {"Alpha"}),
    ("dim:kickoff", "is_empty", {}, {"Beta", "Gamma"}),
    ("dim:plan", "is", {"value": "gold"}, {"Alpha"}),
    ("dim:plan", "is_not", {"value": "Gold"}, {"Beta", "Gamma"}),
    ("dim:plan", "in", {"values": ["Silver"]}, {"Beta"}),
    ("dim:plan", "is_not_empty", {}, {"Alpha", "Beta"}),
]


@pytest.mark.parametrize(("field", "op", "parts", "expected"), ATTRIBUTE_CASES)
def test_it_matches_attribute_operators(world, field, op, parts, expected):
    assert names(doc(attr(field, op, **parts))) == expected


def metric(key: str, op: str, window: dict, value=None, value2=None, aggregation=None) -> dict:
    out = {"type": "metric", "metric": key, "window": window, "op": op}
    if aggregation:
        out["aggregation"] = aggregation
    if value is not None:
        out["value"] = value
    if value2 is not None:
        out["value2"] = value2
    return out


@pytest.mark.parametrize(
    ("op", "value", "value2", "expected"),
    [
        ("is", 0, None, {"Gamma"}),
        ("is_not", 0, None, {"Alpha", "Beta"}),
        ("gt", 5, None, {"Alpha"}),
        ("lt", 5, None, {"Beta", "Gamma"}),
        ("between", 1, 9, {"Alpha", "Beta"}),
        ("is_empty", None, None, {"Gamma"}),
        ("is_not_empty", None, None, {"Alpha", "Beta"}),
    ],
)
def test_it_compares_a_metric_over_a_window(world, op, value, value2, expected):
    assert names(doc(metric("events", op, last(7), value, value2))) == expected


@pytest.mark.parametrize(
    ("aggregation", "op", "value", "expected"),
    [
        ("sum", "is", 109, {"Alpha"}),
        ("average", "gt", 3.6, {"Alpha"}),
        ("average", "lt", 0.1, {"Beta", "Gamma"}),
        ("max", "is", 100, {"Alpha"}),
        ("max", "lt", 1000, {"Alpha", "Beta"}),  # no value in the window: no max, so Gamma does not match
        ("min", "is", 4, {"Alpha"}),
        ("count", "is", 3, {"Alpha"}),
        ("count", "is", 0, {"Gamma"}),
        ("latest", "is", 5, {"Alpha"}),
        ("latest", "is_not", 5, {"Beta", "Gamma"}),
    ],
)
def test_it_aggregates_a_metric_over_time(world, aggregation, op, value, expected):
    assert names(doc(metric("events", op, last(30), value, aggregation=aggregation))) == expected


def test_it_defaults_to_the_metrics_own_time_aggregation(world):
    # score aggregates by latest: 7 two days ago, not 3 ten days ago, nor their sum.
    assert names(doc(metric("score", "is", last(30), 7))) == {"Alpha"}


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (last(2), {"Alpha"}),
        (last(7), {"Alpha", "Beta"}),
        ({"kind": "current_week"}, {"Alpha"}),
        ({"kind": "current_month"}, {"Alpha", "Beta"}),
        ({"kind": "range", "start": "2025-05-25", "end": "2025-05-31"}, {"Alpha"}),
        ({"kind": "after_date", "anchor": "join_date", "days": 5}, {"Beta"}),
        ({"kind": "before_date", "anchor": "renewal_date", "days": 10}, {"Alpha"}),
        ({"kind": "next_days", "days": 30}, {"Alpha"}),
    ],
)
def test_it_reads_metrics_over_every_window(world, window, expected):
    assert names(doc(metric("events", "gt", window, 0, aggregation="sum"))) == expected


def test_an_account_without_the_anchor_date_matches_no_per_account_window(world):
    window = {"kind": "after_date", "anchor": "join_date", "days": 5}
    assert "Gamma" not in names(doc(metric("events", "is", window, 0)))


def test_it_compares_a_metric_to_another_metric(world):
    compare = {
        "type": "metric_compare",
        "metric": "reporting_time",
        "aggregation": "sum",
        "other": "session_time",
        "window": last(30),
        "direction": "below",
        "percent": 30,
    }
    # Alpha: 50 vs 100; Beta: no reporting time (a sum of nothing is 0) vs 200. Gamma has no base.
    assert names(doc(compare)) == {"Alpha", "Beta"}
    assert names(doc({**compare, "percent": 60})) == {"Beta"}  # Beta: 0 <= 200 x 0.4; Alpha 50 > 40
    assert names(doc({**compare, "direction": "above", "percent": 0})) == set()


def test_it_compares_a_metric_to_itself_over_time(world):
    trend = {"type": "metric_trend", "metric": "session_time", "window": last(30), "direction": "above", "percent": 50}
    # Beta: 200 in the last 30 days vs 100 in the 30 before (+100 %); Alpha: 100 vs 100.
    assert names(doc(trend)) == {"Beta"}
    assert names(doc({**trend, "percent": 100})) == {"Beta"}
    assert names(doc({**trend, "percent": 101})) == set()
    assert names(doc({**trend, "direction": "below", "percent": 0})) == {"Alpha"}
    # No earlier value: no base to compare to, so Gamma never matches.
    assert "Gamma" not in names(doc({**trend, "direction": "below", "percent": 0}))


def date_cond(field: str, op: str, window: dict | None = None, days: int | None = None) -> dict:
    out = {"type": "date", "field": field, "op": op}
    if window:
        out["window"] = window
    if days is not None:
        out["days"] = days
    return out


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (date_cond("renewal_date", "within", {"kind": "next_days", "days": 5}), {"Alpha"}),
        (date_cond("renewal_date", "within", {"kind": "next_days", "days": 89}), {"Alpha", "Beta"}),
        (date_cond("renewal_date", "within", {"kind": "next_days", "days": 88}), {"Alpha"}),
        (date_cond("join_date", "within", last(10)), {"Beta"}),
        (date_cond("join_date", "within", last(8)), set()),
        (date_cond("churned_on", "within", {"kind": "current_week"}), set()),
        (date_cond("churned_on", "within", {"kind": "current_month"}), {"Beta"}),
        (date_cond("churned_on", "within", {"kind": "range", "start": "2025-06-12", "end": "2025-06-12"}), {"Beta"}),
        (date_cond("churned_on", "within", {"kind": "after_date", "anchor": "join_date", "days": 3}), {"Beta"}),
        (date_cond("churned_on", "within", {"kind": "after_date", "anchor": "join_date", "days": 2}), set()),
        (date_cond("dim:kickoff", "within", {"kind": "before_date", "anchor": "renewal_date", "days": 60}), {"Alpha"}),
        (date_cond("join_date", "not_within", last(10)), {"Alpha"}),
        (date_cond("join_date", "more_than_days_ago", days=60), {"Alpha"}),
        (date_cond("join_date", "more_than_days_ago", days=8), {"Alpha"}),
        (date_cond("join_date", "more_than_days_ago", days=7), {"Alpha", "Beta"}),
        (date_cond("renewal_date", "more_than_days_ahead", days=30), {"Beta"}),
        (date_cond("churned_on", "is_empty"), {"Alpha", "Gamma"}),
        (date_cond("dim:kickoff", "is_not_empty"), {"Alpha"}),
        (date_cond("dim:kickoff", "is_empty"), {"Beta", "Gamma"}),
    ],
)
def test_it_finds_dates_that_occurred(world, condition, expected):
    assert names(doc(condition)) == expected


def test_it_nests_and_or_groups(world):
    tree = doc(
        group(attr("tier", "is", "Enterprise"), metric("events", "gt", last(7), 5)),
        attr("industry", "is", "Retail"),
        match="any",
    )
    assert names(tree) == {"Alpha", "Beta"}
    deeper = doc(tree["root"], attr("dim:plan", "is", "Silver"))
    assert names(deeper) == {"Beta"}


def test_no_conditions_match_every_live_account(world):
    assert names(doc()) == {"Alpha", "Beta", "Gamma"}
    world["Gamma"].is_deleted = True
    world["Gamma"].save()
    assert names(doc()) == {"Alpha", "Beta"}


def test_an_empty_result_is_an_empty_queryset(world):
    assert names(doc(attr("tier", "is", "Enterprise"), attr("tier", "is", "SMB"))) == set()


def test_it_is_deterministic_with_as_of(world):
    assert names(doc(date_cond("join_date", "within", last(10))), as_of=D(2025, 6, 30)) == set()
    assert names(doc(metric("events", "gt", last(1), 0)), as_of=AS_OF - datetime.timedelta(days=5)) == {"Beta"}


def test_it_explains_why_an_account_matches(world):
    conditions = doc(
        attr("tier", "is", "Enterprise"),
        metric("events", "gt", last(7), 5, aggregation="sum"),
        group(attr("industry", "is", "Retail"), attr("dim:seats", "lt", 50), match="any"),
        {"type": "metric_trend", "metric": "session_time", "window": last(30), "direction": "below", "percent": 0},
        date_cond("renewal_date", "within", {"kind": "next_days", "days": 30}),
    )
    reasons = reasons_for(conditions, world["Alpha"], AS_OF)
    assert reasons == [
        "Tier is Enterprise: Enterprise",
        "Events (sum, last 7 days) > 5: 9",
        "Seats < 50: 10",
        "Session time (last 30 days) at least 0 % below the window before: 100 vs 100 for the 30 days before (+0 %)",
        "Renewal date is within next 30 days: 2025-06-20",
    ]
    assert reasons_for(conditions, world["Beta"], AS_OF) == []


def test_reasons_show_a_metric_compared_to_another(world):
    compare = {
        "type": "metric_compare",
        "metric": "reporting_time",
        "other": "session_time",
        "window": last(30),
        "direction": "below",
        "percent": 30,
    }
    [reason] = reasons_for(doc(compare), world["Alpha"].pk, AS_OF)
    assert "50 vs 100 for Session time (-50 %)" in reason


# Contacts -----------------------------------------------------------------------------------------------------------


def test_contact_lists_filter_contact_fields_and_dimensions(world, catalogue):
    alpha, beta = world["Alpha"], world["Beta"]
    recent = Contact.objects.create(
        name="Ria",
        email="ria@x.example",
        title="CTO",
        last_seen=datetime.datetime(2025, 6, 17, 23, 30, tzinfo=datetime.UTC),
    )
    old = Contact.objects.create(name="Olu", email="olu@x.example", email_opt_out=True)
    recent.accounts.add(alpha)
    old.accounts.add(beta)
    row = recent.dimension_values.model(contact=recent, dimension=catalogue["dims"]["persona"])
    row.set_value("Champion")
    row.save()
    assert names(doc(date_cond("last_seen", "within", last(2))), "contact") == {"Ria"}
    assert names(doc(attr("last_seen", "is", "2025-06-17")), "contact") == {"Ria"}
    assert names(doc(attr("email_opt_out", "is", True)), "contact") == {"Olu"}
    assert names(doc(attr("email_opt_out", "is_not", "yes")), "contact") == {"Ria"}
    assert names(doc(attr("dim:persona", "is", "champion")), "contact") == {"Ria"}
    assert names(doc(attr("title", "is_empty")), "contact") == {"Olu"}


# Errors ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "field", "words"),
    [
        (attr("nope", "is", "x"), "root.children.0.field", "unknown field"),
        (attr("csm_score", "contains", "8"), "root.children.0.op", "does not fit a number field"),
        (attr("join_date", "is", "2025-02-30"), "root.children.0.value", "is not a date"),
        (attr("csm_score", "gt", "lots"), "root.children.0.value", "is not a number"),
        (attr("csm_score", "between", 50, 10), "root.children.0.value2", "upper bound"),
        (attr("tier", "is", "Platinum"), "root.children.0.value", "is not one of"),
        (attr("tier", "in", values=[]), "root.children.0.values", "at least one"),
        (attr("industry", "is"), "root.children.0.value", "a value is needed"),
        (attr("dim:gone", "is", "x"), "root.children.0.field", "custom dimension “gone” does not exist"),
        (metric("nope", "gt", last(7), 1), "root.children.0.metric", "does not exist"),
        (metric("events", "contains", last(7), 1), "root.children.0.op", "not an operator"),
        (metric("events", "gt", last(7)), "root.children.0.value", "a number is needed"),
        (metric("events", "gt", {"kind": "last_days"}, 1), "root.children.0.window", "needs a number of days"),
        (
            metric("events", "gt", {"kind": "range", "start": "2025-01-02", "end": "2025-01-01"}, 1),
            "root.children.0.window",
            "starts after",
        ),
        (
            metric("events", "gt", {"kind": "after_date", "anchor": "name", "days": 3}, 1),
            "root.children.0.window.anchor",
            "can count from",
        ),
        (date_cond("industry", "within", last(3)), "root.children.0.field", "is not a date"),
        (date_cond("join_date", "within"), "root.children.0", "needs a window"),
        ({"type": "weird"}, "root.children.0", "does not match"),
        (
            {"type": "attribute", "field": "tier", "op": "is", "value": "SMB", "sql": "1=1"},
            "root.children.0.sql",
            "Extra inputs",
        ),
    ],
)
def test_invalid_conditions_name_the_field(world, condition, field, words):
    with pytest.raises(ConditionError) as caught:
        names(doc(condition))
    assert caught.value.field == field
    assert words in caught.value.message


def test_a_deleted_metric_is_reported(world, catalogue):
    events = catalogue["metrics"]["events"]
    events.deleted_at = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)
    events.save()
    with pytest.raises(ConditionError, match="was deleted"):
        names(doc(metric("events", "gt", last(7), 1)))


def test_a_deleted_dimension_is_reported(world):
    CustomDimension.objects.filter(key="region").delete()
    with pytest.raises(ConditionError, match="does not exist"):
        names(doc(attr("dim:region", "is", "EU")))


def test_metric_conditions_are_for_account_lists(world):
    with pytest.raises(ConditionError, match="account lists only"):
        names(doc(metric("events", "gt", last(7), 1)), "contact")


@pytest.mark.parametrize(
    "body", ['{"version": 1, "root": ', '{"version": 2}', "[1, 2]", '{"root": {"type": "group", "children": 5}}']
)
def test_tampered_documents_are_refused(body):
    from segments.schema import parse

    with pytest.raises(ConditionError):
        parse(body)


def test_groups_nest_only_so_deep(world):
    tree = attr("tier", "is", "SMB")
    for _ in range(5):
        tree = group(tree)
    with pytest.raises(ConditionError, match="nest at most"):
        names(doc(tree))
