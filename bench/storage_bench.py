"""Benchmark of the daily metric values' storage: writing one day at a short and at a long history, in the monthly
partitions against the single table they replace, and bytes on disk per stored value.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/natero_storage_bench python bench/storage_bench.py \
        --accounts 4000 --metrics 10

Builds (set-based SQL, in a database of its own) `--metrics` metrics x `--accounts` accounts of daily values,
first for 30 days of history, then extended to 365, in two layouts holding the same rows: the partitioned
`metrics_metricvalue` (migrated as the application has it) and `bench_flat_metricvalue`, the previous layout (a
surrogate id, a unique (metric, account, date) index carrying the value, a (metric, date) index). At each history
length it vacuums, analyzes and checkpoints, then writes three new days (the statements of
`metrics.services._replace_day`: per metric, delete the day, insert the day's values in account order) into each
layout and reports the median, and the bytes per value (table and indexes, over every partition). Prints a Markdown
table for docs/benchmarks.md. Loopback PostgreSQL only; bounded in size and time.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
LAST = datetime.date(2026, 11, 20)
FLAT = "bench_flat_metricvalue"
PARTITIONED = "metrics_metricvalue"


def setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")
    name = database_url.rsplit("/", 1)[1]
    exists = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def execute(statement: str, params: list | None = None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def load(table: str, first: datetime.date, last: datetime.date, accounts: int, metrics: int) -> int:
    """The values of days `first` .. `last`, day by day and metric by metric, as the pipeline writes them."""
    written = 0
    day = first
    while day <= last:
        written += execute(
            f"INSERT INTO {table} (metric_id, account_id, date, value) "
            "SELECT m, a, %s, (hashint4(a * 31 + m) & 1023) + EXTRACT(DOY FROM %s::date) "
            "FROM generate_series(1, %s) m, generate_series(1, %s) a ORDER BY m, a",
            [day, day, metrics, accounts],
        )
        day += datetime.timedelta(days=1)
    return written


def write_day(table: str, day: datetime.date, accounts: int, metrics: int) -> float:
    """Seconds to replace one day of every metric's values, as the pipeline's metric values step does."""
    from django.db import transaction

    from core.partitions import partition_ensure

    began = time.perf_counter()
    with transaction.atomic():
        if table == PARTITIONED:
            partition_ensure(table, day)
        for metric in range(1, metrics + 1):
            execute(f"DELETE FROM {table} WHERE metric_id = %s AND date = %s", [metric, day])
            execute(
                f"INSERT INTO {table} (metric_id, account_id, date, value) "
                "SELECT %s, a, %s, (hashint4(a * 17 + %s) & 1023) FROM generate_series(1, %s) a ORDER BY a",
                [metric, day, metric, accounts],
            )
    return time.perf_counter() - began


def size(table: str) -> tuple[int, int]:
    """(bytes of table and indexes, rows) of `table`, over all its partitions."""
    [(total,)] = execute(
        # A plain table has no partition tree: then its own size.
        "SELECT COALESCE((SELECT SUM(pg_total_relation_size(relid)) FROM pg_partition_tree(%s::regclass)), "
        "pg_total_relation_size(%s::regclass))",
        [table, table],
    )
    [(rows,)] = execute(f"SELECT COUNT(*) FROM {table}")
    return int(total), rows


def settle() -> None:
    from django.db import connection

    previous = connection.autocommit
    connection.set_autocommit(True)
    for table in (PARTITIONED, FLAT):
        execute(f"VACUUM ANALYZE {table}")
    execute("CHECKPOINT")
    connection.set_autocommit(previous)


def measure(label: str, accounts: int, metrics: int) -> list[str]:
    rows = []
    for table, name in ((FLAT, "single table (previous layout)"), (PARTITIONED, "monthly partitions")):
        settle()
        times = [
            write_day(table, LAST + datetime.timedelta(days=n), accounts, metrics) for n in (1, 2, 3)
        ]  # fmt: skip
        for n in (1, 2, 3):  # leave the history as it was for the next measurement
            execute(f"DELETE FROM {table} WHERE date = %s", [LAST + datetime.timedelta(days=n)])
        total, count = size(table)
        rows.append(
            f"| {label}: write a day, {name} (median of {', '.join(f'{t:.2f}' for t in times)} s) "
            f"| {statistics.median(times):.2f} s | {total / count:.0f} B/value ({count:,} values) |"
        )
        print(rows[-1], flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=4000)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--regenerate", action="store_true")
    args = parser.parse_args()
    setup(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natero_storage_bench"))
    from core.partitions import partitions_ensure

    execute(
        f"CREATE TABLE IF NOT EXISTS {FLAT} (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
        "metric_id bigint NOT NULL, account_id bigint NOT NULL, date date NOT NULL, value double precision NOT NULL)"
    )
    execute(f"CREATE UNIQUE INDEX IF NOT EXISTS bench_flat_key ON {FLAT} (metric_id, account_id, date) INCLUDE (value)")
    execute(f"CREATE INDEX IF NOT EXISTS bench_flat_day ON {FLAT} (metric_id, date)")
    if args.regenerate:
        execute(f"TRUNCATE {FLAT}, {PARTITIONED}")
    per_day = args.accounts * args.metrics
    figures = []
    for history in (30, 365):
        first = LAST - datetime.timedelta(days=history - 1)
        partitions_ensure(PARTITIONED, first=first, last=LAST + datetime.timedelta(days=3))
        for table in (FLAT, PARTITIONED):
            [(have,)] = execute(f"SELECT MIN(date) FROM {table}")
            began = time.perf_counter()
            if have is None:
                load(table, first, LAST, args.accounts, args.metrics)
            elif have > first:
                load(table, first, have - datetime.timedelta(days=1), args.accounts, args.metrics)
            print(f"{table}: {history} days loaded in {time.perf_counter() - began:.0f} s", flush=True)
        figures += measure(f"{history} days of history", args.accounts, args.metrics)
    load_avg = Path("/proc/loadavg").read_text().split()[:3]
    print()
    print(f"Data: {args.accounts:,} accounts x {args.metrics} metrics = {per_day:,} values a day.")
    print(f"Load average at the end: {' '.join(load_avg)}")
    print("| measure | result | bytes per value |")
    print("|---|---:|---:|")
    for row in figures:
        print(row)


if __name__ == "__main__":
    main()
