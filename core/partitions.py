"""Monthly range partitions of the derived tables that grow by a day at a time (PostgreSQL; a no-op on SQLite).

A partitioned table is declared by its model as usual and created by `partitioned_table_create` (called from the
migration that introduces it): the parent is `PARTITION BY RANGE (<date column>)`, with one partition per calendar
month named `<table>_pYYYYMM` and a `<table>_default` partition that catches a row dated in a month that has no
partition yet, so no write ever fails for want of one. Indexes declared on the parent exist on every partition, so
each month has its own small indexes: a day's writes touch one recent partition and a window of a few weeks reads
one or two.

Months are created ahead by the scheduled job (`core.jobs.partitions_ahead`) and, before each write, by the step
that writes (`partition_ensure`); a month whose rows had already gone to the default partition has them moved into
its new partition. All DDL of partitioned tables lives here, so migrations and jobs share one implementation.

Apps register their partitioned tables (`register`) in their AppConfig.ready(); the job walks the registry.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection

MONTHS_AHEAD = 2


@dataclass(frozen=True)
class PartitionedTable:
    """A table partitioned by month on the date column `key`."""

    table: str
    key: str


_registry: dict[str, PartitionedTable] = {}


def register(table: str, *, key: str) -> None:
    """Declare `table` as partitioned by month on `key`, for the job that creates months ahead."""
    _registry[table] = PartitionedTable(table=table, key=key)


def registered() -> list[PartitionedTable]:
    return sorted(_registry.values(), key=lambda t: t.table)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def partition_name(table: str, day: datetime.date) -> str:
    """The partition of `table` holding `day`: `<table>_pYYYYMM`."""
    return f"{table}_p{day.year:04d}{day.month:02d}"


def is_partitioned(table: str) -> bool:
    """Whether `table` is a partitioned table on the current database (never on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def _column_definitions(schema_editor, model) -> list[str]:
    """The column definitions Django would write for `model` (types, NULL, an id's identity), without keys or
    foreign keys."""
    quote = schema_editor.quote_name
    columns = []
    for field in model._meta.local_fields:
        definition, _ = schema_editor.column_sql(model, field, include_default=False)
        if definition is None:  # a CompositePrimaryKey has no column of its own
            continue
        if field.primary_key:
            # The key is the table's constraint (it must hold the partition key); an id keeps its identity.
            definition = definition.replace(" PRIMARY KEY", "")
            suffix = field.db_type_suffix(connection=schema_editor.connection)
            if suffix:
                definition = f"{definition} {suffix}"
        columns.append(f"{quote(field.column)} {definition}")
    return columns


def partitioned_table_create(
    schema_editor,
    model,
    *,
    key: str,
    include: tuple[str, ...] = (),
    table: str | None = None,
    primary_key: tuple[str, ...] = (),
) -> None:
    """Create `model`'s table (or `table`) as a parent partitioned by range on the column `key`, with the model's
    primary key (or the columns `primary_key`; either must contain `key`), carrying the columns `include` in its
    index, and the default partition. Creates no months: `partitions_ensure` does.

    A model keyed by a surrogate id is keyed in the database by (id, key): PostgreSQL requires every unique index of
    a partitioned table to hold its partition key. The id stays unique (one identity sequence numbers every row)."""
    quote = schema_editor.quote_name
    table = table or model._meta.db_table
    pk_columns = list(primary_key) or [field.column for field in model._meta.pk_fields]
    if key not in pk_columns:
        raise ValueError(f"The primary key of {table} must contain the partition key {key}")
    include_sql = f" INCLUDE ({', '.join(quote(c) for c in include)})" if include else ""
    schema_editor.execute(
        f"CREATE TABLE {quote(table)} ({', '.join(_column_definitions(schema_editor, model))}, "
        f"CONSTRAINT {quote(table + '_pkey')} PRIMARY KEY ({', '.join(quote(c) for c in pk_columns)}){include_sql}) "
        f"PARTITION BY RANGE ({quote(key)})"
    )
    schema_editor.execute(f"CREATE TABLE {quote(table + '_default')} PARTITION OF {quote(table)} DEFAULT")


def partition_ensure(table: str, day: datetime.date, *, key: str | None = None) -> bool:
    """Make sure the month of `day` has its own partition of `table`; returns whether one was created.

    Costs one catalogue lookup when the month exists. Otherwise, under a lock that makes concurrent callers wait
    for one another, the month is created; rows of that month already in the default partition are moved into it
    (they were written before the month existed), so the new partition can be attached. Without effect on SQLite.
    """
    if connection.vendor != "postgresql":
        return False
    name = partition_name(table, day)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        if not is_partitioned(table):
            return False
        key = key or _registry[table].key
        start, end = _bounds(cursor, table, key, day)
        quote = connection.ops.quote_name
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        if cursor.fetchone()[0]:
            return False
        default = quote(table + "_default")
        cursor.execute(f"SELECT 1 FROM {default} WHERE {quote(key)} >= %s AND {quote(key)} < %s LIMIT 1", [start, end])
        if cursor.fetchone() is None:
            cursor.execute(
                f"CREATE TABLE {quote(name)} PARTITION OF {quote(table)} FOR VALUES FROM (%s) TO (%s)", [start, end]
            )
            return True
        cursor.execute(f"CREATE TABLE {quote(name)} (LIKE {quote(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} WHERE {quote(key)} >= %s AND {quote(key)} < %s RETURNING *) "
            f"INSERT INTO {quote(name)} SELECT * FROM moved",
            [start, end],
        )
        # Attaching builds the partition's copies of the parent's indexes and checks the range once.
        cursor.execute(
            f"ALTER TABLE {quote(table)} ATTACH PARTITION {quote(name)} FOR VALUES FROM (%s) TO (%s)", [start, end]
        )
    return True


def _bounds(cursor, table: str, key: str, day: datetime.date) -> tuple:
    """The bounds of the month of `day` in the type of `table`'s column `key`: dates, or UTC midnights for a
    timestamp with time zone (a month of events runs from midnight UTC on its first day)."""
    start, end = month_start(day), next_month(day)
    cursor.execute(
        "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attname = %s",
        [table, key],
    )
    row = cursor.fetchone()
    if row and row[0].startswith("timestamp"):
        return tuple(datetime.datetime.combine(d, datetime.time(), tzinfo=datetime.UTC) for d in (start, end))
    return start, end


def partition_months(table: str) -> list[datetime.date]:
    """The first days of the months that have their own partition of `table`, oldest first."""
    prefix = f"{table}_p"
    months = []
    for name in partitions_list(table):
        digits = name[len(prefix) :]
        if name.startswith(prefix) and len(digits) == 6 and digits.isdigit():
            months.append(datetime.date(int(digits[:4]), int(digits[4:]), 1))
    return sorted(months)


def partitions_drop_before(table: str, day: datetime.date, *, key: str | None = None) -> list[str]:
    """Drop the partitions of `table` for the months that end on or before `day` (every row in them is older), and
    delete the default partition's rows dated before the first month kept; returns the partitions dropped.

    Dropping a month costs a catalogue change, whatever it held: no row is read, no space is left to vacuum."""
    if not is_partitioned(table):
        return []
    key = key or _registry[table].key
    quote = connection.ops.quote_name
    kept_from = month_start(day)
    dropped = []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [table])
        for month in partition_months(table):
            if next_month(month) > day:
                break
            name = partition_name(table, month)
            cursor.execute(f"DROP TABLE {quote(name)}")
            dropped.append(name)
        start, _ = _bounds(cursor, table, key, kept_from)
        cursor.execute(f"DELETE FROM {quote(table + '_default')} WHERE {quote(key)} < %s", [start])
    return dropped


def brin_summarize(table: str, day: datetime.date) -> None:
    """Summarize the page ranges not yet summarized by the BRIN indexes of the partition of `table` holding `day`
    (or of `table` itself when it is not partitioned), so a read of the newest rows can skip the others."""
    if connection.vendor != "postgresql":
        return
    relation = partition_name(table, day) if is_partitioned(table) else table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT brin_summarize_new_values(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
            "WHERE i.indrelid = to_regclass(%s) AND am.amname = 'brin'",
            [relation],
        )


def partitions_ensure(table: str, *, first: datetime.date, last: datetime.date, key: str | None = None) -> int:
    """Make sure every month from `first` to `last` has its partition of `table`; returns how many were created."""
    created = 0
    month = month_start(first)
    while month <= last:
        created += partition_ensure(table, month, key=key)
        month = next_month(month)
    return created


def partitions_ahead(*, today: datetime.date, months: int = MONTHS_AHEAD) -> dict[str, int]:
    """Create the partitions of every registered table for the current month and `months` months ahead, so the
    pipeline's first write of a month finds its partition ready; returns how many each table gained."""
    last = today
    for _ in range(months):
        last = next_month(last)
    return {t.table: partitions_ensure(t.table, first=today, last=last, key=t.key) for t in registered()}


def partitions_list(table: str) -> list[str]:
    """The partitions of `table`, by name (months in order, then the default)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def rows_copy(
    cursor,
    *,
    source: str,
    target: str,
    columns: list[str],
    order_by: str,
    batch: int = 200_000,
    report: Callable[[int, int], None] | None = None,
) -> int:
    """Copy every row of `source` into `target` (the same `columns`), in batches of `batch` rows by the unique,
    indexed column `order_by`, calling `report(copied, total)` after each batch; returns the rows copied. Used by
    migrations that move an existing table into a new layout: each batch is one bounded statement."""
    cols = ", ".join(columns)
    cursor.execute(f"SELECT COUNT(*) FROM {source}")
    total = cursor.fetchone()[0]
    copied = 0
    last = None
    while copied < total:
        where = "" if last is None else f"WHERE {order_by} > %s"
        cursor.execute(
            f"SELECT MAX({order_by}), COUNT(*) FROM (SELECT {order_by} FROM {source} {where} "
            f"ORDER BY {order_by} LIMIT %s) b",
            [*([] if last is None else [last]), batch],
        )
        upper, count = cursor.fetchone()
        if not count:
            break
        lower = "" if last is None else f"{order_by} > %s AND "
        cursor.execute(
            f"INSERT INTO {target} ({cols}) SELECT {cols} FROM {source} WHERE {lower}{order_by} <= %s",
            [*([] if last is None else [last]), upper],
        )
        copied += count
        last = upper
        if report:
            report(copied, total)
    return copied


def progress_printer(label: str) -> Callable[[int, int], None]:
    """A `rows_copy` report that prints "label: copied of total (percent)" lines to the console."""

    def report(copied: int, total: int) -> None:
        sys.stdout.write(f"\n  {label}: {copied:,} of {total:,} rows ({100 * copied // max(total, 1)} %)\n")
        sys.stdout.flush()

    return report


def _indexes(cursor, table: str) -> list[tuple[str, str, str | None]]:
    """The indexes of `table` other than its primary key: (name, CREATE INDEX statement, constraint definition or
    None), as the catalogue writes them."""
    cursor.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid), pg_get_constraintdef(k.oid) FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "LEFT JOIN pg_constraint k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid "
        "WHERE i.indrelid = to_regclass(%s) AND NOT i.indisprimary ORDER BY c.relname",
        [table],
    )
    return cursor.fetchall()


def _set_aside(schema_editor, table: str) -> tuple[str, list]:
    """Rename `table` (with its key and id sequence) to `<table>_old`, having dropped its other indexes (kept as
    statements, to be made again on the new table); returns the old table's name and those indexes."""
    quote = schema_editor.quote_name
    old = f"{table}_old"
    with schema_editor.connection.cursor() as cursor:
        indexes = _indexes(cursor, table)
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
    for name, _, constraint in indexes:
        if constraint:
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        else:
            schema_editor.execute(f"DROP INDEX {quote(name)}")
    schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
    schema_editor.execute(f"ALTER INDEX IF EXISTS {quote(table + '_pkey')} RENAME TO {quote(old + '_pkey')}")
    if sequence:
        schema_editor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(old + '_id_seq')}")
    return old, indexes


def _carry_over(schema_editor, table: str, old: str, indexes: list) -> None:
    """Copy `old`'s rows into `table` in batches by id, make `indexes` on it, continue its id sequence after the
    last id copied, and drop `old`."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum",
            [old],
        )
        columns = [quote(row[0]) for row in cursor.fetchall()]
        rows_copy(cursor, source=quote(old), target=quote(table), columns=columns, order_by="id",
                  report=progress_printer(table))  # fmt: skip
        for name, statement, constraint in indexes:
            if constraint:
                cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {constraint}")
            else:
                cursor.execute(statement.replace(" ON ONLY ", " ON ", 1))
        cursor.execute(f"SELECT MAX(id) FROM {quote(old)}")
        (last,) = cursor.fetchone()
        if last:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])
    schema_editor.execute(f"DROP TABLE {quote(old)}")


def table_partition(schema_editor, model, *, key: str, months_back: int = 36) -> None:
    """Turn `model`'s existing table (keyed by a surrogate id) into one partitioned by month of the date column
    `key`, keyed by (id, key), with the same indexes and rows: months are made for the rows of the last
    `months_back` months (older ones wait in the default partition) up to MONTHS_AHEAD months ahead. For
    migrations, on PostgreSQL; every row is read and written once."""
    quote = schema_editor.quote_name
    table = model._meta.db_table
    old, indexes = _set_aside(schema_editor, table)
    partitioned_table_create(schema_editor, model, key=key, primary_key=("id", key))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"SELECT MIN({quote(key)}) FROM {quote(old)}")
        first = cursor.fetchone()[0]
    today = datetime.datetime.now(datetime.UTC).date()
    earliest, ahead = month_start(today), today
    for _ in range(months_back):
        earliest = month_start(earliest - datetime.timedelta(days=1))
    for _ in range(MONTHS_AHEAD):
        ahead = next_month(ahead)
    partitions_ensure(table, first=max(min(first or today, today), earliest), last=ahead, key=key)
    _carry_over(schema_editor, table, old, indexes)


def table_unpartition(schema_editor, table: str) -> None:
    """The reverse of `table_partition`: one plain table keyed by id, with the same indexes and rows."""
    quote = schema_editor.quote_name
    old, indexes = _set_aside(schema_editor, table)
    schema_editor.execute(
        f"CREATE TABLE {quote(table)} (LIKE {quote(old)} INCLUDING DEFAULTS INCLUDING IDENTITY, PRIMARY KEY (id))"
    )
    _carry_over(schema_editor, table, old, indexes)


def month_relation(table: str, day: datetime.date) -> str:
    """The partition of `table` holding `day`, or `table` itself when it is not partitioned: what to ANALYZE after
    writing a day (the planner reads each partition's own statistics; analyzing the parent samples every month)."""
    return partition_name(table, day) if is_partitioned(table) else table
