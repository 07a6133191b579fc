"""Benchmark of alert rule evaluation at scale (PostgreSQL), and of the alerts page and the task list.

    python bench/alerts_bench.py [--accounts 100000] [--rules 50] [--runs 30]

Creates (or reuses) the database named by BENCH_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/natero_alertbench) and migrates it. Seeds set-based (INSERT ... SELECT
generate_series; skipped when already there): the demo team, N accounts (ten industries, CSM scores, renewal dates
spread over a year, each with one of the demo CSMs), 30 days of daily `events` values per account (a tenth of the
accounts drop by half in the last 14 days) and yesterday's health score, then VACUUM ANALYZE.

Measures: evaluating `--rules` active rules of mixed conditions (an attribute range, an attribute value, the health
score's latest value, a 7-day metric sum, a 14-day trend, a renewal window; about 10 % of the accounts match each)
in all, firing and reasons included; a second evaluation right after (nothing new to fire); then, with 200,000
alerts stored (the alerts of the other rules deleted) and 50,000 of them converted to tasks set-based, the median
and p95 of the alerts page and the task list (HTTP, logged in as a member who sees every account).
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
INDUSTRIES = ["Retail", "Banking", "Healthcare", "Media", "Software", "Logistics", "Energy", "Travel", "Food", "Telco"]
KEEP_ALERTS = 200_000
TASKS = 50_000


def _prepare_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _seed(accounts: int, as_of: datetime.date) -> None:
    """Accounts, their CSMs and the metric values the rules read, each in one statement."""
    from django.db import connection

    from healthscore.models import HealthConfiguration, HealthScore
    from metrics.models import Metric, MetricValue
    from metrics.services import catalogue_sync
    from team.models import User

    catalogue_sync()
    csms = list(User.objects.filter(role__name="CSM").order_by("pk").values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_account")
        if cursor.fetchone()[0] < accounts:
            cursor.execute(
                "INSERT INTO accounts_account (created_at, updated_at, account_id, name, join_date, renewal_date, "
                "csm_score, industry, website, billing_address, source, description, crm_account_id, "
                "billing_account_id, support_account_id, hierarchy_label, status_title, status_details, churn_reason, "
                "is_deleted) "
                "SELECT now(), now(), 'B-' || i, 'Bench account ' || lpad(i::text, 6, '0'), %s::date - (i %% 700), "
                "%s::date + ((i * 7919) %% 365), i %% 100, (%s::text[])[1 + (i / 100) %% 10], '', '', '', '', '', "
                "'', '', '', '', '', '', false FROM generate_series(1, %s) i",
                [as_of, as_of, INDUSTRIES, accounts],
            )
            cursor.execute(
                "INSERT INTO accounts_accountcsm (assigned_at, account_id, user_id) "
                "SELECT now(), a.id, (%s::bigint[])[1 + a.id %% %s] FROM accounts_account a",
                [csms, len(csms)],
            )
        events = Metric.objects.get(key="events")
        # Each month has its partition, as the daily pipeline makes them before it writes.
        from core.partitions import partitions_ensure

        partitions_ensure("metrics_metricvalue", first=as_of - datetime.timedelta(days=29), last=as_of)
        if not MetricValue.objects.filter(metric=events).exists():
            # A steady (id mod 100) events a day; accounts whose id ends in 0 halve them in the last 14 days.
            cursor.execute(
                "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
                "SELECT %s, a.id, d::date, CASE WHEN a.id %% 10 = 0 AND d::date > %s::date - 14 "
                "THEN (a.id %% 100) / 2.0 + 1 ELSE (a.id %% 100) + 2 END "
                "FROM accounts_account a CROSS JOIN generate_series(%s::date - 29, %s::date, interval '1 day') d "
                "ORDER BY 3, 2",  # a day at a time, as the pipeline writes them
                [events.pk, as_of, as_of, as_of],
            )
        if not HealthScore.objects.exists():
            # Yesterday's health score, as the scoring step stores it (the metric reads the score history).
            default = HealthConfiguration.objects.get(is_default=True)
            partitions_ensure("healthscore_healthscore", first=as_of - datetime.timedelta(days=1), last=as_of)
            cursor.execute(
                "INSERT INTO healthscore_healthscore (account_id, date, configuration_id, version, score, "
                "missing_weight, components, criteria) "
                "SELECT a.id, %s::date - 1, %s, %s, (a.id * 37) %% 100, 0, '{}', '{}' FROM accounts_account a",
                [as_of, default.pk, default.version],
            )
    connection.ensure_connection()
    old = connection.connection.autocommit
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.connection.autocommit = old


def _doc(*children: dict, match: str = "all") -> dict:
    return {"version": 1, "root": {"type": "group", "match": match, "children": list(children)}}


def _rule_conditions(n: int) -> dict:
    """Fifty rules in six kinds of conditions, each matching about a tenth of the accounts."""
    k = n % 10
    kind = n // 10
    if kind == 0:
        return _doc(
            {"type": "attribute", "field": "csm_score", "op": "between", "value": k * 10, "value2": k * 10 + 9},
            {"type": "date", "field": "renewal_date", "op": "is_not_empty"},
        )
    if kind == 1:
        return _doc({"type": "attribute", "field": "industry", "op": "is", "value": INDUSTRIES[k]})
    if kind == 2:
        health = {"type": "metric", "metric": "health_score", "aggregation": "latest"}
        window = {"kind": "last_days", "days": 3}
        return _doc({**health, "window": window, "op": "between", "value": k * 10, "value2": k * 10 + 9})
    if kind == 3:
        events = {
            "type": "metric",
            "metric": "events",
            "aggregation": "sum",
            "window": {"kind": "last_days", "days": 7},
        }
        # (id mod 100) + 2 a day for seven days; the accounts in a drop have less and match the lower ranges.
        return _doc({**events, "op": "between", "value": 7 * (k * 10 + 2), "value2": 7 * (k * 10 + 11) - 1})
    if k < 5:
        trend = {"type": "metric_trend", "metric": "events", "aggregation": "sum", "direction": "below"}
        return _doc({**trend, "window": {"kind": "last_days", "days": 14}, "percent": 30 + k})
    window = {"kind": "next_days", "days": 36}
    return _doc({"type": "date", "field": "renewal_date", "op": "within", "window": window})


def _measure(fn, runs: int) -> tuple[float, float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natero_alertbench")
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
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)

    from accounts.models import Account
    from alerts.evaluation import rules_evaluate
    from alerts.models import Alert, AlertRule
    from alerts.services import alert_type_for
    from team.demo import DEMO_EMAIL, seed_team
    from team.models import User

    seed_team()
    as_of = datetime.date.today()
    started = time.perf_counter()
    _seed(args.accounts, as_of)
    print(f"seeded in {time.perf_counter() - started:.1f} s: {Account.objects.count()} accounts")

    AlertRule.objects.update(is_active=False)
    Alert.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tasks_task WHERE source = 'alert'")
    churn = alert_type_for("Churn")
    rules = []
    for n in range(args.rules):
        rule, _ = AlertRule.objects.update_or_create(
            name=f"Bench rule {n:02d}",
            defaults={"type": churn, "conditions": _rule_conditions(n), "is_active": True, "problem": ""},
        )
        rules.append(rule)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE alerts_alert")

    started = time.perf_counter()
    first = rules_evaluate()
    first_seconds = time.perf_counter() - started
    fired = first["alerts fired"]
    print(f"first evaluation: {first_seconds:.1f} s, {first}")
    per_rule = [Alert.objects.filter(rule=rule).count() for rule in rules]
    print(f"alerts per rule: min {min(per_rule)}, median {statistics.median(per_rule)}, max {max(per_rule)}")
    started = time.perf_counter()
    second = rules_evaluate()
    second_seconds = time.perf_counter() - started
    print(f"second evaluation: {second_seconds:.1f} s, {second}")

    # Keep the alerts of the first rules up to 200,000; convert 50,000 of them to alert tasks set-based.
    kept, keep_ids = 0, []
    for rule, count in zip(rules, per_rule, strict=True):
        if kept + count <= KEEP_ALERTS:
            keep_ids.append(rule.pk)
            kept += count
    Alert.objects.exclude(rule_id__in=keep_ids).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH picked AS (SELECT id, account_id, rule_id, triggered_at FROM alerts_alert ORDER BY id LIMIT %s), "
            "made AS (INSERT INTO tasks_task (created_at, updated_at, title, description, priority, due_date, status, "
            "outcome, source, source_name, account_id, owner_id) "
            "SELECT p.triggered_at, p.triggered_at, 'Bench task ' || p.id, '', 'normal', "
            "%s::date + (p.id %% 60)::int - 20, 'open', '', 'alert', 'Bench', p.account_id, c.user_id FROM picked p "
            "JOIN accounts_accountcsm c ON c.account_id = p.account_id RETURNING id, title) "
            "UPDATE alerts_alert a SET task_id = made.id FROM made WHERE made.title = 'Bench task ' || a.id",
            [TASKS, as_of],
        )
        cursor.execute("VACUUM ANALYZE alerts_alert")
        cursor.execute("VACUUM ANALYZE tasks_task")
    stored, tasks = Alert.objects.count(), Alert.objects.exclude(task=None).count()
    print(f"stored for the pages: {stored} alerts, {tasks} alert tasks")

    user = User.objects.get(email=DEMO_EMAIL)
    client = Client()
    client.force_login(user)

    def get(path: str, params: dict | None = None):
        def run():
            response = client.get(path, params or {})
            assert response.status_code == 200, (path, response.status_code)

        return run

    pages = [
        ("alerts page, open alerts", "/alerts/", {}),
        ("alerts page, open alert tasks", "/alerts/", {"tab": "open_tasks"}),
        ("alerts page, My accounts", "/alerts/", {"view": "my"}),
        ("task list", "/tasks/", {}),
        ("task list, overdue", "/tasks/", {"due": "overdue"}),
    ]
    results = []
    for label, path, params in pages:
        median, p95 = _measure(get(path, params), args.runs)
        results.append((label, median, p95))
        print(f"{label}: median {median:.1f} ms, p95 {p95:.1f} ms")
    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    print(f"load average at the end: {load}")
    print(
        f"SUMMARY first={first_seconds:.1f}s fired={fired} second={second_seconds:.1f}s "
        + " ".join(f"{label}={median:.0f}/{p95:.0f}ms" for label, median, p95 in results)
    )


if __name__ == "__main__":
    main()
