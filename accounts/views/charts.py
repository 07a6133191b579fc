"""The account page's trend charts: each is its own small page that the account page loads after it has rendered
(htmx, one request per chart, in parallel), so the page itself neither waits for them nor gains a query."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts import panels, selectors


@login_required
def account_chart(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """One trend chart (`key`) of an account the member may see; 404 for an unknown chart or an account they may
    not see."""
    account = selectors.account_for(request.user, pk)
    chart_def = panels.account_chart(key)
    if chart_def is None:
        raise Http404("No such chart.")
    context = {"account": account, "chart_def": chart_def, "chart": chart_def.context(request, account)}
    return render(request, "accounts/account_chart.html", context)
