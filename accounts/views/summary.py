"""The account list's summary panels: each is its own small page, loaded by the list after the table (htmx, one
request per panel, in parallel), for the list's current view and filters, so the table never waits for them."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import panels, selectors
from accounts.models import Account
from accounts.selectors import AccountView


def stage_figure(rows: list[tuple[str, int]]) -> dict:
    """Accounts by stage as a horizontal bar chart (a plotly figure drawn by static/js/charts.js)."""
    counts = [count for _, count in rows]
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": counts,
                "y": [name for name, _ in rows],
                "marker": {"color": "#2e86de"},
                "text": counts,
                "textposition": "auto",
                "hovertemplate": "%{y}: %{x}<extra></extra>",
            }
        ],
        "layout": {
            "height": 40 + 32 * max(len(rows), 1),
            "margin": {"l": 100, "r": 10, "t": 10, "b": 20},
            "yaxis": {"autorange": "reversed"},
            "xaxis": {"rangemode": "tozero"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }


def stage_summary_context(request: HttpRequest, accounts: QuerySet[Account]) -> dict[str, Any]:
    """The "Accounts by stage" panel: a count per stage of the list's accounts (one query) and its chart."""
    rows = selectors.accounts_by_stage(accounts)
    total = sum(count for _, count in rows)
    return {"rows": rows, "total": total, "chart": stage_figure(rows) if total else None}


@login_required
def account_list_summary(request: HttpRequest, key: str) -> HttpResponse:
    """One summary panel of the account list (`key`), for the view and filters in the query string (the list's own:
    the accounts the member may see, in that view). The deleted view has no summaries: deleted accounts were never
    real customers."""
    from accounts.views.list import list_state

    panel_def = panels.list_summary_panel(key)
    if panel_def is None:
        raise Http404("No such summary.")
    state = list_state(request)
    deleted = state["filters"].view == AccountView.DELETED
    panel = {}
    if not deleted and panel_def.context is not None:
        panel = panel_def.context(request, state["qs"])
    context = {"panel_def": panel_def, "panel": panel, "deleted": deleted, "filters": state["filters"]}
    return render(request, "accounts/list_summary.html", context)
