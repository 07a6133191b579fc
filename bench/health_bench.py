"""Benchmark of health scores at scale (PostgreSQL): scoring a day, the live preview, a backfill, the calibration
report and a what-if.

    python bench/health_bench.py [--accounts 100000] [--days 180] [--backfill-days 180] [--runs 5] [--reseed]

Uses the database named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/natero_calibration),
created and migrated when missing. Seeding is set-based (INSERT ... SELECT generate_series, no pipeline): N accounts,
each with a latent health h in [0, 1); about 11 % churn during the history, more often the lower h is, and their
usage fades over the 60 days before they churn. Values cover `--days` days plus the 30-day window before the first
one: DAU % daily (9 days in 10), session time and days active weekly, support tickets on 1-6 % of days. The Default
configuration is replaced by a four-criterion one over those metrics (Engagement 40: DAU % average over 30 days
2 / 40, session time max over 30 days 60 / 1,800 s; Adoption 35: days active latest in 7 days 3 / 20; Support 25:
tickets sum over 30 days, inverted 0 / 4). VACUUM ANALYZE after seeding, before measuring.

Measures: scoring one day (the pipeline step, health metrics included), the scoring of one changed configuration
inside a rolled-back transaction, the editor's live preview of an edit (weights and a bound; and a window, which
reads that criterion's metric values again), backfilling `--backfill-days` days (once; the score
history the calibration then reads), the calibration report at a 30-day horizon, a what-if of changed weights and
bounds, and the suggested weights.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
AS_OF = datetime.date(2026, 6, 30)

METRICS = [
    ("bench_dau_pct", "Bench DAU %", "percent"),
    ("bench_session_time", "Bench session time", "seconds"),
    ("bench_days_active", "Bench days active", "number"),
    ("bench_tickets", "Bench tickets", "count"),
]


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


def _prepare_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _sql(statement: str, params: list | None = None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def seed(accounts: int, days: int, *, reseed: bool) -> None:
    """Accounts with churn and their metric history, written set-based; what a previous seeding left of the same
    size is kept (a metric that has values is not written again) unless `reseed`."""
    from accounts.models import Account
    from metrics.models import Metric, MetricKind, MetricValue

    began = time.perf_counter()
    if reseed or Account.objects.count() != accounts:
        for table in ("healthscore_healthscore", "metrics_metricvalue", "metrics_currentmetricvalue"):
            with contextlib.suppress(Exception):  # a table another version of the schema does not have
                _sql(f"TRUNCATE {table}")
        _sql("DELETE FROM accounts_account")
        # h = latent health; churn with probability 0.36 (1 - h)^2 (about 11 %), on a day spread over the history.
        _sql(
            """
            INSERT INTO accounts_account (id, created_at, updated_at, account_id, name, industry, website,
                billing_address, source, description, crm_account_id, billing_account_id, support_account_id,
                hierarchy_label, status_title, status_details, churn_reason, is_deleted, csm_score, nps, join_date,
                churned_on)
            SELECT g, now(), now(), 'acc-' || g, 'Company ' || g, '', '', '', 'bench', '', '', '', '', '', '', '',
                '', FALSE, NULL, NULL, DATE '2024-01-01' + (g %% 700),
                CASE WHEN ((g * 7331) %% 1000) / 1000.0 < 0.36 * power(1 - ((g * 7919) %% 1000) / 1000.0, 2)
                     THEN DATE %s - ((g * 31) %% %s) END
            FROM generate_series(1, %s) g
            """,
            [AS_OF, days, accounts],
        )
        _sql("SELECT setval(pg_get_serial_sequence('accounts_account', 'id'), %s)", [accounts])
        log(f"accounts: {time.perf_counter() - began:.1f} s")
    first_value_day = AS_OF - datetime.timedelta(days=days + 29)
    ids = {}
    for key, name, unit in METRICS:
        metric, _ = Metric.objects.update_or_create(
            key=key, defaults={"name": name, "kind": MetricKind.CUSTOM, "unit": unit, "deleted_at": None}
        )
        ids[key] = metric.pk
    # fade: 1 far from churn, falling to 0.2 on the churn day over the 60 days before it.
    base = (
        "FROM (SELECT a.id, ((a.id * 7919) %% 1000) / 1000.0 AS h, d::date AS day, "
        "CASE WHEN a.churned_on IS NULL THEN 1.0 ELSE LEAST(1.0, 0.2 + 0.8 * (a.churned_on - d::date) / 60.0) "
        "END AS fade FROM accounts_account a "
        "CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') d "
        "WHERE a.churned_on IS NULL OR d::date < a.churned_on) x WHERE "
    )
    # DAU % daily (9 days in 10); session time and days active once a week (as a weekly roll-up sends them);
    # tickets on 1 % to 6 % of days, more often for less healthy accounts.
    weekly = "EXTRACT(DOW FROM day) = 1"
    specs = [
        ("bench_dau_pct", "LEAST(100, 45 * (0.15 + h) * fade * (0.5 + random()))", "random() < 0.9"),
        ("bench_session_time", "30 + 1500 * (0.3 + 0.7 * h) * fade * random()", weekly),
        ("bench_days_active", "floor(22 * (0.1 + 0.9 * h * fade) * (0.6 + 0.5 * random()))", weekly),
        ("bench_tickets", "1 + floor(2 * random())", "random() < 0.01 + 0.05 * (1 - h * fade)"),
    ]
    # Each month of the history has its partition, as the daily pipeline makes them before it writes.
    from core.partitions import partitions_ensure

    partitions_ensure("metrics_metricvalue", first=first_value_day, last=AS_OF)
    for key, value, keep in specs:
        if MetricValue.objects.filter(metric_id=ids[key]).exists():
            continue
        started = time.perf_counter()
        # In (day, account) order, as the pipeline writes a day at a time: a window of days is then a run of pages.
        written = _sql(
            "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
            f"SELECT %s, id, day, {value} {base} {keep} ORDER BY day, id",
            [ids[key], first_value_day, AS_OF],
        )
        log(f"{key}: {written:,} values in {time.perf_counter() - started:.1f} s")
    _configure()
    started = time.perf_counter()
    _sql("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE: {time.perf_counter() - started:.1f} s; seeding took {time.perf_counter() - began:.1f} s")


def _configure() -> None:
    """The bench's Default configuration: four criteria over the bench metrics."""
    from decimal import Decimal

    from healthscore.models import HealthComponent, HealthConfiguration, HealthCriterion
    from healthscore.services import default_configuration_install

    default_configuration_install()
    default = HealthConfiguration.objects.get(is_default=True)
    default.components.all().delete()
    engagement = [("bench_dau_pct", "average", 30, 2, 40, False), ("bench_session_time", "max", 30, 60, 1800, False)]
    spec = [
        ("Engagement", "40", engagement),
        ("Adoption", "35", [("bench_days_active", "latest", 7, 3, 20, False)]),
        ("Support", "25", [("bench_tickets", "sum", 30, 0, 4, True)]),
    ]
    for order, (name, weight, criteria) in enumerate(spec):
        component = HealthComponent.objects.create(
            configuration=default, name=name, key=name.lower(), weight=Decimal(weight), order=order
        )
        for position, (key, how, window, low, high, inverted) in enumerate(criteria):
            HealthCriterion.objects.create(
                component=component,
                metric_key=key,
                aggregation=how,
                window_days=window,
                low=low,
                high=high,
                inverted=inverted,
                order=position,
            )


def _timed(fn, runs: int) -> tuple[float, float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--backfill-days", type=int, default=180)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reseed", action="store_true", help="Seed again even if data is there.")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument("--skip-seed", action="store_true", help="Use the data as it is.")
    parser.add_argument("--skip-backfill", action="store_true", help="Reuse the score history already stored.")
    parser.add_argument(
        "--sparse-history",
        action="store_true",
        help="Instead of every day, score only the days the 30-day report reads (its observation days, the newest "
        "and the first day of the history) and give the backfill time as the mean per day times the days.",
    )
    parser.add_argument(
        "--observation-days",
        type=int,
        default=13,
        help="With --sparse-history: how many of the report's weekly observation days to score (at most 13).",
    )
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/natero_calibration")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")
    _prepare_database(url)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    if not args.skip_seed:
        log(f"seeding {args.accounts:,} accounts, {args.days} days (load {load()})")
        seed(args.accounts, args.days, reseed=args.reseed)
    if args.seed_only:
        return
    from healthscore import calibration
    from healthscore.models import HealthConfiguration, HealthScore
    from healthscore.services import health_scores_backfill, health_scores_compute

    figures: list[tuple[str, str, str, str]] = []
    first_day = AS_OF - datetime.timedelta(days=args.backfill_days - 1)

    if not args.skip_backfill and args.sparse_history:
        days = [first_day, AS_OF]
        day = AS_OF - datetime.timedelta(days=30)
        while day >= first_day and len(days) < 2 + min(args.observation_days, calibration.MAX_OBSERVATION_DAYS):
            days.append(day)
            day -= datetime.timedelta(days=calibration.OBSERVATION_STEP)
        before = load()
        times = []
        for day in sorted(days):
            started = time.perf_counter()
            health_scores_compute(as_of=day)
            times.append(time.perf_counter() - started)
            log(f"scored {day}: {times[-1]:.1f} s")
        _sql("VACUUM ANALYZE healthscore_healthscore")
        mean = statistics.mean(times)
        figures.append(
            (
                f"backfill {args.backfill_days} days (mean of {len(times)} days scored x {args.backfill_days})",
                f"{mean * args.backfill_days:.0f} s ({mean:.1f} s a day)",
                "600 s",
                f"{before} / {load()}",
            )
        )
        log(figures[-1])
    elif not args.skip_backfill:
        before = load()
        started = time.perf_counter()
        health_scores_backfill(
            first_day=first_day,
            last_day=AS_OF,
            progress=lambda done: done % 10 == 0 and log(f"backfill: {done} days"),
        )
        seconds = time.perf_counter() - started
        _sql("VACUUM ANALYZE healthscore_healthscore")
        figures.append((f"backfill {args.backfill_days} days", f"{seconds:.0f} s", "600 s", f"{before} / {load()}"))
        log(figures[-1])

    before = load()
    median, worst, _ = _timed(lambda: health_scores_compute(as_of=AS_OF), args.runs)
    figures.append(("score one day (pipeline step)", f"{median:.2f} s (max {worst:.2f})", "10 s", before))
    log(figures[-1])

    default = HealthConfiguration.objects.get(is_default=True)

    def preview() -> None:
        with transaction.atomic():
            component = default.components.order_by("order").first()
            component.weight = component.weight * 2
            component.save(update_fields=["weight"])
            health_scores_compute(as_of=AS_OF)
            transaction.set_rollback(True)

    before = load()
    median, worst, _ = _timed(preview, args.runs)
    name = "full rescoring of one changed configuration (rolled back)"
    figures.append((name, f"{median:.2f} s (max {worst:.2f})", "-", before))
    log(figures[-1])

    from healthscore.preview import configuration_preview

    # The scoring runs above rewrote the newest day six times (three of them rolled back); with autovacuum off here,
    # its dead rows would stay in the way of what reads that day, as they would not on an installation.
    _sql("VACUUM ANALYZE healthscore_healthscore")
    _sql("VACUUM ANALYZE metrics_metricvalue")

    def edited(**change) -> list[dict]:
        """The editor's data for the Default as saved, with the first component's weight doubled and `change`
        applied to its first criterion."""
        out = []
        for n, component in enumerate(default.components.order_by("order")):
            criteria = [
                {"id": c.pk, "source": c.source, "metric_key": c.metric_key, "dimension_key": c.dimension_key,
                 "aggregation": c.aggregation, "window_days": c.window_days, "low": c.low, "high": c.high,
                 "inverted": c.inverted}
                for c in component.criteria.order_by("order")
            ]  # fmt: skip
            if n == 0:
                criteria[0].update(change)
            weight = component.weight * 2 if n == 0 else component.weight
            out.append({"id": component.pk, "name": component.name, "key": component.key, "weight": weight,
                        "criteria": criteria})  # fmt: skip
        return out

    for name, components in (
        ("the editor's live preview: weights and a bound changed", edited(high=60.0)),
        ("the editor's live preview: a criterion's window changed too", edited(window_days=14)),
    ):
        before = load()
        median, worst, _ = _timed(
            lambda components=components: configuration_preview(configuration=default, components=components),
            args.runs,
        )
        figures.append((name, f"{median:.2f} s (max {worst:.2f})", "1 s", before))
        log(figures[-1])

    before = load()
    median, worst, report = _timed(lambda: calibration.calibration_report(horizon=30), args.runs)
    figures.append(("calibration report, 30-day horizon", f"{median:.2f} s (max {worst:.2f})", "5 s", before))
    log(f"{figures[-1]}; AUC {report.score.auc}, {report.observations:,} observations")

    proposal = calibration.proposal_of(default)
    for component in proposal.components:
        component.weight = component.weight + 10
    proposal.components[0].criteria[0].high = 60.0
    before = load()
    median, worst, whatif = _timed(lambda: calibration.whatif(default, proposal, horizon=30), args.runs)
    figures.append(("what-if (changed weights and a bound)", f"{median:.2f} s (max {worst:.2f})", "5 s", before))
    log(f"{figures[-1]}; AUC {whatif.current.auc} -> {whatif.changed.auc}")

    before = load()
    median, worst, suggestion = _timed(lambda: calibration.suggested_weights(default, horizon=30), args.runs)
    figures.append(("suggested weights (fit + what-if)", f"{median:.2f} s (max {worst:.2f})", "5 s", before))
    reached = suggestion.whatif.changed.auc if suggestion.whatif else None
    log(f"{figures[-1]}; weights {suggestion.weights}, AUC {reached}")

    scores = HealthScore.objects.count()
    print(f"\nData: {args.accounts:,} accounts, {scores:,} stored scores, as of {AS_OF}")
    print("| measure | median | target | load average (1, 5, 15 min) |\n|---|---:|---:|---|")
    for name, value, target, load_average in figures:
        print(f"| {name} | {value} | {target} | {load_average} |")


if __name__ == "__main__":
    main()
