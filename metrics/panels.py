"""The account page's revenue facts and the account list's MRR / ARR trend: reads of metric values, registered
with the accounts app's panels in MetricsConfig.ready() (accounts cannot import metrics, and revenue sits below it).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Account
from metrics.selectors import account_current_values, metric_totals_on
from revenue.selectors import base_currency

TREND_MONTHS = 12


def money_text(value: float | Decimal | None, currency: str) -> str:
    """An amount in the base currency for display: "12,400 USD"; "—" when unknown."""
    return "—" if value is None else f"{value:,.0f} {currency}"


def account_revenue_facts(account: Account) -> list:
    """MRR, ARR and active users (30 days) of the account from the metrics' current values (two queries). Usage and
    revenue metrics roll up, so a parent's figures include its child accounts."""
    from accounts.panels import Fact

    current = account_current_values(account=account, keys=["mrr", "arr", "monthly_active_users"])
    currency = base_currency()
    rolled = " (with child accounts)" if account.parent_id is None and account.hierarchy_label else ""
    users = current.get("monthly_active_users")
    return [
        Fact(label="MRR", value=money_text(current.get("mrr"), currency), hint=f"Monthly recurring revenue{rolled}"),
        Fact(label="ARR", value=money_text(current.get("arr"), currency), hint=f"Annual recurring revenue{rolled}"),
        Fact(
            label="Active users",
            value="—" if users is None else f"{users:,.0f}",
            hint="Distinct users with a session in the last 30 days",
        ),
    ]


def trend_dates(today: datetime.date, months: int = TREND_MONTHS) -> list[datetime.date]:
    """The last day of each of the `months` months before today's month, oldest first."""
    ends = []
    first = today.replace(day=1)
    for _ in range(months):
        end = first - datetime.timedelta(days=1)
        ends.append(end)
        first = end.replace(day=1)
    return list(reversed(ends))


def revenue_trend(*, accounts: QuerySet[Account], today: datetime.date) -> list[tuple[datetime.date, float | None]]:
    """Total MRR of `accounts` at each month end of the past year and now (today's value, else yesterday's), each
    account counted once; None where the pipeline left no value that day. One query."""
    ends = trend_dates(today)
    yesterday = today - datetime.timedelta(days=1)
    totals = metric_totals_on(key="mrr", accounts=accounts, dates=[*ends, yesterday, today])
    now_day = today if today in totals or yesterday not in totals else yesterday
    points = [(day, totals.get(day)) for day in ends if day != now_day]
    points.append((now_day, totals.get(now_day)))
    return points


def revenue_trend_context(request, accounts: QuerySet[Account]) -> dict:
    """The account list's MRR/ARR trend block: points, the latest totals and the base currency."""
    from django.utils import timezone

    points = revenue_trend(accounts=accounts, today=timezone.now().date())
    known = [value for _, value in points if value is not None]
    latest = points[-1][1]
    return {
        "points": points,
        "rows": [(day, value, None if value is None else value * 12) for day, value in points],
        "has_values": bool(known),
        "mrr": latest,
        "arr": None if latest is None else latest * 12,
        "currency": base_currency(),
    }
