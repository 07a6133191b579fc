"""The straightforward per-account ORM loop the pipeline replaces, timed against the pipeline on the same data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/natero_pipebench_slice python bench/pipeline_baseline.py \\
        --accounts 2000 --contacts 20000 --events 600000

For every account, one day: fetch its events, derive sessions with the 30-minute rule in Python, store the day's
account, module and feature roll-ups, fetch its last 30 days of events for monthly users, days active and session
time, then compute each built-in metric the pipeline computes (usage, scores, tickets, interactions, MRR from
subscriptions with currency conversion, invoices) and store it with update_or_create; finally rank accounts by
30-day session time. The events table gets an (account_id, occurred_at) index first, so the loop is not
handicapped by scans the pipeline does not need.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pipeline_bench

GAP = datetime.timedelta(minutes=30)


def _sessions(events: list) -> tuple[int, float]:
    """Sessions and their seconds for one account's events (ordered by user, then time), by the 30-minute rule."""
    count, seconds = 0, 0.0
    by_user: dict[str, list] = {}
    for e in events:
        by_user.setdefault(e.user_id, []).append(e)
    for user_events in by_user.values():
        first = last = None
        module_ms = synced_ms = 0
        for e in user_events:
            if last is not None and e.occurred_at - last >= GAP:
                seconds += synced_ms / 1000 or max((last - first).total_seconds(), module_ms / 1000)
                count += 1
                first, module_ms, synced_ms = None, 0, 0
            first = first or e.occurred_at
            last = e.occurred_at
            if e.action == "moduleEnd":
                module_ms += e.duration_ms or 0
            if e.action == "sessionSync":
                synced_ms = max(synced_ms, e.duration_ms or 0)
        if first is not None:
            seconds += synced_ms / 1000 or max((last - first).total_seconds(), module_ms / 1000)
            count += 1
    return count, seconds


def baseline_day(as_of: datetime.date) -> int:
    """Everything the daily pipeline computes per account, one account at a time with the ORM."""
    from accounts.models import Account, AccountContact, Interaction, SupportTicket
    from metrics.models import Metric, MetricValue
    from revenue.models import ExchangeRate, Invoice, RevenueSettings, Subscription
    from usage.models import AccountUsageDaily, ActivityRank, Event, FeatureUsageDaily, ModuleUsageDaily

    start = datetime.datetime.combine(as_of, datetime.time(), tzinfo=datetime.UTC)
    end = start + datetime.timedelta(days=1)
    month_start = start - datetime.timedelta(days=29)
    metrics = {m.key: m for m in Metric.objects.all()}
    base = RevenueSettings.objects.filter(pk=1).first()
    base = base.base_currency if base else "USD"
    written = 0
    seconds_30d: dict[int, float] = {}
    for account in Account.objects.filter(is_deleted=False):
        usage = Event.objects.filter(account_id=account.account_id).exclude(
            action__in=["identifyUser", "identifyAccount"]
        )
        events = list(usage.filter(occurred_at__gte=start, occurred_at__lt=end).order_by("user_id", "occurred_at"))
        users = {e.user_id for e in events if e.user_id}
        sessions, seconds = _sessions(events)
        if events:
            AccountUsageDaily.objects.update_or_create(
                account=account,
                date=as_of,
                defaults={
                    "events": len(events),
                    "active_users": len(users),
                    "sessions": sessions,
                    "session_seconds": seconds,
                },
            )
        modules: dict[tuple, list] = {}
        features: dict[tuple, float] = {}
        for e in events:
            if e.action == "moduleEnd":
                entry = modules.setdefault((e.module, e.user_id), [0.0, 0])
                entry[0] += (e.duration_ms or 0) / 1000
                entry[1] += 1
            elif e.action == "feature":
                key = (e.feature, e.module, e.user_id)
                features[key] = features.get(key, 0) + (e.quantity or 1)
        for (module, user), (module_seconds, count) in modules.items():
            ModuleUsageDaily.objects.update_or_create(
                account=account,
                date=as_of,
                module=module,
                user_id=user,
                defaults={"seconds": module_seconds, "events": count},
            )
        for (feature, module, user), count in features.items():
            FeatureUsageDaily.objects.update_or_create(
                account=account, date=as_of, feature=feature, module=module, user_id=user, defaults={"count": count}
            )
        month_events = list(
            usage.filter(occurred_at__gte=month_start, occurred_at__lt=end).order_by("user_id", "occurred_at")
        )
        monthly_users = {e.user_id for e in month_events if e.user_id}
        days_active = len({e.occurred_at.date() for e in month_events})
        seconds_30d[account.pk] = _sessions(month_events)[1]
        registered = AccountContact.objects.filter(account=account).exclude(contact__user_id="").count()
        mrr = Decimal(0)
        for sub in Subscription.objects.filter(account=account, start_date__lte=as_of):
            if sub.end_date and sub.end_date < as_of:
                continue
            amount = sub.amount + sum((li.amount for li in sub.line_items.all()), Decimal(0))
            factor = {"month": Decimal(1), "year": Decimal(1) / 12, "week": Decimal(52) / 12, "day": Decimal(365) / 12}[
                sub.cycle_unit
            ]
            rate = Decimal(1)
            if sub.currency != base:
                rates = ExchangeRate.objects.filter(currency_id=sub.currency, date__lte=as_of)
                found = rates.order_by("-date").first()
                rate = found.rate if found else Decimal(1)
            mrr += amount * factor / sub.cycle_length * rate
        last_touch = Interaction.objects.filter(account=account, date__lt=end).order_by("-date").first()
        oldest_open = (
            Invoice.objects.filter(account=account, issued_on__lte=as_of, is_paid=False).order_by("issued_on").first()
        )
        values = {
            "events": len(events) or None,
            "active_users": len(users) or None,
            "sessions": sessions or None,
            "session_time": seconds if events else None,
            "session_time_per_user": seconds / len(users) if users else None,
            "monthly_active_users": len(monthly_users) or None,
            "days_active_30": days_active or None,
            "dau_percent": 100 * len(users) / registered if registered and users else None,
            "mau_percent": 100 * len(monthly_users) / registered if registered and monthly_users else None,
            "csm_score": account.csm_score,
            "nps": account.nps,
            "open_tickets": SupportTicket.objects.filter(account=account, opened_at__lt=end, closed_at=None).count()
            or None,
            "tickets_created": SupportTicket.objects.filter(
                account=account, opened_at__gte=start, opened_at__lt=end
            ).count()
            or None,
            "interactions": Interaction.objects.filter(account=account, date__gte=start, date__lt=end).count() or None,
            "days_since_touchpoint": (as_of - last_touch.date.date()).days if last_touch else None,
            "days_invoice_open": (as_of - oldest_open.issued_on).days if oldest_open else None,
            "mrr": float(mrr) or None,
            "arr": float(mrr) * 12 or None,
        }
        for key, value in values.items():
            if value is not None and key in metrics:
                MetricValue.objects.update_or_create(
                    metric=metrics[key], account=account, date=as_of, defaults={"value": float(value)}
                )
                written += 1
    active = sorted((s, pk) for pk, s in seconds_30d.items() if s > 0)
    for position, (seconds, pk) in enumerate(active):
        below = sum(1 for other, _ in active[:position] if other < seconds)
        ActivityRank.objects.update_or_create(
            entity="account",
            object_id=pk,
            date=as_of,
            defaults={"seconds_30d": seconds, "rank": 100 * below / len(active)},
        )
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=2_000)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=600_000)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]
    pipeline_bench.ensure_database(url)
    pipeline_bench.setup_django(url)
    from metrics.services import catalogue_sync

    pipeline_bench.generate(args.accounts, args.contacts, args.events, args.days, log=lambda *a: None)
    pipeline_bench.prepare_history(pipeline_bench.AS_OF, args.days - 1, fresh=True, log=lambda *a: None)
    pipeline_bench.sql("CREATE INDEX IF NOT EXISTS bench_event_account_time ON usage_event (account_id, occurred_at)")
    pipeline_bench.sql("ANALYZE")
    catalogue_sync()
    as_of = pipeline_bench.AS_OF
    # The pipeline's figure is the median of three first runs of the day (each from a clean slate); the loop then
    # starts from a clean slate too, so both insert the day's rows rather than update them.
    runs = []
    for _ in range(3):
        pipeline_bench.clean_slate(as_of)
        runs.append(pipeline_bench.run_daily_measured(as_of)[0])
    pipeline_seconds = statistics.median(runs)
    pipeline_bench.clean_slate(as_of)
    began = time.perf_counter()
    rows = baseline_day(as_of)
    baseline_seconds = time.perf_counter() - began
    print(f"\n## {args.accounts:,}-account slice ({args.events:,} events over {args.days} days), one day")
    each = ", ".join(f"{r:.2f}" for r in runs)
    print(f"| daily pipeline (every step; median of {each}) | {pipeline_seconds:.2f} s |")
    print(f"| per-account ORM loop ({rows:,} metric values) | {baseline_seconds:.2f} s |")
    print(f"| pipeline speed-up | {baseline_seconds / pipeline_seconds:.0f}x |")


if __name__ == "__main__":
    main()
