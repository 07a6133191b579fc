"""Reads of revenue data: an account's subscriptions and invoices, currencies and rates, conversion."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from accounts.models import Account
from revenue.models import Currency, ExchangeRate, Invoice, InvoiceLineItem, Subscription, SubscriptionLineItem


def base_currency() -> str:
    """The installation's base currency code."""
    from revenue.services import revenue_settings_get

    return revenue_settings_get().base_currency


def account_subscriptions(*, account: Account) -> QuerySet[Subscription]:
    """An account's subscriptions, newest first, with their line items (two queries)."""
    return Subscription.objects.filter(account=account).prefetch_related(
        Prefetch("line_items", queryset=SubscriptionLineItem.objects.order_by("kind", "id"))
    )


def account_invoices(*, account: Account, limit: int = 50) -> QuerySet[Invoice]:
    """An account's invoices, newest first (up to `limit`), with their line items (two queries)."""
    return Invoice.objects.filter(account=account).prefetch_related(
        Prefetch("line_items", queryset=InvoiceLineItem.objects.order_by("id"))
    )[:limit]


def currencies_with_rates(*, rates_per_currency: int = 10) -> list[tuple[Currency, list[ExchangeRate]]]:
    """Every currency with its latest dated rates (newest first)."""
    rates: dict[str, list[ExchangeRate]] = {}
    for rate in ExchangeRate.objects.order_by("currency_id", "-date"):
        bucket = rates.setdefault(rate.currency_id, [])
        if len(bucket) < rates_per_currency:
            bucket.append(rate)
    return [(currency, rates.get(currency.code, [])) for currency in Currency.objects.all()]


def rate_on(*, currency: str, on: datetime.date) -> Decimal | None:
    """The rate of `currency` in force on `on` (the latest dated on or before it); 1 for the base currency;
    None when no rate is known."""
    if currency == base_currency():
        return Decimal(1)
    return (
        ExchangeRate.objects.filter(currency_id=currency, date__lte=on)
        .order_by("-date")
        .values_list("rate", flat=True)
        .first()
    )


def to_base(*, amount: Decimal, currency: str, on: datetime.date) -> Decimal | None:
    """`amount` in `currency` converted to the base currency at the rate of `on`; None when no rate is known."""
    rate = rate_on(currency=currency, on=on)
    return None if rate is None else (amount * rate).quantize(Decimal("0.01"))


def account_mrr_movements(*, account: Account, since: datetime.date) -> QuerySet:
    """An account's MRR movements of the months from `since` on, oldest first (one query)."""
    from revenue.models import MrrMovement

    return MrrMovement.objects.filter(account=account, month__gte=since.replace(day=1)).order_by("month")
