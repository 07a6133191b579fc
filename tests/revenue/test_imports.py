"""CSV import of subscriptions and invoices: per-row errors naming the field, upserts, unchanged re-imports."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.imports import import_commit, import_start, target_for
from accounts.models import Account
from revenue.models import Invoice, Subscription

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = (
    "subscription_id,account_id,plan,start_date,end_date,amount,currency,cycle_length,cycle_unit,renews,addons,"
    "discounts\n"
    "sub-1,ACME-1,Growth,2025-01-01,,1200,EUR,12,month,yes,Extra seats=150; Support=50,Launch offer=100\n"  # 2 ok
    "sub-2,ACME-1,Basic,2025-02-01,2025-01-01,100,,,,,,\n"  # 3: ends before it starts
    "sub-3,ACME-1,Basic,2025-02-01,,-5,,,,,,\n"  # 4: negative price
    "sub-4,ACME-1,Basic,2025-02-01,,100,,,fortnight,,,\n"  # 5: unknown cycle unit
    "sub-5,ACME-1,Basic,2025-02-01,,100,EURO,,,,,\n"  # 6: not a currency code
    "sub-6,ACME-1,Basic,2025-02-01,,100,,,,,Extra seats,\n"  # 7: add-on without an amount
    "sub-7,NOPE,Basic,2025-02-01,,100,,,,,,\n"  # 8: unknown account
    "sub-1,ACME-1,Again,2025-02-01,,100,,,,,,\n"  # 9: same id as line 2
    "sub-8,ACME-1,Monthly,2025-03-01,,99.5,,,,no,,\n"  # 10 ok: base currency, monthly, no renewal
)


def _errors(job) -> dict[int, str]:
    return {e["line"]: e["field"] for e in job.errors}


@pytest.fixture
def acme(db):
    return Account.objects.create(account_id="ACME-1", name="Acme")


def test_subscriptions_import(acme, manager):
    target = target_for("subscriptions")
    job = import_start(target=target, filename="s.csv", data=SUBSCRIPTIONS.encode(), by=manager)
    assert _errors(job) == {
        3: "end_date",
        4: "amount",
        5: "cycle_unit",
        6: "currency",
        7: "addons",
        8: "account_id",
        9: "subscription_id",
    }
    assert not Subscription.objects.exists()
    job = import_commit(job=job)
    assert (job.created_count, job.updated_count) == (2, 0)
    growth = Subscription.objects.get(subscription_id="sub-1")
    assert (growth.account, growth.plan, growth.amount, growth.currency) == (acme, "Growth", Decimal(1200), "EUR")
    assert (growth.cycle_length, growth.cycle_unit, growth.renews) == (12, "month", True)
    lines = sorted(growth.line_items.values_list("kind", "name", "amount"))
    assert lines == [("addon", "Extra seats", 150), ("addon", "Support", 50), ("discount", "Launch offer", -100)]
    monthly = Subscription.objects.get(subscription_id="sub-8")
    assert (monthly.currency, monthly.cycle_unit, monthly.renews) == ("USD", "month", False)

    again = import_commit(job=import_start(target=target, filename="s.csv", data=SUBSCRIPTIONS.encode(), by=manager))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    ended = SUBSCRIPTIONS.splitlines()[0] + "\nsub-1,ACME-1,Growth,2025-01-01,2025-12-31,1200,EUR,12,month,yes,,\n"
    job = import_commit(job=import_start(target=target, filename="s.csv", data=ended.encode(), by=manager))
    assert job.updated_count == 1
    growth.refresh_from_db()
    assert growth.end_date == datetime.date(2025, 12, 31) and not growth.line_items.exists()


INVOICES = (
    "invoice_id,account_id,issued_on,due_on,paid_on,amount,currency,is_paid,is_failed,is_recurring,lines\n"
    "inv-1,ACME-1,2025-02-01,2025-03-03,2025-02-10,,,,,,Growth plan=1350; Setup=150\n"  # 2 ok: summed, paid
    "inv-2,ACME-1,2025-02-01,2025-01-15,,100,,,,,\n"  # 3: due before issued
    "inv-3,ACME-1,2025-02-01,,,,,,,,\n"  # 4: no amount and no lines
    "inv-4,ACME-1,2025-02-01,,,100,,maybe,,,\n"  # 5: not yes/no
    "inv-5,ACME-1,2025-03-01,,,80,GBP,no,yes,no,\n"  # 6 ok: failed, one-off
)


def test_invoices_import(acme, manager):
    target = target_for("invoices")
    job = import_commit(job=import_start(target=target, filename="i.csv", data=INVOICES.encode(), by=manager))
    assert _errors(job) == {3: "due_on", 4: "amount", 5: "is_paid"} and job.created_count == 2
    paid = Invoice.objects.get(invoice_id="inv-1")
    assert (paid.amount, paid.is_paid, paid.paid_on) == (Decimal(1500), True, datetime.date(2025, 2, 10))
    assert list(paid.line_items.values_list("description", "amount")) == [("Growth plan", 1350), ("Setup", 150)]
    failed = Invoice.objects.get(invoice_id="inv-5")
    assert (failed.currency, failed.is_paid, failed.is_failed, failed.is_recurring) == ("GBP", False, True, False)
    again = import_commit(job=import_start(target=target, filename="i.csv", data=INVOICES.encode(), by=manager))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)


def test_import_page_offers_revenue_and_metric_templates(client, manager):
    client.force_login(manager)
    page = client.get(reverse("accounts:import")).content.decode()
    assert page.index("Subscriptions") < page.index("Invoices") < page.index("Metric values")
    for key, header in [
        ("subscriptions", b"subscription_id,account_id,plan,start_date"),
        ("invoices", b"invoice_id,account_id,issued_on"),
        ("metric_values", b"account_id,metric,date,value"),
    ]:
        response = client.get(reverse("accounts:import_template", args=[key]))
        assert response.status_code == 200 and response.content.startswith(header)
