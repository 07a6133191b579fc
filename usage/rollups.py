"""Sessions and daily roll-ups of raw events, and activity ranks: the usage steps of the data pipeline.

Every function takes one UTC day, replaces that day's rows set-based (DELETE + INSERT ... SELECT) and is therefore
idempotent; the hourly run recomputes today so far, the daily run closes yesterday. Identify calls are data about
accounts and contacts, not usage, so they count neither as events nor towards sessions.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction

from core.sql import date_param, day_bounds, days_between, epoch, greatest

SESSION_GAP_SECONDS = 30 * 60
RANK_WINDOW_DAYS = 30
USAGE_ACTIONS = ("sessionSync", "moduleEnd", "feature")


DAY_EVENTS = "usage_day_events"


def _load_day_events(as_of: datetime.date) -> int:
    """Read the day's usage events once into a temporary table, resolved to live accounts and to contacts, so the
    session and roll-up queries that follow never go back to the (large) events table."""
    start, end = day_bounds(as_of)
    if connection.vendor == "postgresql":
        # The BRIN index on occurred_at only narrows a day's scan over page ranges it has summarized; autovacuum
        # summarizes new ones eventually, this makes sure the newest are before reading them.
        _run("SELECT brin_summarize_new_values('usage_event_occurred_idx')", [])
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
    _analyze(DAY_EVENTS)
    return loaded


def _run(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _delete_day(table: str, day: datetime.date) -> None:
    _run(f"DELETE FROM {table} WHERE date = %s", [date_param(day)])


def _analyze(*tables: str) -> None:
    """Fresh statistics for tables a step just rewrote, so the next steps' joins get sane plans (PostgreSQL)."""
    if connection.vendor == "postgresql":
        for table in tables:
            _run(f"ANALYZE {table}", [])


def _sessions(as_of: datetime.date) -> int:
    _delete_day("usage_usagesession", as_of)
    span_or_module_time = greatest(
        "MAX(k.ts) - MIN(k.ts)", "COALESCE(SUM(CASE WHEN k.action = 'moduleEnd' THEN k.duration_ms END), 0) / 1000.0"
    )
    sql = f"""
    WITH gapped AS (
        SELECT ev.*, CASE WHEN ev.session_id <> '' THEN 0
            WHEN LAG(ev.ts) OVER w IS NULL OR ev.ts - LAG(ev.ts) OVER w >= %s THEN 1 ELSE 0 END AS is_new
        FROM {DAY_EVENTS} ev WINDOW w AS (PARTITION BY ev.account_pk, ev.user_id, ev.session_id ORDER BY ev.ts)
    ),
    keyed AS (
        SELECT gapped.*, CASE WHEN session_id <> '' THEN 'c:' || session_id ELSE 'g:' || CAST(SUM(is_new) OVER (
            PARTITION BY account_pk, user_id, session_id ORDER BY ts ROWS UNBOUNDED PRECEDING) AS VARCHAR(20)) END
            AS session_key
        FROM gapped
    )
    INSERT INTO usage_usagesession
        (account_id, contact_id, user_id, date, session_key, started_at, ended_at, seconds, events)
    SELECT k.account_pk, MAX(k.contact_pk), k.user_id, %s, k.session_key, MIN(k.occurred_at), MAX(k.occurred_at),
        COALESCE(MAX(CASE WHEN k.action = 'sessionSync' THEN k.duration_ms END) / 1000.0, {span_or_module_time}),
        COUNT(*)
    FROM keyed k GROUP BY k.account_pk, k.user_id, k.session_key
    """
    return _run(sql, [SESSION_GAP_SECONDS, date_param(as_of)])


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
            SELECT account_id, COUNT(*) AS sessions, SUM(seconds) AS seconds FROM usage_usagesession
            WHERE date = %s GROUP BY account_id
        )
        INSERT INTO usage_accountusagedaily (account_id, date, events, active_users, sessions, session_seconds)
        SELECT p.account_pk, %s, p.events, p.users, COALESCE(s.sessions, 0), COALESCE(s.seconds, 0)
        FROM per_account p LEFT JOIN per_session s ON s.account_id = p.account_pk
        """,
        [day, day],
    )
    counts["contacts"] = _run(
        f"""
        WITH per_contact AS (
            SELECT contact_pk, account_pk, COUNT(*) AS events FROM {DAY_EVENTS}
            WHERE contact_pk IS NOT NULL GROUP BY contact_pk, account_pk
        ),
        per_session AS (
            SELECT contact_id, account_id, COUNT(*) AS sessions, SUM(seconds) AS seconds FROM usage_usagesession
            WHERE date = %s AND contact_id IS NOT NULL GROUP BY contact_id, account_id
        )
        INSERT INTO usage_contactusagedaily (contact_id, account_id, date, events, sessions, session_seconds)
        SELECT p.contact_pk, p.account_pk, %s, p.events, COALESCE(s.sessions, 0), COALESCE(s.seconds, 0)
        FROM per_contact p LEFT JOIN per_session s ON s.contact_id = p.contact_pk AND s.account_id = p.account_pk
        """,
        [day, day],
    )
    counts["modules"] = _run(
        f"""
        INSERT INTO usage_moduleusagedaily (account_id, date, module, user_id, seconds, events)
        SELECT account_pk, %s, module, user_id, COALESCE(SUM(duration_ms), 0) / 1000.0, COUNT(*)
        FROM {DAY_EVENTS} WHERE action = 'moduleEnd' AND module <> '' GROUP BY account_pk, module, user_id
        """,
        [day],
    )
    counts["features"] = _run(
        f"""
        INSERT INTO usage_featureusagedaily (account_id, date, feature, module, user_id, count)
        SELECT account_pk, %s, feature, module, user_id, SUM(COALESCE(quantity, 1))
        FROM {DAY_EVENTS} WHERE action = 'feature' AND feature <> '' GROUP BY account_pk, feature, module, user_id
        """,
        [day],
    )
    return counts


@transaction.atomic
def usage_day_compute(*, as_of: datetime.date) -> dict[str, int]:
    """The day's sessions, then its account, contact, module and feature roll-ups, from one read of its events.

    Sessions: a client's session id groups events; otherwise a gap of 30 minutes starts a new one. A session's time
    is the active time the client reported (sessionSync), else the longer of its first-to-last span and the module
    time reported in it.
    """
    counts = {"events": _load_day_events(as_of)}
    counts["sessions"] = _sessions(as_of)
    counts.update(_rollups(as_of))
    _run(f"DROP TABLE {DAY_EVENTS}", [])
    _analyze("usage_usagesession", "usage_accountusagedaily", "usage_contactusagedaily")
    return counts


def _rank_sql(entity: str) -> str:
    """The day's ranks with their trends, in one INSERT.

    Per-entity session seconds over the window, ranked among active peers (non-churned, some session time). The
    trend is the sign of the least-squares slope through the earlier ranks of the window plus today's:
    sign(n * sum(xy) - sum(x) * sum(y)), with x counting days from the first day of the window.
    """
    if entity == "account":
        table, column = "usage_accountusagedaily", "account_id"
    else:
        table, column = "usage_contactusagedaily", "contact_id"
    x = days_between("r.date", "%s")
    return f"""
    WITH s AS (
        SELECT u.{column} AS object_id, SUM(u.session_seconds) AS seconds FROM {table} u
        JOIN accounts_account a ON a.id = u.account_id
        WHERE u.date > %s AND u.date <= %s AND a.is_deleted = FALSE AND (a.churned_on IS NULL OR a.churned_on > %s)
        GROUP BY u.{column}
    ),
    ranked AS (
        SELECT object_id, seconds, 100.0 * (RANK() OVER (ORDER BY seconds) - 1) / COUNT(*) OVER () AS rank
        FROM s WHERE seconds > 0
    ),
    earlier AS (
        SELECT r.object_id, COUNT(*) AS n, SUM({x}) AS sx, SUM(r.rank) AS sy, SUM({x} * r.rank) AS sxy
        FROM usage_activityrank r WHERE r.entity = %s AND r.date > %s AND r.date < %s GROUP BY r.object_id
    ),
    fitted AS (
        SELECT ranked.*, COALESCE(e.n, 0) + 1 AS n, COALESCE(e.sx, 0) + %s AS sx,
            COALESCE(e.sy, 0) + ranked.rank AS sy, COALESCE(e.sxy, 0) + %s * ranked.rank AS sxy
        FROM ranked LEFT JOIN earlier e ON e.object_id = ranked.object_id
    )
    INSERT INTO usage_activityrank (entity, object_id, date, seconds_30d, rank, trend)
    SELECT %s, object_id, %s, seconds, rank, CASE WHEN n < 2 THEN 0
        WHEN n * sxy - sx * sy > 1e-9 THEN 1 WHEN n * sxy - sx * sy < -1e-9 THEN -1 ELSE 0 END
    FROM fitted
    """


@transaction.atomic
def activity_ranks_compute(*, as_of: datetime.date) -> dict[str, int]:
    """Rank accounts and contacts by session time over the last 30 days, among active peers, with their trends.

    rank = 100 x (peers with strictly less time) / peers. The trend is the sign of the slope of a least-squares
    line through the last 30 daily ranks (no trend with fewer than two).
    """
    day = date_param(as_of)
    window_start = date_param(as_of - datetime.timedelta(days=RANK_WINDOW_DAYS))
    # x counts days from the first day of the window, so today's x is the window's length minus one.
    x_origin = date_param(as_of - datetime.timedelta(days=RANK_WINDOW_DAYS - 1))
    today_x = RANK_WINDOW_DAYS - 1
    counts = {}
    for entity in ("account", "contact"):
        _run("DELETE FROM usage_activityrank WHERE entity = %s AND date = %s", [entity, day])
        params = [window_start, day, day, x_origin, x_origin, entity, window_start, day, today_x, today_x]
        counts[entity] = _run(_rank_sql(entity), [*params, entity, day])
    _analyze("usage_activityrank")
    return counts
