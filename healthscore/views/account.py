"""The account page's health tab: the breakdown of the newest score (loaded on its own after the page)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from accounts.selectors import account_for
from core.htmx import render_page
from healthscore import breakdown, selectors


@login_required
def account_health(request: HttpRequest, account_pk: int) -> HttpResponse:
    """The configuration applied, the contributions, weights, criteria, what moved the score and the trends."""
    account = account_for(request.user, account_pk, include_deleted=False)
    result = breakdown.account_breakdown(account.pk)
    context = {
        "account": account,
        "breakdown": result,
        "figures": breakdown.figures(result) if result else None,
        "week_change": breakdown.score_change(result, result.week_row) if result else None,
        "month_change": breakdown.score_change(result, result.month_row) if result else None,
        "can_configure": selectors.health_can_configure(request.user),
    }
    return render_page(request, "healthscore/account_health.html", context, partial="account-health")
