"""The account page's revenue facts and the account list's MRR / ARR trend: reads of metric values, registered
with the accounts app's panels in MetricsConfig.ready() (accounts cannot import metrics, and revenue sits below it).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import QuerySet

from accounts.models import Account
from metrics.selectors import account_current_values, revenue_trend_totals, trend_dates, trend_points
from revenue.selectors import base_currency

__all__ = ["account_revenue_facts", "revenue_trend", "revenue_trend_context", "trend_dates", "trend_points"]


def money_text(value: float | Decimal | None, currency: str) -> str:
    """An amount in the base currency in the one money format (core.formatting): "$12,400.00"; "—" when unknown."""
    from core.formatting import EMPTY, format_money

    return EMPTY if value is None else format_money(value, currency)


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


def revenue_trend(*, accounts: QuerySet[Account]) -> list[tuple[datetime.date, float | None]]:
    """Total MRR of `accounts` at each month end of the past year and on the day the pipeline last completed, each
    account counted once; None where the pipeline left no value that day; [] before the pipeline has run. One query
    over the precomputed trend."""
    as_of, totals = revenue_trend_totals(accounts=accounts)
    if as_of is None:
        return []
    return list(zip(trend_points(as_of), totals, strict=True))


def revenue_trend_context(request, accounts: QuerySet[Account]) -> dict:
    """The account list's MRR/ARR trend block: the chart, the points, the latest totals and the base currency."""
    points = revenue_trend(accounts=accounts)
    known = [value for _, value in points if value is not None]
    latest = points[-1][1] if points else None
    currency = base_currency()
    return {
        "points": points,
        "rows": [(day, value, None if value is None else value * 12) for day, value in points],
        "has_values": bool(known),
        "mrr": latest,
        "arr": None if latest is None else latest * 12,
        "currency": currency,
        "chart": revenue_trend_figure(points, currency) if known else None,
    }


def revenue_trend_figure(points: list[tuple[datetime.date, float | None]], currency: str) -> dict:
    """The MRR and ARR trend as a plotly figure (drawn by static/js/charts.js): MRR on the left axis, ARR (12 x MRR)
    on the right; days without a value are gaps."""
    days = [day.isoformat() for day, _ in points]
    mrr = [None if value is None else round(value, 2) for _, value in points]
    arr = [None if value is None else round(value * 12, 2) for _, value in points]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "MRR",
                "x": days,
                "y": mrr,
                "line": {"color": "#2e86de"},
                "hovertemplate": f"%{{x|%d %b %Y}}<br>MRR %{{y:,.0f}} {currency}<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "ARR",
                "x": days,
                "y": arr,
                "yaxis": "y2",
                "line": {"color": "#10ac84", "dash": "dot"},
                "hovertemplate": f"%{{x|%d %b %Y}}<br>ARR %{{y:,.0f}} {currency}<extra></extra>",
            },
        ],
        "layout": {
            "height": 220,
            "margin": {"l": 50, "r": 50, "t": 10, "b": 30},
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.25},
            "xaxis": {"type": "date", "tickformat": "%b %y"},
            "yaxis": {"rangemode": "tozero", "title": {"text": f"MRR ({currency})"}},
            "yaxis2": {"rangemode": "tozero", "overlaying": "y", "side": "right", "showgrid": False},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }
