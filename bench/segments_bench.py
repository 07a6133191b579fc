"""Benchmark of list evaluation at scale (PostgreSQL): a five-condition list and the builder's live count.

    python bench/segments_bench.py [--accounts 100000] [--days 90] [--runs 30] [--write docs/benchmarks.md]

Creates (or reuses) the database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/natero_segbench), migrates it, seeds the demo team and N demo accounts (with
contacts) through the accounts demo seeder, then writes ~`--days` days of daily values for the metrics `events`,
`active_users` and `session_time` set-based (INSERT ... SELECT generate_series; skipped when already there).
Measures the median and p95 of: counting the five-condition list (two attributes, two metric windows, one date)
as a member who sees all accounts; the same through the builder's live-count endpoint (HTTP, logged in); and the
first page of the list's result table.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
MARKER = "## Lists (segments app)"


def _prepare_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _metric_history(as_of: datetime.date, days: int) -> int:
    """Daily values for three usage-like metrics, for every account, written in one statement per metric."""
    from django.db import connection

    from metrics.models import Metric, MetricKind, MetricUnit, MetricValue

    specs = [
        ("events", "Events", MetricUnit.COUNT, "sum", "floor(random() * 40)"),
        ("active_users", "Active users", MetricUnit.COUNT, "max", "floor(random() * 12)"),
        ("session_time", "Session time", MetricUnit.SECONDS, "sum", "floor(random() * 3600)"),
    ]
    from core.partitions import partitions_ensure

    # The months first, so the rows go straight into their partitions instead of the default one.
    partitions_ensure("metrics_metricvalue", first=as_of - datetime.timedelta(days=days - 1), last=as_of)
    written = 0
    for key, name, unit, how, expr in specs:
        metric, _ = Metric.objects.get_or_create(
            key=key, defaults={"name": name, "kind": MetricKind.BUILTIN, "unit": unit, "time_aggregation": how}
        )
        if MetricValue.objects.filter(metric=metric).exists():
            continue
        with connection.cursor() as cursor:
            # About 1 account in 8 is idle (no rows at all), and each active one skips ~20 % of days.
            cursor.execute(
                "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
                f"SELECT %s, a.id, d::date, {expr} FROM accounts_account a "
                "CROSS JOIN generate_series(%s::date - (%s - 1), %s::date, interval '1 day') d "
                "WHERE a.id %% 8 <> 0 AND random() < 0.8",
                [metric.pk, as_of, days, as_of],
            )
            written += cursor.rowcount
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE metrics_metricvalue")
    return written


def _measure(fn, runs: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", default="", help="Markdown file to write the results to.")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natero_segbench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")
    _prepare_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SECURE_SSL_REDIRECT = False
    # Pages render without collectstatic: plain static storage (no manifest), as in the test suite.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)

    from accounts.demo import seed_accounts
    from accounts.models import Account, Contact
    from metrics.models import MetricValue
    from segments.forms import builder_context  # noqa: F401  (the builder imports cleanly)
    from segments.models import Segment, Visibility
    from segments.selectors import conditions_count, conditions_queryset, list_query_settings
    from segments.services import segment_save
    from team.demo import DEMO_EMAIL, seed_team
    from team.models import User

    seed_team()
    started = time.perf_counter()
    before = Account.objects.count()
    seed_accounts(accounts=args.accounts, stdout=sys.stdout)
    seed_seconds = time.perf_counter() - started
    seeded = Account.objects.count() > before
    as_of = datetime.date.today()
    started = time.perf_counter()
    written = _metric_history(as_of, args.days)
    history_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    n_accounts, n_contacts, n_values = Account.objects.count(), Contact.objects.count(), MetricValue.objects.count()
    print(f"data: {n_accounts} accounts, {n_contacts} contacts, {n_values} metric values ({written} new)")

    user = User.objects.get(email=DEMO_EMAIL)
    conditions = {
        "version": 1,
        "root": {
            "type": "group",
            "match": "all",
            "children": [
                {"type": "attribute", "field": "tier", "op": "in", "values": ["Enterprise", "Mid-market"]},
                {"type": "attribute", "field": "csm_score", "op": "lt", "value": 70},
                {
                    "type": "metric",
                    "metric": "events",
                    "aggregation": "sum",
                    "window": {"kind": "last_days", "days": 30},
                    "op": "lt",
                    "value": 500,
                },
                {
                    "type": "metric_trend",
                    "metric": "session_time",
                    "window": {"kind": "last_days", "days": 14},
                    "direction": "below",
                    "percent": 10,
                },
                {"type": "date", "field": "renewal_date", "op": "within", "window": {"kind": "next_days", "days": 180}},
            ],
        },
    }
    segment = Segment.objects.filter(name="Bench: five conditions").first() or Segment(
        name="Bench: five conditions", visibility=Visibility.SHARED
    )
    segment_save(
        segment=segment, conditions=conditions, columns=["field:tier", "field:csm_score", "metric:events"], owner=user
    )
    matches = conditions_queryset(user=user, data=conditions, entity="account", as_of=as_of).count()
    print(f"the list matches {matches} accounts")
    with list_query_settings(), connection.cursor() as cursor:
        sql, params = (
            conditions_queryset(user=user, data=conditions, entity="account", as_of=as_of)
            .values("id")
            .query.sql_with_params()
        )
        cursor.execute("EXPLAIN ANALYZE SELECT COUNT(*) FROM (" + sql + ") q", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(plan)

    client = Client()
    client.force_login(user)
    form = {
        "entity": "account",
        "r:match": "all",
        "node": ["r-1", "r-2", "r-3", "r-4", "r-5"],
        "r-1:type": "attribute", "r-1:field": "tier", "r-1:op": "in", "r-1:values": "Enterprise, Mid-market",
        "r-2:type": "attribute", "r-2:field": "csm_score", "r-2:op": "lt", "r-2:value": "70",
        "r-3:type": "metric", "r-3:metric": "events", "r-3:aggregation": "sum", "r-3:op": "lt", "r-3:value": "500",
        "r-3:wkind": "last_days", "r-3:wdays": "30",
        "r-4:type": "metric_trend", "r-4:metric": "session_time", "r-4:direction": "below", "r-4:percent": "10",
        "r-4:wkind": "last_days", "r-4:wdays": "14",
        "r-5:type": "date", "r-5:field": "renewal_date", "r-5:op": "within",
        "r-5:wkind": "next_days", "r-5:wdays": "180",
    }  # fmt: skip

    def evaluate() -> None:
        conditions_count(user=user, data=conditions, entity="account", as_of=as_of)

    def live_count() -> None:
        response = client.post("/lists/builder/count/", form, HTTP_HX_REQUEST="true")
        assert response.status_code == 200 and b"match-count" in response.content, response.content[:300]

    def first_page() -> None:
        assert client.get(f"/lists/{segment.pk}/").status_code == 200

    results = [
        ("Five-condition list, evaluated (count)", *_measure(evaluate, args.runs), "500 ms"),
        ("Builder live count (HTTP, htmx partial)", *_measure(live_count, args.runs), "300 ms"),
        ("List page, first page of results with columns", *_measure(first_page, args.runs), "—"),
    ]
    for label, median, p95, target in results:
        print(f"{label:50s} median {median:7.1f} ms  p95 {p95:7.1f} ms  (target {target})")

    if args.write:
        import platform

        lines = [
            MARKER,
            "",
            "Command: `python bench/segments_bench.py "
            f"--accounts {args.accounts} --days {args.days} --runs {args.runs}` "
            "(PostgreSQL, logged in as a member who sees all accounts, DEBUG off).",
            "",
            f"Data: {n_accounts:,} accounts and {n_contacts:,} contacts from the accounts demo seeder ("
            + (f"seeded in {seed_seconds:.0f} s" if seeded else "seeded by an earlier run")
            + f"); {n_values:,} daily metric values ({args.days} days of `events`, `active_users`, `session_time` "
            "for ~7 accounts in 8, "
            + (f"written in {history_seconds:.0f} s" if written else "written by an earlier run")
            + ").",
            "The list: tier in (Enterprise, Mid-market) AND CSM score < 70 AND events (sum, last 30 days) < 500 AND "
            "session time (last 14 days) at least 10 % below the 14 days before AND renewal within the next 180 days "
            f"— {matches:,} accounts match.",
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"measured {time.strftime('%Y-%m-%d')}.",
            "",
            "| measure | median | p95 | target (median) |",
            "|---|---:|---:|---:|",
            *[f"| {label} | {median:.1f} ms | {p95:.1f} ms | {target} |" for label, median, p95, target in results],
            "",
        ]
        path = ROOT / args.write
        existing = path.read_text() if path.exists() else "# Benchmarks\n\n"
        if MARKER in existing:
            head, _, tail = existing.partition(MARKER)
            rest = tail.split("\n## ", 1)
            existing = head + ("## " + rest[1] if len(rest) > 1 else "")
        path.write_text(existing.rstrip() + "\n\n" + "\n".join(lines))
        print(f"written to {path}")


if __name__ == "__main__":
    main()
