"""Built-in metrics computed from the accounts app's tables: scores, tickets and interactions."""

from __future__ import annotations

import datetime

from core.sql import account_tree_cte, date_of, date_param, day_bounds, days_between
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


# Usage and revenue metrics roll up to parent accounts: a parent's value covers itself and all its descendants.


def _rolled_up(select_per_account: str) -> str:
    """Wrap SQL answering (account_id, value) per account so each ancestor gets the sum over its subtree."""
    return (
        f"WITH RECURSIVE {account_tree_cte()}, own AS ({select_per_account}) "
        "SELECT t.ancestor_id AS account_id, SUM(own.value) AS value FROM own "
        "JOIN tree t ON t.account_id = own.account_id GROUP BY t.ancestor_id"
    )


def _usage_column(column: str):
    def sql(day: datetime.date) -> tuple[str, list]:
        own = f"SELECT account_id, {column} AS value FROM usage_accountusagedaily WHERE date = %s"
        return _rolled_up(own), [date_param(day)]

    return sql


LAST_ACTIVITY_DAYS = 365


def _days_since_activity(day: datetime.date) -> tuple[str, list]:
    """Days from the account's last day with product events (its own or a child account's) to the day, looking back
    at most a year: the cost of a day stays the same whatever the history kept, and an account idle for longer has
    no value."""
    last = "MAX(u.date)"
    own = (
        f"SELECT u.account_id AS account_id, {days_between('%s', last)} AS value FROM usage_accountusagedaily u "
        "WHERE u.date > %s AND u.date <= %s AND u.events > 0 GROUP BY u.account_id"
    )
    sql = (
        f"WITH RECURSIVE {account_tree_cte()}, own AS ({own}) "
        "SELECT t.ancestor_id AS account_id, MIN(own.value) AS value FROM own "
        "JOIN tree t ON t.account_id = own.account_id GROUP BY t.ancestor_id"
    )
    since = day - datetime.timedelta(days=LAST_ACTIVITY_DAYS)
    return sql, [date_param(day), date_param(since), date_param(day)]


def _window_start(day: datetime.date, days: int = 30) -> object:
    return date_param(day - datetime.timedelta(days=days - 1))


def _distinct_per_ancestor(pairs: str) -> str:
    """SQL counting, per account and its descendants, the distinct values of `pairs` (SQL answering distinct
    (account_id, item) rows): the pairs are de-duplicated before the tree multiplies them, and counted with a
    hashed DISTINCT rather than COUNT(DISTINCT ...), which sorts."""
    return (
        f"WITH RECURSIVE {account_tree_cte()}, pairs AS ({pairs}) "
        "SELECT ancestor_id AS account_id, COUNT(*) AS value FROM ("
        "SELECT DISTINCT t.ancestor_id, p.item FROM pairs p JOIN tree t ON t.account_id = p.account_id) d "
        "GROUP BY ancestor_id"
    )


def _monthly_active_users(day: datetime.date) -> tuple[str, list]:
    """Distinct users with a session in the 30 days ending on the day, over the account and its descendants."""
    pairs = (
        "SELECT DISTINCT account_id, user_id AS item FROM usage_usagesession "
        "WHERE date >= %s AND date <= %s AND user_id <> ''"
    )
    return _distinct_per_ancestor(pairs), [_window_start(day), date_param(day)]


def _registered_users() -> str:
    return (
        "SELECT l.account_id, COUNT(*) AS users FROM accounts_accountcontact l "
        "JOIN accounts_contact c ON c.id = l.contact_id WHERE c.user_id <> '' GROUP BY l.account_id"
    )


def _stored(key: str, day: datetime.date) -> tuple[str, list]:
    """The values another built-in metric stored for the day (metrics of a later stage build on earlier ones)."""
    return (
        "SELECT v.account_id AS account_id, v.value AS value FROM metrics_metricvalue v "
        "JOIN metrics_metric m ON m.id = v.metric_id WHERE m.key = %s AND v.date = %s",
        [key, date_param(day)],
    )


def _percent_of_registered(active: tuple[str, list]) -> tuple[str, list]:
    sql, params = active
    return (
        f"SELECT act.account_id AS account_id, 100.0 * act.value / reg.users AS value FROM ({sql}) act "
        f"JOIN ({_registered_users()}) reg ON reg.account_id = act.account_id WHERE reg.users > 0",
        params,
    )


def _days_active(day: datetime.date) -> tuple[str, list]:
    pairs = (
        "SELECT account_id, date AS item FROM usage_accountusagedaily WHERE date >= %s AND date <= %s AND events > 0"
    )
    return _distinct_per_ancestor(pairs), [_window_start(day), date_param(day)]


def _session_time_per_user(day: datetime.date) -> tuple[str, list]:
    sql = (
        "SELECT account_id, session_seconds / active_users AS value FROM usage_accountusagedaily "
        "WHERE date = %s AND active_users > 0"
    )
    return sql, [date_param(day)]


def _activity_rank(day: datetime.date) -> tuple[str, list]:
    sql = "SELECT object_id AS account_id, rank AS value FROM usage_activityrank WHERE entity = %s AND date = %s"
    return sql, ["account", date_param(day)]


def _mrr(day: datetime.date) -> tuple[str, list]:
    from revenue.mrr import mrr_sql

    sql, params = mrr_sql(day)
    return _rolled_up(sql), params


def _arr(day: datetime.date) -> tuple[str, list]:
    sql, params = _stored("mrr", day)
    return f"SELECT account_id, value * 12 AS value FROM ({sql}) m", params


def _days_invoice_open(day: datetime.date) -> tuple[str, list]:
    """Days the oldest unpaid invoice (issued by the day, not paid by then) has been open."""
    d = date_param(day)
    sql = (
        f"SELECT i.account_id AS account_id, MAX({days_between('%s', 'i.issued_on')}) AS value "
        "FROM revenue_invoice i WHERE i.issued_on <= %s "
        "AND ((i.paid_on IS NULL AND i.is_paid = %s) OR i.paid_on > %s) GROUP BY i.account_id"
    )
    return sql, [d, d, False, d]


def _percent_dau(day: datetime.date) -> tuple[str, list]:
    return _percent_of_registered(_stored("active_users", day))


def _percent_mau(day: datetime.date) -> tuple[str, list]:
    return _percent_of_registered(_stored("monthly_active_users", day))


U, R = MetricUnit, TimeAggregation
USAGE_AND_REVENUE = [
    BuiltinMetric("events", "Events", _usage_column("events"), U.COUNT, description="Product events that day."),
    BuiltinMetric(
        "active_users",
        "Daily active users",
        _usage_column("active_users"),
        U.COUNT,
        R.AVERAGE,
        description="Distinct users with an event that day.",
    ),
    BuiltinMetric("sessions", "Sessions", _usage_column("sessions"), U.COUNT, description="Sessions that day."),
    BuiltinMetric(
        "session_time",
        "Session time",
        _usage_column("session_seconds"),
        U.SECONDS,
        description="Total session time of all users that day.",
    ),
    BuiltinMetric(
        "monthly_active_users",
        "Monthly active users",
        _monthly_active_users,
        U.COUNT,
        R.LATEST,
        description="Distinct users with a session in the last 30 days.",
    ),
    BuiltinMetric("dau_percent", "DAU % of registered users", _percent_dau, U.PERCENT, R.AVERAGE, stage=20),
    BuiltinMetric("mau_percent", "MAU % of registered users", _percent_mau, U.PERCENT, R.LATEST, stage=20),
    BuiltinMetric("days_active_30", "Days active in the last 30", _days_active, U.DAYS, R.LATEST),
    BuiltinMetric(
        "session_time_per_user",
        "Session time per active user",
        _session_time_per_user,
        U.SECONDS,
        R.AVERAGE,
        description="Average session time per active user that day.",
    ),
    BuiltinMetric(
        "activity_rank",
        "Activity rank",
        _activity_rank,
        U.SCORE,
        R.LATEST,
        description="Percentile of session time over 30 days among active accounts.",
    ),
    BuiltinMetric(
        "days_since_activity",
        "Days since last activity",
        _days_since_activity,
        U.DAYS,
        R.LATEST,
        description="Days from the last day with product events (within the past year) to the day.",
    ),
    BuiltinMetric("mrr", "MRR", _mrr, U.CURRENCY, R.LATEST, description="Monthly recurring revenue (base currency)."),
    BuiltinMetric(
        "arr", "ARR", _arr, U.CURRENCY, R.LATEST, description="Annual recurring revenue (MRR x 12).", stage=20
    ),
    BuiltinMetric(
        "days_invoice_open",
        "Days an invoice has been open",
        _days_invoice_open,
        U.DAYS,
        R.LATEST,
        description="Age of the oldest unpaid invoice.",
    ),
]


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
        *USAGE_AND_REVENUE,
    ]:
        register_builtin(metric)
