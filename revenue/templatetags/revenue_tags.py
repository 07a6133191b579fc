"""Template tags of the revenue app: the account page's subscriptions and invoices fragment reads through them."""

from __future__ import annotations

from django import template

from revenue import selectors

register = template.Library()


@register.simple_tag
def account_revenue(account) -> dict:
    """{"subscriptions": [...], "invoices": [...]} of an account, in four queries whatever their number."""
    return {
        "subscriptions": list(selectors.account_subscriptions(account=account)),
        "invoices": list(selectors.account_invoices(account=account)),
    }
