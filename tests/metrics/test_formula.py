from decimal import Decimal

import pytest

from metrics.formula import FormulaError, evaluate, metric_keys, parse, to_sql, validate

KNOWN = ["active_users", "session_time", "mrr", "module.reporting.time", "Reporting time"]


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("1 + 2 * 3", {}, Decimal(7)),
        ("(1 + 2) * 3", {}, Decimal(9)),
        ("10 / 4", {}, Decimal("2.5")),
        ("-3 - -2", {}, Decimal(-1)),
        ("2 * -(3 + 1)", {}, Decimal(-8)),
        ("8 / 2 / 2", {}, Decimal(2)),
        ("10 - 4 - 3", {}, Decimal(3)),
        ("session_time / active_users", {"session_time": 3600, "active_users": 4}, Decimal(900)),
        ("[Reporting time] * 100 / session_time", {"Reporting time": 30, "session_time": 60}, Decimal(50)),
        ("module.reporting.time + .5", {"module.reporting.time": 1}, Decimal("1.5")),
    ],
)
def test_it_evaluates_arithmetic_with_precedence(source, values, expected):
    assert evaluate(parse(source), values) == expected


def test_a_division_by_a_zero_value_gives_no_value():
    assert evaluate(parse("mrr / active_users"), {"mrr": 100, "active_users": 0}) is None


def test_a_missing_value_gives_no_value():
    assert evaluate(parse("mrr + 1"), {}) is None


def test_it_lists_referenced_metrics_once():
    assert metric_keys(parse("mrr / active_users + mrr * [Reporting time]")) == [
        "mrr",
        "active_users",
        "Reporting time",
    ]


@pytest.mark.parametrize(
    ("source", "message", "position"),
    [
        ("", "The formula is empty.", None),
        ("1 +", "ends too early", 3),
        ("(mrr + 1", "“(” is not closed", 0),
        ("mrr active_users", "operator is missing", 4),
        ("mrr * * 2", "Unexpected “*”", 6),
        ("mrr # 2", "Unexpected character “#”", 4),
        ("mrr + 2)", "Unexpected “)”", 7),
        ("churn_rate * 2", "Unknown metric “churn_rate”", 0),
        ("mrr / 0", "Division by zero", 4),
        ("mrr / (2 - 2)", "Division by zero", 4),
        ("mrr / (1 / 0)", "Division by zero", 9),
        ("my_metric + 1", "cannot refer to itself", 0),
    ],
)
def test_it_explains_what_is_wrong(source, message, position):
    with pytest.raises(FormulaError) as error:
        validate(source, [*KNOWN, "my_metric"], self_key="my_metric")
    assert message in error.value.message
    assert error.value.position == position
    if position is not None:
        assert f"at character {position + 1}" in str(error.value)


def test_it_refuses_overlong_or_deeply_nested_formulas():
    with pytest.raises(FormulaError, match="longer than"):
        parse("1+" * 300 + "1")
    with pytest.raises(FormulaError, match="nested too deeply"):
        parse("(" * 60 + "1" + ")" * 60)


def test_it_never_evaluates_python():
    with pytest.raises(FormulaError):
        parse("__import__('os').system('true')")


def test_it_compiles_to_sql_with_nullif_for_division(db):
    from django.db import connection

    node = parse("(a + 2) / b")
    sql, params = to_sql(node, lambda key: {"a": "x.a", "b": "x.b"}[key])
    assert "NULLIF(x.b, 0)" in sql
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql} FROM (SELECT 4 AS a, 3 AS b UNION ALL SELECT 1, 0) x ORDER BY a DESC", params)
        assert [row[0] for row in cursor.fetchall()] == [Decimal(2), None]
