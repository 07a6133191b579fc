"""Benchmark of the data pipeline at scale, and of the per-account ORM loop it replaces.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/natero_pipebench python bench/pipeline_bench.py

Builds (once; --regenerate to rebuild) 100,000 accounts, 1,000,000 contacts and 30,000,000 events over 90 days
with set-based SQL, runs the daily pipeline for each earlier day (89 by default, --history-days fewer), then
measures:
  1. the full daily pipeline for one day (target < 120 s), step by step;
  2. the hourly run after 1,000,000 new events today (target: roll-up < 30 s);
  3. peak memory of this process (target < 2 GB);
  4. on a 2,000-account slice (its own database, same density), the daily pipeline against the straightforward
     per-account ORM loop in bench/pipeline_baseline.py (target: at least 50x faster).
Prints a Markdown table for docs/benchmarks.md. Loopback PostgreSQL only; bounded in size and time.
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AS_OF = datetime.date(2026, 11, 20)


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")
    import django

    django.setup()


def ensure_database(url: str) -> None:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    exists = subprocess.run(
        [
            "psql",
            "-h",
            parsed.hostname or "127.0.0.1",
            "-U",
            parsed.username or "postgres",
            "-Atc",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["createdb", "-h", parsed.hostname or "127.0.0.1", "-U", parsed.username or "postgres", name], check=True
        )


def sql(statement: str, params: list | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def scalar(statement: str, params: list | None = None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def generate(accounts: int, contacts: int, events: int, days: int, *, log=print) -> None:
    """Accounts (5 % with a parent), contacts (each in one account), one subscription per account (10 % in EUR),
    and events: 70 % feature uses, 25 % module time, 5 % session syncs, skewed so some accounts are far busier."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    for table in [
        "usage_event",
        "accounts_accountcontact",
        "accounts_contact",
        "revenue_subscription",
        "accounts_account",
    ]:
        sql(f"TRUNCATE {table} CASCADE")
    began = time.perf_counter()
    sql(
        """
        INSERT INTO accounts_account (id, created_at, updated_at, account_id, name, industry, website,
            billing_address, source, description, crm_account_id, billing_account_id, support_account_id,
            hierarchy_label, status_title, status_details, churn_reason, is_deleted, csm_score, nps, join_date,
            churned_on)
        SELECT g, now(), now(), 'acc-' || g, 'Company ' || g, '', '', '', 'bench', '', '', '', '', '', '', '', '',
            FALSE, (g * 37) %% 101, (g * 7) %% 11, DATE '2024-01-01' + (g %% 700),
            CASE WHEN g %% 50 = 0 THEN DATE %s - (g %% 60) END
        FROM generate_series(1, %s) g
        """,
        [AS_OF, accounts],
    )
    sql("UPDATE accounts_account SET parent_id = id - 1 WHERE id % 20 = 0")
    sql("SELECT setval(pg_get_serial_sequence('accounts_account', 'id'), %s)", [accounts])
    sql(
        """
        INSERT INTO accounts_contact (id, created_at, updated_at, user_id, name, email, title, role, phone,
            email_opt_out)
        SELECT g, now(), now(), 'u' || g, 'Person ' || g, 'p' || g || '@example.com', '', '', '', FALSE
        FROM generate_series(1, %s) g
        """,
        [contacts],
    )
    sql("SELECT setval(pg_get_serial_sequence('accounts_contact', 'id'), %s)", [contacts])
    sql(
        "INSERT INTO accounts_accountcontact (created_at, account_id, contact_id) "
        "SELECT now(), (g %% %s) + 1, g FROM generate_series(1, %s) g",
        [accounts, contacts],
    )
    sql(
        """
        INSERT INTO revenue_subscription (created_at, updated_at, account_id, subscription_id, plan, start_date,
            end_date, cycle_length, cycle_unit, amount, currency, renews, source_id)
        SELECT now(), now(), g, 'sub-' || g, 'Plan', DATE '2025-01-01' + (g %% 400),
            CASE WHEN g %% 9 = 0 THEN DATE %s - (g %% 120) + 60 END, 1,
            CASE WHEN g %% 4 = 0 THEN 'year' ELSE 'month' END, 100 + (g %% 50) * 20,
            CASE WHEN g %% 10 = 0 THEN 'EUR' ELSE 'USD' END, TRUE, 0
        FROM generate_series(1, %s) g
        """,
        [AS_OF, accounts],
    )
    sql("INSERT INTO revenue_currency (code, name) VALUES ('EUR', 'Euro') ON CONFLICT DO NOTHING")
    sql(
        "INSERT INTO revenue_exchangerate (currency_id, date, rate) VALUES ('EUR', DATE '2024-01-01', 1.08) "
        "ON CONFLICT DO NOTHING"
    )
    log(f"accounts, contacts, subscriptions: {time.perf_counter() - began:.1f} s")
    # Day by day, oldest first and in time order within a day: the physical order real ingestion gives.
    per_account = contacts // accounts
    per_day = events // days
    began = time.perf_counter()
    for offset in range(days - 1, -1, -1):
        first = offset * per_day
        sql(
            """
            INSERT INTO usage_event (source_id, event_id, account_id, user_id, action, module, feature, quantity,
                duration_ms, session_id, product, occurred_at, received_at, details)
            SELECT 1, 'e' || g, 'acc-' || acct, 'u' || (acct - 1 + %s * (g %% %s)),
                CASE WHEN g %% 20 < 14 THEN 'feature' WHEN g %% 20 < 19 THEN 'moduleEnd' ELSE 'sessionSync' END,
                (ARRAY['Dashboard', 'Reports', 'Settings', 'Integrations', 'Billing'])[1 + g %% 5],
                CASE WHEN g %% 20 < 14 THEN (ARRAY['export', 'share', 'create_report', 'invite_user',
                    'filter', 'comment'])[1 + g %% 6] ELSE '' END,
                CASE WHEN g %% 20 < 14 THEN 1 END,
                CASE WHEN g %% 20 >= 14 THEN 30000 + (g %% 570) * 1000 END,
                '', '', at, now(), NULL
            FROM (
                SELECT g, 1 + floor(%s * power(((g * 2654435761) %% 4294967296) / 4294967296.0, 2))::int AS acct,
                    TIMESTAMPTZ %s + ((g * 7919) %% 86400) * INTERVAL '1 second' AS at
                FROM generate_series(%s::bigint, %s::bigint) g
            ) s
            ORDER BY at
            """,
            [
                accounts,
                per_account,
                accounts,
                f"{(AS_OF - datetime.timedelta(days=offset)).isoformat()} 00:00:00+00",
                first + 1,
                first + per_day,
            ],
        )
        if offset % 10 == 0:
            log(f"events up to day -{offset}: {time.perf_counter() - began:.0f} s")
    sql("ANALYZE")


def hourly_events(count: int, accounts: int, per_account: int, day: datetime.date) -> None:
    """`count` new events today (the hourly run's input), spread over the hours so far."""
    sql(
        """
        INSERT INTO usage_event (source_id, event_id, account_id, user_id, action, module, feature, quantity,
            duration_ms, session_id, product, occurred_at, received_at, details)
        SELECT 2, 'h' || g, 'acc-' || acct, 'u' || (acct - 1 + %s * (g %% %s)), 'feature', 'Reports', 'export', 1,
            NULL, '', '', TIMESTAMPTZ %s + ((g * 7919) %% 43200) * INTERVAL '1 second', now(), NULL
        FROM (SELECT g, 1 + floor(%s * power(((g * 2654435761) %% 4294967296) / 4294967296.0, 2))::int AS acct
              FROM generate_series(1, %s::bigint) g) s
        """,
        [accounts, per_account, f"{day.isoformat()} 00:00:00+00", accounts, count],
    )
    sql("ANALYZE usage_event")


DERIVED_BY_DAY = [
    "usage_usagesession",
    "usage_accountusagedaily",
    "usage_contactusagedaily",
    "usage_moduleusagedaily",
    "usage_featureusagedaily",
    "usage_activityrank",
    "metrics_metricvalue",
]


def clean_slate(*days: datetime.date) -> None:
    """Measure every run as the first one for its days: remove what an earlier bench run derived for them (current
    values go back to the day before, so the run updates them as the first one did), vacuum away the dead rows that
    left behind, and checkpoint, so no run pays for the previous one's garbage."""
    from django.db import connection

    from metrics.services import current_values_refresh

    for table in DERIVED_BY_DAY:
        sql(f"DELETE FROM {table} WHERE date IN ({', '.join(['%s'] * len(days))})", list(days))
    if sql("DELETE FROM metrics_metriccurrent WHERE as_of >= %s", [min(days)]) > 0:
        current_values_refresh(as_of=min(days) - datetime.timedelta(days=1))
    with connection.cursor() as cursor:
        for table in [*DERIVED_BY_DAY, "metrics_metriccurrent", "usage_event"]:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_daily_measured(as_of: datetime.date) -> tuple[float, list[tuple[str, float, int | None]]]:
    from core.pipeline import pipeline_run

    began = time.perf_counter()
    run = pipeline_run(as_of=as_of, triggered_by="bench")
    total = time.perf_counter() - began
    return total, [(s.name, s.duration_seconds, s.rows) for s in run.steps.all()]


DERIVED = [*DERIVED_BY_DAY, "metrics_metriccurrent", "revenue_mrrmovement", "core_pipelinesteprun", "core_pipelinerun"]


def history_days_missing(as_of: datetime.date, days: int) -> list[datetime.date]:
    """The days of the `days` before `as_of` that the daily pipeline has not yet run for successfully."""
    from core.models import PipelineRun

    first = as_of - datetime.timedelta(days=days)
    done = set(
        PipelineRun.objects.filter(kind="daily", status="succeeded", as_of__gte=first, as_of__lt=as_of).values_list(
            "as_of", flat=True
        )
    )
    return [day for day in (first + datetime.timedelta(days=n) for n in range(days)) if day not in done]


def prepare_history(as_of: datetime.date, days: int, *, fresh: bool = False, log=print) -> None:
    """Run the whole daily pipeline for the `days` days before the measured one, oldest first (a backfill), so the
    measured day finds what an installation running that long has: the roll-ups, the ranks with their trends, the
    metric values and their history. An interrupted history resumes at its first missing day (the days before it
    were computed in order); any other gap, or `fresh`, starts again from empty derived tables."""
    from core.pipeline import pipeline_backfill

    missing = history_days_missing(as_of, days)
    if not missing and not fresh:
        return
    tail = [as_of - datetime.timedelta(days=len(missing) - n) for n in range(len(missing))]
    if fresh or missing != tail:
        sql(f"TRUNCATE {', '.join(DERIVED)}")
        missing = history_days_missing(as_of, days)
    began = time.perf_counter()
    pipeline_backfill(as_of=as_of - datetime.timedelta(days=1), days=len(missing), triggered_by="bench history")
    log(f"history: {len(missing)} of {days} days computed by the daily pipeline in {time.perf_counter() - began:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=30_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument(
        "--history-days",
        type=int,
        default=None,
        help="Days of derived history the daily pipeline builds before the measured day (default: --days - 1).",
    )
    parser.add_argument("--hourly-events", type=int, default=1_000_000)
    parser.add_argument("--slice-accounts", type=int, default=2_000)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--skip-slice", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natero_pipebench")
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generated = args.regenerate or scalar("SELECT COUNT(*) FROM accounts_account") != args.accounts
    if generated:
        generate(args.accounts, args.contacts, args.events, args.days)
    history_days = args.days - 1 if args.history_days is None else min(args.history_days, args.days - 1)
    prepare_history(AS_OF, history_days, fresh=generated)
    n_events = scalar("SELECT COUNT(*) FROM usage_event WHERE source_id = 1")
    day_events = scalar(
        "SELECT COUNT(*) FROM usage_event WHERE occurred_at >= %s AND occurred_at < %s",
        [f"{AS_OF} 00:00+00", f"{AS_OF + datetime.timedelta(days=1)} 00:00+00"],
    )
    print(
        f"data: {args.accounts:,} accounts, {args.contacts:,} contacts, {n_events:,} events; "
        f"{day_events:,} events on {AS_OF}"
    )
    today = AS_OF + datetime.timedelta(days=1)
    sql("DELETE FROM usage_event WHERE source_id = 2")
    clean_slate(AS_OF, today)
    total, steps = run_daily_measured(AS_OF)
    print(f"\n## Daily pipeline for {AS_OF}: {total:.1f} s")
    for name, seconds, rows in steps:
        print(f"| {name} | {seconds:.2f} s | {rows if rows is not None else ''} |")

    from core.pipeline import HOURLY, pipeline_run

    hourly_events(args.hourly_events, args.accounts, args.contacts // args.accounts, today)
    # As over an hour of ingestion: autovacuum has visited the new events (and summarized their BRIN ranges).
    sql("VACUUM ANALYZE usage_event")
    sql("CHECKPOINT")
    began = time.perf_counter()
    run = pipeline_run(as_of=today, kind=HOURLY, triggered_by="bench")
    hourly_total = time.perf_counter() - began
    rollup = sum(s.duration_seconds for s in run.steps.all() if s.name == "sessions and usage roll-ups")
    print(
        f"\n## Hourly run with {args.hourly_events:,} new events: roll-up {rollup:.1f} s, whole run "
        f"{hourly_total:.1f} s"
    )
    for step in run.steps.all():
        print(f"| {step.name} | {step.duration_seconds:.2f} s | {step.rows} |")
    print(f"\npeak memory of the pipeline process: {peak_mb():.0f} MB")

    if not args.skip_slice:
        slice_url = url.rsplit("/", 1)[0] + "/natero_pipebench_slice"
        ratio_cmd = [
            sys.executable,
            str(ROOT / "bench" / "pipeline_baseline.py"),
            "--accounts",
            str(args.slice_accounts),
            "--contacts",
            str(args.slice_accounts * args.contacts // args.accounts),
            "--events",
            str(args.events * args.slice_accounts // args.accounts),
            "--days",
            str(args.days),
        ]
        subprocess.run(ratio_cmd, env={**os.environ, "DATABASE_URL": slice_url}, check=True)


if __name__ == "__main__":
    main()
