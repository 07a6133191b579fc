"""Small helpers for raw SQL that must run on PostgreSQL (production, tests) and SQLite (the embedded default)."""

from __future__ import annotations

import datetime

from django.db import connection


def day_bounds(day: datetime.date) -> tuple[object, object]:
    """The start of `day` and of the next day (UTC), as parameters the current database compares correctly."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
    end = start + datetime.timedelta(days=1)
    return connection.ops.adapt_datetimefield_value(start), connection.ops.adapt_datetimefield_value(end)


def date_param(day: datetime.date) -> object:
    return connection.ops.adapt_datefield_value(day)


def date_of(column: str) -> str:
    """SQL for the UTC calendar date of a timestamp column."""
    if connection.vendor == "postgresql":
        return f"(({column}) AT TIME ZONE 'UTC')::date"
    return f"date({column})"


def days_between(later: str, earlier: str) -> str:
    """SQL for the whole days from the date expression `earlier` to `later`."""
    if connection.vendor == "postgresql":
        return f"(({later})::date - ({earlier})::date)"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def epoch(column: str) -> str:
    """SQL for a timestamp column as seconds since 1970 (a float)."""
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {column})"
    # Whole seconds from strftime('%s'), plus the fraction of '%f' (SS.SSS): julianday() loses microseconds.
    # The percent signs are doubled because the SQL always runs with parameters.
    return (
        f"(CAST(strftime('%%s', {column}) AS REAL) + CAST(strftime('%%f', {column}) AS REAL) "
        f"- CAST(strftime('%%S', {column}) AS INTEGER))"
    )


def greatest(*expressions: str) -> str:
    """SQL for the largest of several expressions (NULLs ignored on PostgreSQL; use COALESCE for SQLite)."""
    function = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    return f"{function}({', '.join(expressions)})"


def account_tree_cte() -> str:
    """A recursive CTE `tree(account_id, ancestor_id)` pairing every live account with itself and each ancestor,
    so per-account figures roll up to parents with a join and a GROUP BY on ancestor_id."""
    return (
        "tree(account_id, ancestor_id) AS ("
        "SELECT id, id FROM accounts_account WHERE is_deleted = FALSE "
        "UNION ALL SELECT t.account_id, a.parent_id FROM tree t JOIN accounts_account a ON a.id = t.ancestor_id "
        "WHERE a.parent_id IS NOT NULL)"
    )


def statistics_refresh(*tables: str) -> None:
    """ANALYZE `tables` (PostgreSQL): fresh statistics for tables a pipeline step just rewrote, so that later
    statements and page queries get plans that fit what is there now."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def statistics_refresh_if_stale(table: str, *, written: int) -> bool:
    """ANALYZE `table` (PostgreSQL) when its statistics are missing or count fewer rows than were just written to it;
    returns whether it did.

    Autovacuum keeps a grown table's statistics roughly right, but a table that was just created, truncated or
    loaded for the first time looks empty to the planner, which then probes an index once per row of a million-row
    join. Checking costs one catalogue read, so the big daily tables are analyzed only when it matters.
    """
    if connection.vendor != "postgresql" or written <= 0:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
        if row is None or row[0] >= written:
            return False
    statistics_refresh(table)
    return True
