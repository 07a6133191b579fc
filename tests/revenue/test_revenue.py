"""Revenue: set-based upserts, base currency and dated rates, the settings page, the account fragment."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string

from accounts.models import Account
from revenue import selectors, services
from revenue.models import Currency, ExchangeRate, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(db):
    return Account.objects.create(account_id="acme", name="Acme")


def sub(**kw) -> dict:
    return {
        "subscription_id": "s1",
        "account_id": "acme",
        "plan": "Pro",
        "start_date": datetime.date(2025, 1, 1),
        "amount": "99.5",
        "currency": "USD",
        **kw,
    }


def test_subscriptions_upsert_replaces_line_items(account):
    result = services.subscriptions_bulk_upsert(
        records=[sub(line_items=[{"kind": "addon", "amount": 10}, {"kind": "discount", "amount": "5"}])]
    )
    assert (result.created, result.updated, result.failures) == (1, 0, [])
    result = services.subscriptions_bulk_upsert(
        records=[sub(amount=120, line_items=[{"kind": "discount", "amount": -7}])]
    )
    assert (result.created, result.updated) == (0, 1)
    saved = Subscription.objects.get()
    assert saved.amount == Decimal("120") and [li.amount for li in saved.line_items.all()] == [Decimal("-7")]


def test_subscriptions_upsert_reports_bad_records(account):
    result = services.subscriptions_bulk_upsert(
        records=[
            sub(subscription_id="ok"),
            sub(subscription_id="x", account_id="nobody"),
            sub(subscription_id="y", currency="EURO"),
            sub(subscription_id="z", line_items=[{"kind": "addon", "amount": -1}]),
        ]
    )
    assert [f.index for f in result.failures] == [1, 2, 3]
    assert Subscription.objects.get().subscription_id == "ok"


def test_rates_convert_with_the_rate_of_the_day(db):
    assert selectors.base_currency() == "USD"
    services.exchange_rate_save(code="eur", date=datetime.date(2025, 1, 1), rate="1.10")
    services.exchange_rate_save(code="EUR", date=datetime.date(2025, 2, 1), rate="1.20")
    assert selectors.to_base(amount=Decimal(100), currency="EUR", on=datetime.date(2025, 1, 15)) == Decimal("110.00")
    assert selectors.to_base(amount=Decimal(100), currency="EUR", on=datetime.date(2025, 3, 1)) == Decimal("120.00")
    assert selectors.to_base(amount=Decimal(100), currency="EUR", on=datetime.date(2024, 12, 31)) is None
    assert selectors.to_base(amount=Decimal(100), currency="USD", on=datetime.date(2024, 12, 31)) == Decimal("100.00")
    services.base_currency_set(code="eur")
    assert selectors.base_currency() == "EUR"


def test_settings_page_lists_and_edits_rates(manager_client, members, client):
    assert manager_client.get("/settings/currencies/").status_code == 200
    response = manager_client.post(
        "/settings/currencies/rates/add/", {"currency": "GBP", "date": "2025-01-01", "rate": "1.25"}
    )
    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert rate.currency_id == "GBP" and rate.rate == Decimal("1.25")
    assert "1.25" in manager_client.get("/settings/currencies/").content.decode()
    assert (
        manager_client.post(
            "/settings/currencies/rates/add/", {"currency": "GB", "date": "2025-01-01", "rate": "1"}
        ).status_code
        == 400
    )
    manager_client.post(f"/settings/currencies/rates/{rate.pk}/delete/")
    assert not ExchangeRate.objects.exists()
    manager_client.post("/settings/currencies/base/", {"base_currency": "chf"})
    assert selectors.base_currency() == "CHF"
    manager_client.post("/settings/currencies/CHF/delete/")
    assert Currency.objects.filter(code="CHF").exists()  # the base currency stays
    client.force_login(members["CSM"])
    assert client.get("/settings/currencies/").status_code == 403


def test_the_account_fragment_shows_subscriptions_and_invoices(account, django_assert_max_num_queries):
    services.subscriptions_bulk_upsert(
        records=[
            sub(
                line_items=[
                    {"kind": "addon", "name": "Seats", "amount": 10},
                    {"kind": "discount", "name": "Promo", "amount": 5},
                ]
            )
        ]
    )
    services.invoices_bulk_upsert(
        records=[
            {
                "invoice_id": "in-1",
                "account_id": "acme",
                "issued_on": datetime.date(2025, 1, 1),
                "is_paid": True,
                "line_items": [{"description": "Pro", "amount": 99.5}],
            }
        ]
    )
    with django_assert_max_num_queries(4):
        html = render_to_string("revenue/account_revenue.html", {"account": account})
    assert "Pro" in html and "Seats" in html and "-$5.00" in html and "in-1" in html and "Paid" in html
