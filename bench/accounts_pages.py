"""Benchmark of the account list and account page at scale (PostgreSQL).

    python bench/accounts_pages.py [--accounts 100000] [--runs 30] [--write docs/benchmarks.md]

Creates (or reuses) the database named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/natero_bench),
migrates it, seeds the demo team and N demo accounts (about 5 contacts each) with the demo seeder, then measures
over Django's test client: the median and p95 time and the query count of the account list (first page, one
filter, sorted, searched, a one-letter search, two metric columns sorted by one), of each summary panel for every
view, and of an account page. Current metric values and a year of month-end MRR (the precomputed revenue trend)
are written set-based for every account when absent, as the pipeline would leave them.
Results go to stdout and, with --write, to docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _prepare_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed_metrics(connection) -> None:
    """Current values of the list's preferred metric columns and a year of month-end MRR for ~90 % of the accounts
    (set-based, once: kept when already there), then the precomputed revenue trend, as the pipeline leaves them."""
    import datetime

    from core.partitions import partitions_ensure
    from core.sql import date_param
    from metrics.models import Metric, MetricCurrent
    from metrics.selectors import trend_points
    from metrics.services import catalogue_sync, revenue_trend_refresh

    catalogue_sync()
    as_of = datetime.date.today() - datetime.timedelta(days=1)
    ids = dict(Metric.objects.values_list("key", "id"))
    if not MetricCurrent.objects.filter(metric_id=ids["mrr"]).exists():
        with connection.cursor() as cursor:
            # A stable pseudo-random MRR per account (hash of its id), 10 % without revenue.
            cursor.execute(
                "CREATE TEMP TABLE bench_mrr AS SELECT id AS account_id, "
                "ROUND((50 + (hashint4(id::int) & 65535) / 8.0)::numeric, 2)::float AS mrr FROM accounts_account "
                "WHERE is_deleted = FALSE AND (hashint4(id::int) & 15) > 1"
            )
            days = trend_points(as_of)
            partitions_ensure("metrics_metricvalue", first=min(days), last=max(days))
            for index, day in enumerate(days):
                cursor.execute(
                    "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
                    "SELECT %s, account_id, %s, mrr * (0.8 + 0.2 * %s / 12.0) FROM bench_mrr",
                    [ids["mrr"], date_param(day), index],
                )
            values = {
                "mrr": "mrr",
                "arr": "mrr * 12",
                "activity_rank": "(hashint4(account_id::int + 1) & 1023) / 10.23",
                "monthly_active_users": "1 + (hashint4(account_id::int + 2) & 31)",
                "days_since_touchpoint": "(hashint4(account_id::int + 3) & 127)",
            }
            for key, expression in values.items():
                cursor.execute(
                    "INSERT INTO metrics_metriccurrent (metric_id, account_id, value, as_of) "
                    f"SELECT %s, account_id, {expression}, %s FROM bench_mrr",
                    [ids[key], date_param(as_of)],
                )
            cursor.execute("DROP TABLE bench_mrr")
    revenue_trend_refresh(as_of=as_of)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--write", default="", help="Markdown file to write the results to.")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natero_bench")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")
    # Plain static storage: the bench does not run collectstatic (the hashed manifest would be needed otherwise).
    os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    _prepare_database(url)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.SECURE_SSL_REDIRECT = False
    call_command("migrate", verbosity=0)

    from accounts.demo import seed_accounts
    from accounts.models import Account, Contact, Stage
    from team.demo import DEMO_EMAIL, seed_team
    from team.models import User

    seed_team()
    reused = Account.objects.count() >= args.accounts
    started = time.perf_counter()
    seed_accounts(accounts=args.accounts, stdout=sys.stdout)
    seed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    _seed_metrics(connection)
    metric_seconds = time.perf_counter() - started
    print(f"metric values and revenue trend ready ({metric_seconds:.1f} s)")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    n_accounts, n_contacts = Account.objects.count(), Contact.objects.count()
    print(f"data: {n_accounts} accounts, {n_contacts} contacts (seeding took {seed_seconds:.1f} s)")

    user = User.objects.get(email=DEMO_EMAIL)
    client = Client()
    client.force_login(user)
    stage = Stage.objects.order_by("order")[2]
    middle = Account.objects.filter(is_deleted=False).order_by("pk")[n_accounts // 2]
    from accounts.models import AccountListPreference
    from accounts.selectors import DEFAULT_COLUMNS

    AccountListPreference.objects.update_or_create(user=user, defaults={"columns": DEFAULT_COLUMNS, "per_page": 25})
    cases = [
        ("Account list, first page (Active)", "/accounts/", {"view": "active"}),
        ("Account list, filtered by stage", "/accounts/", {"view": "active", "stage": stage.pk}),
        ("Account list, sorted by CSM score desc", "/accounts/", {"view": "active", "sort": "-csm_score"}),
        (
            "Account list, filter + sort + page 20",
            "/accounts/",
            {"view": "all", "stage": stage.pk, "sort": "-csm_score", "page": 20},
        ),
        ("Account list, search", "/accounts/", {"view": "active", "q": "globex"}),
        ("Account list, one-letter search", "/accounts/", {"view": "active", "q": "a"}),
        (
            "Account list, MRR and ARR columns, sorted by MRR desc",
            "/accounts/",
            {"view": "active", "sort": "-metric_mrr"},
        ),
        (
            "Account list, MRR column sorted, MRR filter",
            "/accounts/",
            {"view": "active", "sort": "-metric_mrr", "metric_mrr_min": "1000"},
        ),
        *[
            (f"Summary: {label}, {view}", f"/accounts/summary/{key}/", {"view": view})
            for key, label in (("stages", "accounts by stage"), ("revenue-trend", "MRR / ARR trend"))
            for view in ("active", "all", "churned", "deleted", "my")
        ],
        ("Account page (360)", f"/accounts/{middle.pk}/", {}),
    ]
    results = []
    load_before = os.getloadavg()
    for label, path, params in cases:
        for _ in range(3):
            assert client.get(path, params).status_code == 200
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        with CaptureQueriesContext(connection) as queries:
            client.get(path, params)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        results.append((label, statistics.median(times), p95, len(queries)))
        print(f"{label:45s} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms  {len(queries)} queries")

    load_after = os.getloadavg()
    load = f"load average (1, 5, 15 min) {' / '.join(f'{x:.1f}' for x in load_before)} before the first case and "
    load += f"{' / '.join(f'{x:.1f}' for x in load_after)} after the last"
    print(load)

    if args.write:
        import platform

        seeded = " (an existing data set, reused)" if reused else f" (seeded in {seed_seconds:.0f} s)"
        lines = [
            "## Accounts pages (accounts app)",
            "",
            f"Command: `python bench/accounts_pages.py --accounts {args.accounts} --runs {args.runs}` "
            f"(PostgreSQL, Django test client, logged in as a member who sees all accounts, DEBUG off).",
            "",
            f"Data: {n_accounts:,} accounts, {n_contacts:,} contacts, with stage history, CSM assignments, "
            f"interactions, tickets, notes and NPS from the demo seeder{seeded}; current values of MRR, ARR, "
            "activity rank, active users and days since touchpoint for about 90 % of the accounts and 13 month-end "
            f"MRR values each (the revenue trend), written in {metric_seconds:.1f} s.",
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
            f"measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {load} (the machine is shared: a "
            "figure measured under load is an upper bound). Targets: list and account page median under 100 ms, "
            "each summary panel under 300 ms.",
            "",
            "| page | median | p95 | queries |",
            "|---|---:|---:|---:|",
            *[f"| {label} | {median:.1f} ms | {p95:.1f} ms | {count} |" for label, median, p95, count in results],
            "",
        ]
        path = ROOT / args.write
        existing = path.read_text() if path.exists() else "# Benchmarks\n\n"
        marker = "## Accounts pages (accounts app)"
        section = "\n".join(lines)
        if marker in existing:
            # Replaced where it stands, so the other sections keep their order.
            head, _, tail = existing.partition(marker)
            rest = tail.split("\n## ", 1)
            text = head + section + ("\n## " + rest[1] if len(rest) > 1 else "")
        else:
            text = existing.rstrip() + "\n\n" + section
        path.write_text(text.rstrip() + "\n")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
