"""Sessions and daily roll-ups of raw events, and activity ranks: the usage steps of the data pipeline.

Every function takes one UTC day, replaces that day's rows set-based (DELETE + INSERT ... SELECT) and is therefore
idempotent; the hourly run recomputes today so far, the daily run closes yesterday. Identify calls are data about
accounts and contacts, not usage, so they count neither as events nor towards sessions.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from core import partitions
from core.sql import (
    date_param,
    day_bounds,
    days_between,
    epoch,
    greatest,
    statistics_refresh,
    statistics_refresh_if_stale,
)
from usage.retention import events_day_check

SESSION_GAP_SECONDS = 30 * 60
RANK_WINDOW_DAYS = 30
USAGE_ACTIONS = ("sessionSync", "moduleEnd", "feature")

# Temporary tables (not WAL-logged) the steps stage their intermediate results in.
DAY_EVENTS = "usage_day_events"
DAY_SESSIONS = "usage_day_sessions"
DAY_RANKS = "usage_day_ranks"
RANK_SUMS = "usage_rank_sums"
RANK_MISSING = "usage_rank_missing"
# Trend sums: x is the day number from X_ORIGIN, y the rank in thousandths, so every sum is an exact integer.
X_ORIGIN = datetime.date(2000, 1, 1)
Y_SCALE = 1000


def _load_day_events(as_of: datetime.date) -> int:
    """Read the day's usage events once into a temporary table, resolved to live accounts and to contacts, so the
    session and roll-up queries that follow never go back to the (large) events table."""
    start, end = day_bounds(as_of)
    # The day's month of events has its partition (events received before it existed are moved into it), so the
    # read below scans that month only. Its BRIN index on occurred_at narrows the scan to the day's page ranges
    # once they are summarized; autovacuum summarizes new ones eventually, this makes sure the newest are.
    partitions.partition_ensure("usage_event", as_of)
    partitions.brin_summarize("usage_event", as_of)
    actions = ", ".join(["%s"] * len(USAGE_ACTIONS))
    _run(f"DROP TABLE IF EXISTS {DAY_EVENTS}", [])
    loaded = _run(
        f"CREATE TEMPORARY TABLE {DAY_EVENTS} AS "
        "SELECT a.id AS account_pk, c.id AS contact_pk, e.user_id, e.session_id, e.action, e.module, e.feature, "
        f"e.quantity, e.duration_ms, e.occurred_at, {epoch('e.occurred_at')} AS ts "
        "FROM usage_event e JOIN accounts_account a ON a.account_id = e.account_id AND a.is_deleted = FALSE "
        "LEFT JOIN accounts_contact c ON c.user_id = e.user_id AND c.user_id <> '' AND e.user_id <> '' "
        f"WHERE e.occurred_at >= %s AND e.occurred_at < %s AND e.action IN ({actions})",
        [start, end, *USAGE_ACTIONS],
    )
    statistics_refresh(DAY_EVENTS)
    return loaded


def _run(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _delete_day(table: str, day: datetime.date) -> None:
    """Delete `table`'s rows of `day`, in the partition of its month (created first if it does not exist yet)."""
    partitions.partition_ensure(table, day)
    _run(f"DELETE FROM {table} WHERE date = %s", [date_param(day)])


def _sessions(as_of: datetime.date) -> int:
    """The day's sessions, built in a temporary table (with the contact each belongs to) that the roll-ups read,
    then stored (in the partition of the day's month, created first if it does not exist yet)."""
    partitions.partition_ensure("usage_usagesession", as_of)
    _delete_day("usage_usagesession", as_of)
    span_or_module_time = greatest(
        "MAX(k.ts) - MIN(k.ts)", "COALESCE(SUM(CASE WHEN k.action = 'moduleEnd' THEN k.duration_ms END), 0) / 1000.0"
    )
    _run(f"DROP TABLE IF EXISTS {DAY_SESSIONS}", [])
    _run(
        f"""
        CREATE TEMPORARY TABLE {DAY_SESSIONS} AS
        WITH gapped AS (
            SELECT ev.*, CASE WHEN ev.session_id <> '' THEN 0
                WHEN LAG(ev.ts) OVER w IS NULL OR ev.ts - LAG(ev.ts) OVER w >= %s THEN 1 ELSE 0 END AS is_new
            FROM {DAY_EVENTS} ev WINDOW w AS (PARTITION BY ev.account_pk, ev.user_id, ev.session_id ORDER BY ev.ts)
        ),
        keyed AS (
            SELECT gapped.*, CASE WHEN session_id <> '' THEN 'c:' || session_id ELSE 'g:' || CAST(SUM(is_new) OVER (
                PARTITION BY account_pk, user_id, session_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS VARCHAR(20))
                END AS session_key
            FROM gapped
        )
        SELECT k.account_pk, MAX(k.contact_pk) AS contact_pk, k.user_id, k.session_key,
            MIN(k.occurred_at) AS started_at, MAX(k.occurred_at) AS ended_at,
            COALESCE(MAX(CASE WHEN k.action = 'sessionSync' THEN k.duration_ms END) / 1000.0, {span_or_module_time})
                AS seconds,
            COUNT(*) AS events
        FROM keyed k GROUP BY k.account_pk, k.user_id, k.session_key
        """,
        [SESSION_GAP_SECONDS],
    )
    statistics_refresh(DAY_SESSIONS)
    return _run(
        "INSERT INTO usage_usagesession "
        "(account_id, contact_id, user_id, date, session_key, started_at, ended_at, seconds, events) "
        "SELECT account_pk, contact_pk, user_id, %s, session_key, started_at, ended_at, seconds, events "
        f"FROM {DAY_SESSIONS}",
        [date_param(as_of)],
    )


def _rollups(as_of: datetime.date) -> dict[str, int]:
    day = date_param(as_of)
    for table in ("accountusagedaily", "contactusagedaily", "moduleusagedaily", "featureusagedaily"):
        _delete_day(f"usage_{table}", as_of)
    counts = {}
    counts["accounts"] = _run(
        f"""
        WITH per_account AS (
            SELECT account_pk, COUNT(*) AS events, COUNT(DISTINCT NULLIF(user_id, '')) AS users
            FROM {DAY_EVENTS} GROUP BY account_pk
        ),
        per_session AS (
            SELECT account_pk, COUNT(*) AS sessions, SUM(seconds) AS seconds FROM {DAY_SESSIONS} GROUP BY account_pk
        )
        INSERT INTO usage_accountusagedaily (account_id, date, events, active_users, sessions, session_seconds)
        SELECT p.account_pk, %s, p.events, p.users, COALESCE(s.sessions, 0), COALESCE(s.seconds, 0)
        FROM per_account p LEFT JOIN per_session s ON s.account_pk = p.account_pk ORDER BY p.account_pk
        """,
        [day],
    )
    counts["contacts"] = _run(
        f"""
        WITH per_contact AS (
            SELECT contact_pk, account_pk, COUNT(*) AS events FROM {DAY_EVENTS}
            WHERE contact_pk IS NOT NULL GROUP BY contact_pk, account_pk
        ),
        per_session AS (
            SELECT contact_pk, account_pk, COUNT(*) AS sessions, SUM(seconds) AS seconds FROM {DAY_SESSIONS}
            WHERE contact_pk IS NOT NULL GROUP BY contact_pk, account_pk
        )
        INSERT INTO usage_contactusagedaily (contact_id, account_id, date, events, sessions, session_seconds)
        SELECT p.contact_pk, p.account_pk, %s, p.events, COALESCE(s.sessions, 0), COALESCE(s.seconds, 0)
        FROM per_contact p LEFT JOIN per_session s ON s.contact_pk = p.contact_pk AND s.account_pk = p.account_pk
        """,
        [day],
    )
    counts["modules"] = _run(
        f"""
        INSERT INTO usage_moduleusagedaily (account_id, date, module, user_id, seconds, events)
        SELECT account_pk, %s, module, user_id, COALESCE(SUM(duration_ms), 0) / 1000.0, COUNT(*)
        FROM {DAY_EVENTS} WHERE action = 'moduleEnd' AND module <> '' GROUP BY account_pk, module, user_id
        ORDER BY account_pk
        """,
        [day],
    )
    counts["features"] = _run(
        f"""
        INSERT INTO usage_featureusagedaily (account_id, date, feature, module, user_id, count)
        SELECT account_pk, %s, feature, module, user_id, SUM(COALESCE(quantity, 1))
        FROM {DAY_EVENTS} WHERE action = 'feature' AND feature <> '' GROUP BY account_pk, feature, module, user_id
        ORDER BY account_pk
        """,
        [day],
    )
    return counts


@transaction.atomic
def usage_day_compute(*, as_of: datetime.date) -> dict[str, int]:
    """The day's sessions, then its account, contact, module and feature roll-ups, from one read of its events.

    Sessions: a client's session id groups events; otherwise a gap of 30 minutes starts a new one. A session's time
    is the active time the client reported (sessionSync), else the longer of its first-to-last span and the module
    time reported in it. Refused (EventsNoLongerKept) for a day older than the raw events kept: its roll-ups stay.
    """
    events_day_check(as_of)
    counts = {"events": _load_day_events(as_of)}
    counts["sessions"] = _sessions(as_of)
    counts.update(_rollups(as_of))
    _run(f"DROP TABLE {DAY_EVENTS}", [])
    _run(f"DROP TABLE {DAY_SESSIONS}", [])
    # The day's account roll-up is what the metric and rank steps join on; the big tables are read by whole days,
    # and need statistics only until they have some.
    statistics_refresh(partitions.month_relation("usage_accountusagedaily", as_of))
    for table, written in [
        ("usage_usagesession", counts["sessions"]),
        ("usage_contactusagedaily", counts["contacts"]),
        ("usage_moduleusagedaily", counts["modules"]),
        ("usage_featureusagedaily", counts["features"]),
    ]:
        statistics_refresh_if_stale(partitions.month_relation(table, as_of), written=written)
    return counts


def _x(day: datetime.date) -> int:
    return (day - X_ORIGIN).days


def _y(alias: str) -> str:
    """SQL for the rank of row `alias` in thousandths, as the integer the trend sums add up."""
    return f"CAST(ROUND({alias}.rank * {Y_SCALE}) AS BIGINT)"


def _rank_day(entity: str, as_of: datetime.date) -> None:
    """One entity's ranks for the day, in a temporary table: per-entity session seconds over the 30-day window,
    ranked among active peers (non-churned, some session time)."""
    if entity == "account":
        table, column = "usage_accountusagedaily", "account_id"
    else:
        table, column = "usage_contactusagedaily", "contact_id"
    day = date_param(as_of)
    _run(f"DROP TABLE IF EXISTS {DAY_RANKS}", [])
    _run(
        f"""
        CREATE TEMPORARY TABLE {DAY_RANKS} AS
        WITH s AS (
            SELECT u.{column} AS object_id, SUM(u.session_seconds) AS seconds FROM {table} u
            JOIN accounts_account a ON a.id = u.account_id
            WHERE u.date > %s AND u.date <= %s AND a.is_deleted = FALSE AND (a.churned_on IS NULL OR a.churned_on > %s)
            GROUP BY u.{column}
        )
        SELECT object_id, seconds, 100.0 * (RANK() OVER (ORDER BY seconds) - 1) / COUNT(*) OVER () AS rank
        FROM s WHERE seconds > 0
        """,
        [date_param(as_of - datetime.timedelta(days=RANK_WINDOW_DAYS)), day, day],
    )
    statistics_refresh(DAY_RANKS)


def _nested_loops_only(sql: str, params: list) -> int:
    """Run one statement with hash and merge joins off (PostgreSQL), for a join that must probe an index per outer
    row: the planner cannot know that a few thousand rows will match out of millions."""
    if connection.vendor != "postgresql":
        return _run(sql, params)
    _run("SET LOCAL enable_hashjoin = off", [])
    _run("SET LOCAL enable_mergejoin = off", [])
    try:
        return _run(sql, params)
    finally:
        _run("SET LOCAL enable_hashjoin = on", [])
        _run("SET LOCAL enable_mergejoin = on", [])


def _trend_sums(entity: str, as_of: datetime.date) -> None:
    """The least-squares sums over the earlier ranks of each ranked object's window, in a temporary table.

    Objects ranked yesterday: yesterday's sums minus the rank that leaves the window. Others (back after a gap, or
    with rows written before the sums existed): summed from the window's stored ranks, probed per object and day.
    """
    leaving_day = as_of - datetime.timedelta(days=RANK_WINDOW_DAYS)
    x_leaving = _x(leaving_day)
    _run(f"DROP TABLE IF EXISTS {RANK_SUMS}", [])
    _run(
        f"""
        CREATE TEMPORARY TABLE {RANK_SUMS} AS
        SELECT t.object_id,
            p.trend_n - CASE WHEN l.id IS NULL THEN 0 ELSE 1 END AS n,
            p.trend_sx - CASE WHEN l.id IS NULL THEN 0 ELSE %s END AS sx,
            p.trend_sy - COALESCE({_y("l")}, 0) AS sy,
            p.trend_sxy - COALESCE({_y("l")}, 0) * %s AS sxy
        FROM {DAY_RANKS} t
        JOIN usage_activityrank p ON p.entity = %s AND p.date = %s AND p.object_id = t.object_id AND p.trend_n > 0
        LEFT JOIN usage_activityrank l ON l.entity = %s AND l.date = %s AND l.object_id = t.object_id
        """,
        [
            x_leaving,
            x_leaving,
            entity,
            date_param(as_of - datetime.timedelta(days=1)),
            entity,
            date_param(leaving_day),
        ],
    )
    _run(f"DROP TABLE IF EXISTS {RANK_MISSING}", [])
    missing = _run(
        f"CREATE TEMPORARY TABLE {RANK_MISSING} AS SELECT t.object_id FROM {DAY_RANKS} t "
        f"WHERE NOT EXISTS (SELECT 1 FROM {RANK_SUMS} s WHERE s.object_id = t.object_id)",
        [],
    )
    if not missing:
        return
    statistics_refresh(RANK_MISSING)
    days = [date_param(as_of - datetime.timedelta(days=back)) for back in range(1, RANK_WINDOW_DAYS)]
    x, y = days_between("r.date", "%s"), _y("r")
    origin = date_param(X_ORIGIN)
    _nested_loops_only(
        f"""
        INSERT INTO {RANK_SUMS} (object_id, n, sx, sy, sxy)
        SELECT m.object_id, COUNT(*), SUM({x}), SUM({y}), SUM({x} * {y})
        FROM {RANK_MISSING} m JOIN usage_activityrank r ON r.entity = %s
            AND r.date IN ({", ".join(["%s"] * len(days))}) AND r.object_id = m.object_id
        GROUP BY m.object_id
        """,
        [origin, origin, entity, *days],
    )


def _ranks_store(entity: str, as_of: datetime.date) -> int:
    """Store the day's ranks, with their trend and the sums the next day starts from."""
    return _run(
        f"""
        WITH fitted AS (
            SELECT t.object_id, t.seconds, t.rank, COALESCE(s.n, 0) + 1 AS n, COALESCE(s.sx, 0) + %s AS sx,
                COALESCE(s.sy, 0) + {_y("t")} AS sy, COALESCE(s.sxy, 0) + %s * {_y("t")} AS sxy
            FROM {DAY_RANKS} t LEFT JOIN {RANK_SUMS} s ON s.object_id = t.object_id
        )
        INSERT INTO usage_activityrank
            (entity, object_id, date, seconds_30d, rank, trend, trend_n, trend_sx, trend_sy, trend_sxy)
        SELECT %s, object_id, %s, seconds, rank,
            CASE WHEN n < 2 OR n * sxy = sx * sy THEN 0 WHEN n * sxy > sx * sy THEN 1 ELSE -1 END, n, sx, sy, sxy
        FROM fitted ORDER BY object_id
        """,
        [_x(as_of), _x(as_of), entity, date_param(as_of)],
    )


@transaction.atomic
def activity_ranks_compute(*, as_of: datetime.date) -> dict[str, int]:
    """Rank accounts and contacts by session time over the last 30 days, among active peers, with their trends.

    rank = 100 x (peers with strictly less time) / peers. The trend is the sign of the slope of a least-squares
    line through the last 30 daily ranks (no trend with fewer than two): sign(n * sum(xy) - sum(x) * sum(y)), with
    x the day number and y the rank in thousandths, summed exactly as integers and carried from day to day.
    """
    day = date_param(as_of)
    counts = {}
    partitions.partition_ensure("usage_activityrank", as_of)
    for entity in ("account", "contact"):
        _run("DELETE FROM usage_activityrank WHERE entity = %s AND date = %s", [entity, day])
        _rank_day(entity, as_of)
        _trend_sums(entity, as_of)
        counts[entity] = _ranks_store(entity, as_of)
        for table in (DAY_RANKS, RANK_SUMS, RANK_MISSING):
            _run(f"DROP TABLE IF EXISTS {table}", [])
    statistics_refresh(partitions.month_relation("usage_activityrank", as_of))
    return counts
