"""The account page's trend charts that read metric values: product usage over 90 days, MRR over a year with its
movements, and the activity rank over a year. Registered with the accounts app in MetricsConfig.ready(); each is
loaded by the account page on its own (accounts.views.charts) and reads the stored daily values, never raw events.
Usage and revenue metrics roll up, so a parent's charts include its child accounts."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Account
from core.formatting import CURRENCY_SYMBOLS
from metrics.selectors import account_metric_history
from revenue.models import MovementKind
from revenue.selectors import account_mrr_movements, base_currency

USAGE_DAYS = 90
YEAR_DAYS = 365
MOVEMENT_COLOURS = {
    MovementKind.NEW: "#10ac84",
    MovementKind.EXPANSION: "#2e86de",
    MovementKind.CONTRACTION: "#f39c12",
    MovementKind.LOST: "#c0392b",
}
_TRANSPARENT = {"paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)"}


def _window(days: int) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=days - 1), today


def _series(points: list[tuple[datetime.date, float]], scale: float = 1.0) -> tuple[list[str], list[float]]:
    return [day.isoformat() for day, _ in points], [round(value / scale, 2) for _, value in points]


def money_axis(currency: str) -> dict:
    """Tick labels of an amount axis in the one money format: "$1,200" or "CHF 1,200"."""
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return (
        {"tickprefix": symbol, "tickformat": ",.0f"} if symbol else {"ticksuffix": f" {currency}", "tickformat": ",.0f"}
    )


def _money_hover(currency: str) -> str:
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}%{{y:,.2f}}" if symbol else f"{currency} %{{y:,.2f}}"


def usage_figure(history: dict[str, list[tuple[datetime.date, float]]], since: datetime.date, until: datetime.date):
    """Events (bars), daily active users and session time (hours) as three stacked panels on one date axis."""
    events_x, events_y = _series(history["events"])
    users_x, users_y = _series(history["active_users"])
    time_x, time_y = _series(history["session_time"], scale=3600)
    return {
        "data": [
            {
                "type": "bar",
                "name": "Events",
                "x": events_x,
                "y": events_y,
                "marker": {"color": "#2e86de"},
                "hovertemplate": "%{x|%-d %b %Y}<br>%{y:,} events<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Active users",
                "x": users_x,
                "y": users_y,
                "yaxis": "y2",
                "line": {"color": "#10ac84"},
                "hovertemplate": "%{x|%-d %b %Y}<br>%{y:,} active users<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Session time (hours)",
                "x": time_x,
                "y": time_y,
                "yaxis": "y3",
                "line": {"color": "#8e44ad"},
                "fill": "tozeroy",
                "hovertemplate": "%{x|%-d %b %Y}<br>%{y:,.1f} hours in sessions<extra></extra>",
            },
        ],
        "layout": {
            "height": 330,
            "margin": {"l": 55, "r": 10, "t": 10, "b": 30},
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.12},
            "xaxis": {"type": "date", "range": [since.isoformat(), until.isoformat()], "tickformat": "%-d %b"},
            "yaxis": {"domain": [0.7, 1], "rangemode": "tozero", "title": {"text": "Events"}, "tickformat": ",~r"},
            "yaxis2": {"domain": [0.37, 0.64], "rangemode": "tozero", "title": {"text": "Users"}, "tickformat": ",~r"},
            "yaxis3": {"domain": [0, 0.31], "rangemode": "tozero", "title": {"text": "Hours"}, "tickformat": ",~r"},
            **_TRANSPARENT,
        },
    }


def account_usage_chart(request: HttpRequest, account: Account) -> dict:
    """Product usage of the last 90 days: the three daily series, their totals and the chart (one query)."""
    since, until = _window(USAGE_DAYS)
    history = account_metric_history(
        account=account, keys=["events", "active_users", "session_time"], since=since, until=until
    )
    has_values = any(value for points in history.values() for _, value in points)
    users = [value for _, value in history["active_users"]]
    return {
        "has_values": has_values,
        "since": since,
        "until": until,
        "events": sum(value for _, value in history["events"]),
        "peak_users": max(users) if users else None,
        "session_hours": sum(value for _, value in history["session_time"]) / 3600,
        "figure": usage_figure(history, since, until) if has_values else None,
    }


def _year_axis(since: datetime.date, until: datetime.date) -> dict:
    """A date axis over the whole window, a tick every other month: a short history shows as short."""
    return {"type": "date", "range": [since.isoformat(), until.isoformat()], "tickformat": "%b %Y", "dtick": "M2"}


def mrr_figure(
    points: list[tuple[datetime.date, float]],
    movements: list,
    currency: str,
    until: datetime.date,
    since: datetime.date | None = None,
):
    """Daily MRR as a step line, and each month's movement marked at that month's end in its colour."""
    days, values = _series(points)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": "MRR",
            "x": days,
            "y": values,
            "line": {"color": "#34495e", "shape": "hv"},
            "hovertemplate": f"%{{x|%-d %b %Y}}<br>MRR {_money_hover(currency)}<extra></extra>",
        }
    ]
    by_day = dict(points)
    for kind in MovementKind:
        marks = [movement for movement in movements if movement.kind == kind]
        if not marks:
            continue
        xs = [min(_month_end(m.month), until) for m in marks]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": kind.label,
                "x": [day.isoformat() for day in xs],
                "y": [round(by_day.get(day, float(m.end_mrr)), 2) for day, m in zip(xs, marks, strict=True)],
                "customdata": [f"{m.amount:+,.2f}" for m in marks],
                "marker": {"color": MOVEMENT_COLOURS[kind], "size": 11, "symbol": "diamond"},
                "hovertemplate": f"%{{x|%b %Y}}: {kind.label} %{{customdata}}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 250,
            "margin": {"l": 70, "r": 10, "t": 10, "b": 30},
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": _year_axis(since or until - datetime.timedelta(days=YEAR_DAYS - 1), until),
            "yaxis": {"rangemode": "tozero", **money_axis(currency)},
            **_TRANSPARENT,
        },
    }


def _month_end(month: datetime.date) -> datetime.date:
    following = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def account_mrr_chart(request: HttpRequest, account: Account) -> dict:
    """MRR over the last year and the movements of its months (two queries, three with the base currency)."""
    since, until = _window(YEAR_DAYS)
    points = account_metric_history(account=account, keys=["mrr"], since=since, until=until)["mrr"]
    movements = list(account_mrr_movements(account=account, since=since))
    currency = base_currency()
    has_values = any(value for _, value in points) or bool(movements)
    return {
        "has_values": has_values,
        "currency": currency,
        "latest": Decimal(repr(points[-1][1])) if points else None,
        "movements": list(reversed(movements)),
        "figure": mrr_figure(points, movements, currency, until, since) if has_values else None,
    }


def rank_figure(points: list[tuple[datetime.date, float]], since: datetime.date, until: datetime.date) -> dict:
    """The daily activity rank (0-100) as a line over the red / yellow / green thirds."""
    days, values = _series(points)
    bands = [(0, 30, "rgba(192,57,43,0.07)"), (30, 70, "rgba(243,156,18,0.07)"), (70, 100, "rgba(16,172,132,0.07)")]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "name": "Activity rank",
                "x": days,
                "y": values,
                "line": {"color": "#2e86de"},
                "hovertemplate": "%{x|%-d %b %Y}<br>Rank %{y:.0f}<extra></extra>",
            }
        ],
        "layout": {
            "height": 200,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "showlegend": False,
            "xaxis": _year_axis(since, until),
            "yaxis": {"range": [0, 100], "dtick": 25},
            "shapes": [
                {
                    "type": "rect",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": low,
                    "y1": high,
                    "fillcolor": colour,
                    "line": {"width": 0},
                    "layer": "below",
                }
                for low, high, colour in bands
            ],
            **_TRANSPARENT,
        },
    }


def account_rank_chart(request: HttpRequest, account: Account) -> dict:
    """The activity rank of each day of the last year (one query)."""
    since, until = _window(YEAR_DAYS)
    points = account_metric_history(account=account, keys=["activity_rank"], since=since, until=until)["activity_rank"]
    return {
        "has_values": bool(points),
        "latest": points[-1] if points else None,
        "figure": rank_figure(points, since, until) if points else None,
    }
