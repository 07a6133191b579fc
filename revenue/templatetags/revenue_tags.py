"""Template tags of the revenue app: the account page's subscriptions and invoices fragment reads through them."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe

from revenue import selectors

register = template.Library()


@register.simple_tag
def account_revenue(account) -> dict:
    """{"subscriptions": [...], "invoices": [...]} of an account, in four queries whatever their number."""
    return {
        "subscriptions": list(selectors.account_subscriptions(account=account)),
        "invoices": list(selectors.account_invoices(account=account)),
    }


@register.simple_tag
def revenue_trend_chart(points: list, currency: str) -> str:
    """The account list's MRR and ARR trend as a plotly line chart (an HTML fragment; the page loads plotly.js).

    Two lines on two axes (ARR is 12 x MRR): MRR on the left, ARR on the right. Days without a value are gaps.
    """
    import plotly.io as pio

    days = [day.isoformat() for day, _ in points]
    mrr = [None if value is None else round(value, 2) for _, value in points]
    arr = [None if value is None else round(value * 12, 2) for _, value in points]
    figure = {
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
    return mark_safe(  # noqa: S308 (plotly's own HTML; every value in it is a number, a date or the currency code)
        pio.to_html(
            figure,
            include_plotlyjs=False,
            full_html=False,
            validate=False,
            config={"displayModeBar": False, "responsive": True},
            div_id="revenue-trend-chart",
        )
    )
