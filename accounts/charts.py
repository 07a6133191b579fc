"""The account page's stage and NPS timeline: the stage periods as bands and each NPS response as a point, on one
date axis (loaded on its own by the account page, like the other trend charts)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from django.utils import timezone

from accounts import selectors
from accounts.models import Account

STAGE_COLOURS = ["#74b9ff", "#55efc4", "#ffeaa7", "#fab1a0", "#a29bfe", "#81ecec", "#dfe6e9"]
_DAY_MS = 86_400_000


def stage_nps_figure(periods: list, responses: list, today: datetime.date) -> dict:
    """Stage periods as bars on a "Stage" row (one trace per stage, so the legend names them) and NPS responses as
    points on a 0-10 axis above it."""
    colours: dict[str, str] = {}
    traces: dict[str, dict] = {}
    for period in periods:
        name = period.stage.name
        colour = colours.setdefault(name, STAGE_COLOURS[len(colours) % len(STAGE_COLOURS)])
        end = period.end or today
        trace = traces.setdefault(
            name,
            {
                "type": "bar",
                "orientation": "h",
                "name": name,
                "y": [],
                "x": [],
                "base": [],
                "text": [],
                "customdata": [],
                "marker": {"color": colour},
                "textposition": "inside",
                "insidetextanchor": "middle",
                "yaxis": "y2",
                "hovertemplate": "%{customdata}<extra></extra>",
            },
        )
        trace["y"].append("Stage")
        trace["base"].append(period.start.isoformat())
        trace["x"].append(max((end - period.start).days, 1) * _DAY_MS)
        trace["text"].append(name)
        trace["customdata"].append(
            f"{name}: {period.start:%-d %b %Y} – {'now' if period.end is None else f'{end:%-d %b %Y}'}"
        )
    data = list(traces.values())
    if responses:
        ordered = sorted(responses, key=lambda r: r.date)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "NPS",
                "x": [r.date.isoformat() for r in ordered],
                "y": [r.score for r in ordered],
                "line": {"color": "#34495e", "shape": "hv"},
                "marker": {
                    "size": 10,
                    "color": ["#c0392b" if r.score <= 6 else "#f39c12" if r.score <= 8 else "#10ac84" for r in ordered],
                },
                "hovertemplate": "%{x|%-d %b %Y}<br>NPS %{y}<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 230,
            "margin": {"l": 50, "r": 10, "t": 10, "b": 30},
            "barmode": "overlay",
            "showlegend": True,
            "legend": {"orientation": "h", "y": -0.2},
            "xaxis": {"type": "date", "tickformat": "%b %y"},
            "yaxis": {"domain": [0.42, 1], "range": [-0.5, 10.5], "dtick": 5, "title": {"text": "NPS"}},
            "yaxis2": {"domain": [0, 0.3], "showticklabels": False, "fixedrange": True},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def account_stage_nps_chart(request: HttpRequest, account: Account) -> dict:
    """Stage periods and NPS responses (the 50 newest of each; two queries) and their timeline."""
    periods = list(selectors.account_stage_history(account))
    responses = list(selectors.account_nps_history(account))
    has_values = bool(periods or responses)
    return {
        "has_values": has_values,
        "periods": periods,
        "responses": responses,
        "figure": stage_nps_figure(periods, responses, timezone.localdate()) if has_values else None,
    }
