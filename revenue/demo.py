"""Demo revenue.

`seed_revenue`: subscriptions for the demo accounts (monthly and yearly plans, add-ons and discounts, a few in EUR
and GBP with dated exchange rates, renewals as yearly terms one after the other, upgrades and downgrades as a plan
that ends and another that starts, churned accounts' subscriptions ended on their churn date) and invoices (paid,
open, failed). Written through the revenue services' bulk upserts, keyed by fixed ids: running it again changes
nothing (accounts that already have subscriptions are skipped). Deterministic: each account draws from its own seeded
generator.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.demo.story import story
from accounts.models import Account
from revenue import services

SEED = 20260103
DEMO_PREFIX = "DEMO-"

# name, cycle unit, price per cycle (USD), seats included
PLANS = {
    "Starter": ("month", Decimal("49"), 5),
    "Growth": ("month", Decimal("199"), 10),
    "Business": ("month", Decimal("499"), 25),
    "Growth annual": ("year", Decimal("2028"), 10),
    "Business annual": ("year", Decimal("5388"), 25),
    "Enterprise": ("year", Decimal("24000"), 100),
}
# The plans each tier of customer buys (by the size in the account's story), with their weights.
PLANS_BY_SIZE = {
    "SMB": [("Starter", 5), ("Growth", 4), ("Growth annual", 2)],
    "Mid-market": [("Business", 3), ("Growth annual", 2), ("Business annual", 4)],
    "Enterprise": [("Enterprise", 1)],
}
UPGRADE = {"Starter": "Growth", "Growth": "Business", "Business": "Business annual"}
SEAT_PRICE = {"month": Decimal("12"), "year": Decimal("120")}  # per extra seat and cycle
# Rates to USD at the start of the past 13 months: a slow drift, so conversions differ month to month.
RATES = {"EUR": (Decimal("1.06"), Decimal("0.004")), "GBP": (Decimal("1.25"), Decimal("0.003"))}
CURRENCY_FACTOR = {"USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79")}


def _months_back(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 - months
    year = day.year + month // 12
    return datetime.date(year, month % 12 + 1, 1)


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _exchange_rates(today: datetime.date) -> list[dict[str, Any]]:
    records = []
    for code, (start, step) in RATES.items():
        for k in range(13, -1, -1):
            day = _months_back(today, k)
            wobble = step * ((k * 7) % 5 - 2)
            records.append({"currency": code, "date": day, "rate": start + wobble})
    return records


def _account_revenue(account: Account, today: datetime.date) -> tuple[list[dict], list[dict]]:
    """Subscriptions and invoices of one account."""
    rng = random.Random(f"{SEED}:{account.account_id}")
    account_story = story(account.account_id)
    if account_story.trial:
        return [], []  # a trial: no revenue yet
    ext = account.account_id
    currency = "EUR" if rng.random() < 0.1 else "GBP" if rng.random() < 0.08 else "USD"
    factor = CURRENCY_FACTOR[currency]
    choices = PLANS_BY_SIZE[account_story.size]
    name = rng.choices([c[0] for c in choices], [c[1] for c in choices])[0]
    unit, price, _ = PLANS[name]
    start = account.join_date or today - datetime.timedelta(days=rng.randint(60, 900))
    ended = account.churned_on
    if ended and ended <= start:
        start = ended - datetime.timedelta(days=rng.randint(60, 400))  # churned soon after a late sign-up date
    subs: list[dict] = []
    discount = rng.random() < 0.25

    def lines(plan: str, amount: Decimal) -> list[dict]:
        cycle, _, included = PLANS.get(plan, (unit, price, 0))
        extra = max(0, account_story.seats - included)
        items = []
        if extra:
            seat_amount = extra * SEAT_PRICE[cycle] * factor
            items.append({"kind": "addon", "name": "Extra seats", "quantity": extra, "amount": seat_amount})
        if discount:
            items.append({"kind": "discount", "name": "Partner discount", "amount": (amount * Decimal("0.1"))})
        return items

    def sub(n: int, plan: str, cycle: str, amount: Decimal, begin: datetime.date, end, renews: bool) -> dict:
        amount = (amount * factor).quantize(Decimal("1"))
        return {
            "subscription_id": f"demo-sub-{ext}-{n}",
            "account": account,
            "plan": plan,
            "start_date": begin,
            "end_date": end,
            "cycle_length": 1,
            "cycle_unit": cycle,
            "amount": amount,
            "currency": currency,
            "renews": renews,
            "line_items": lines(plan, amount),
        }

    if unit == "year":
        # One term a year, renewed each time; an expansion at some renewals; the current term ends in the future.
        n, begin, amount = 0, start, price
        while begin <= today:
            end = _add_years(begin, 1) - datetime.timedelta(days=1)
            if ended and ended <= end + datetime.timedelta(days=1):  # churned in this term or at its renewal
                subs.append(sub(n, name, unit, amount, begin, max(min(ended, end), begin), False))
                break
            subs.append(sub(n, name, unit, amount, begin, end, True))
            n += 1
            begin = end + datetime.timedelta(days=1)
            if rng.random() < 0.3:
                amount = (amount * Decimal("1.15")).quantize(Decimal("1"))
    else:
        change = rng.random()
        if change < 0.25 and not ended and (today - start).days > 120:
            # Upgraded (or, for one in three, downgraded) some months ago: one plan ends, the next one starts.
            switch = today - datetime.timedelta(days=rng.randint(30, min(330, (today - start).days - 30)))
            upgraded = UPGRADE.get(name, name) if change >= 0.08 else "Starter"
            other_unit, other, _ = PLANS[upgraded]
            subs.append(sub(0, name, unit, price, start, switch - datetime.timedelta(days=1), False))
            subs.append(sub(1, upgraded, other_unit, other, switch, ended, not ended))
        else:
            subs.append(sub(0, name, unit, price, start, ended, not ended))

    invoices: list[dict] = []
    for s in subs:
        # Invoices of the last four cycles of each subscription (monthly) or of each term (yearly).
        signed = [
            (li["name"], -abs(li["amount"]) if li["kind"] == "discount" else li["amount"]) for li in s["line_items"]
        ]
        total = s["amount"] + sum((amount for _, amount in signed), Decimal(0))
        if s["cycle_unit"] == "year":
            issue_days = [s["start_date"]]
        else:
            issue_days = [
                d
                for d in (_months_back(today, k) for k in range(3, -1, -1))
                if s["start_date"] <= d and (s["end_date"] is None or d <= s["end_date"])
            ]
        for issued in issue_days:
            latest = issued == issue_days[-1]
            fate = rng.random()
            if latest and (today - issued).days < 45 and fate < 0.2:
                status = {"is_paid": False, "is_failed": fate < 0.05}
            else:
                status = {"is_paid": True, "paid_on": min(today, issued + datetime.timedelta(days=rng.randint(1, 20)))}
            invoices.append(
                {
                    "invoice_id": f"demo-inv-{s['subscription_id'][9:]}-{issued:%Y%m}",
                    "account": account,
                    "issued_on": issued,
                    "due_on": issued + datetime.timedelta(days=30),
                    "amount": total,
                    "currency": currency,
                    "is_recurring": True,
                    "line_items": [
                        {"description": s["plan"], "amount": s["amount"]},
                        *({"description": line, "amount": amount} for line, amount in signed),
                    ],
                    **status,
                }
            )
    return subs, invoices


def seed_revenue(*, accounts: int = 300, stdout: Any = None, **options: Any) -> None:
    """Exchange rates, subscriptions and invoices for every live demo account; safe to run again."""
    today = timezone.now().date()
    services.exchange_rates_bulk_upsert(records=_exchange_rates(today))
    services.currency_save(code="EUR", name="Euro")
    services.currency_save(code="GBP", name="Pound sterling")
    subs: list[dict] = []
    invoices: list[dict] = []
    # Accounts that already have their revenue keep it untouched (a rerun writes nothing; a top-up only the new ones).
    demo = Account.objects.filter(account_id__startswith=DEMO_PREFIX, is_deleted=False)
    for account in demo.filter(subscriptions__isnull=True).order_by("account_id"):
        s, i = _account_revenue(account, today)
        subs += s
        invoices += i
    sub_result = services.subscriptions_bulk_upsert(records=subs)
    invoice_result = services.invoices_bulk_upsert(records=invoices)
    problems = sub_result.failures + invoice_result.failures
    if stdout:
        stdout.write(
            f"  {sub_result.created:,} subscriptions and {invoice_result.created:,} invoices added "
            f"({sub_result.updated + invoice_result.updated:,} already there)."
        )
        for problem in problems[:5]:
            stdout.write(f"  ! {problem.account_id}: {problem.message}")


def report() -> list[tuple[str, int]]:
    from revenue.models import Invoice, Subscription

    return [("subscriptions", Subscription.objects.count()), ("invoices", Invoice.objects.count())]
