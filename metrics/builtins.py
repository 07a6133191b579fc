"""Built-in metrics computed from the accounts app's tables: scores, tickets and interactions."""

from __future__ import annotations

import datetime

from core.sql import date_of, date_param, day_bounds, days_between
from metrics.models import MetricUnit, TimeAggregation
from metrics.registry import BuiltinMetric, register_builtin

LIVE = "a.is_deleted = %s"


def _csm_score(day: datetime.date) -> tuple[str, list]:
    return (
        "SELECT a.id AS account_id, a.csm_score AS value FROM accounts_account a "
        f"WHERE {LIVE} AND a.csm_score IS NOT NULL",
        [False],
    )


def _nps(day: datetime.date) -> tuple[str, list]:
    return f"SELECT a.id AS account_id, a.nps AS value FROM accounts_account a WHERE {LIVE} AND a.nps IS NOT NULL", [
        False
    ]


def _open_tickets(day: datetime.date) -> tuple[str, list]:
    """Tickets opened before the day ended and not closed by then."""
    _, end = day_bounds(day)
    sql = (
        "SELECT t.account_id AS account_id, COUNT(*) AS value FROM accounts_supportticket t "
        "JOIN accounts_account a ON a.id = t.account_id "
        "LEFT JOIN accounts_ticketoption s ON s.id = t.status_id "
        f"WHERE {LIVE} AND t.opened_at < %s AND ("
        "(t.closed_at IS NULL AND (s.id IS NULL OR s.is_closed = %s)) OR t.closed_at >= %s) "
        "GROUP BY t.account_id"
    )
    return sql, [False, end, False, end]


def _tickets_created(day: datetime.date) -> tuple[str, list]:
    start, end = day_bounds(day)
    sql = (
        "SELECT t.account_id AS account_id, COUNT(*) AS value FROM accounts_supportticket t "
        "JOIN accounts_account a ON a.id = t.account_id "
        f"WHERE {LIVE} AND t.opened_at >= %s AND t.opened_at < %s GROUP BY t.account_id"
    )
    return sql, [False, start, end]


def _interactions(day: datetime.date) -> tuple[str, list]:
    start, end = day_bounds(day)
    sql = (
        "SELECT i.account_id AS account_id, COUNT(*) AS value FROM accounts_interaction i "
        "JOIN accounts_account a ON a.id = i.account_id "
        f"WHERE {LIVE} AND i.date >= %s AND i.date < %s GROUP BY i.account_id"
    )
    return sql, [False, start, end]


def _days_since_touchpoint(day: datetime.date) -> tuple[str, list]:
    _, end = day_bounds(day)
    last = f"MAX({date_of('i.date')})"
    sql = (
        f"SELECT i.account_id AS account_id, {days_between('%s', last)} AS value FROM accounts_interaction i "
        f"JOIN accounts_account a ON a.id = i.account_id WHERE {LIVE} AND i.date < %s GROUP BY i.account_id"
    )
    return sql, [date_param(day), False, end]


def register() -> None:
    for metric in [
        BuiltinMetric(
            "csm_score",
            "CSM score",
            _csm_score,
            MetricUnit.SCORE,
            TimeAggregation.LATEST,
            description="The CSM's own 0-100 rating of the account.",
        ),
        BuiltinMetric(
            "nps",
            "NPS",
            _nps,
            MetricUnit.SCORE,
            TimeAggregation.LATEST,
            description="The account's current net promoter score.",
        ),
        BuiltinMetric(
            "open_tickets",
            "Open tickets",
            _open_tickets,
            MetricUnit.COUNT,
            TimeAggregation.LATEST,
            description="Support tickets open at the end of the day.",
        ),
        BuiltinMetric(
            "tickets_created",
            "Tickets created",
            _tickets_created,
            MetricUnit.COUNT,
            description="Support tickets opened that day.",
        ),
        BuiltinMetric(
            "interactions",
            "Interactions",
            _interactions,
            MetricUnit.COUNT,
            description="Calls, meetings, emails and other interactions logged that day.",
        ),
        BuiltinMetric(
            "days_since_touchpoint",
            "Days since last interaction",
            _days_since_touchpoint,
            MetricUnit.DAYS,
            TimeAggregation.LATEST,
            description="Days from the last interaction to the day.",
        ),
    ]:
        register_builtin(metric)
