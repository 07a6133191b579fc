"""Stripe webhooks with the payload shapes Stripe sends today (and the older ones), built from Stripe's published
API fixtures (stripe_fixtures.json), signed as Stripe signs, posted over HTTP."""

from __future__ import annotations

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest

from accounts.models import Account
from integrations.models import WebhookEvent
from revenue.models import Invoice, Subscription
from revenue.mrr import mrr_on
from tests.integrations.test_webhooks import stripe_post

pytestmark = pytest.mark.django_db

FIXTURES = json.loads((Path(__file__).parent / "stripe_fixtures.json").read_text())
D = datetime.date


def epoch(day: datetime.date) -> int:
    return int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC).timestamp())


def fixture(resource: str, /, **changes) -> dict:
    obj = copy.deepcopy(FIXTURES[resource])
    obj.update(changes)
    return obj


def event(event_id: str, kind: str, obj: dict, *, created: datetime.date = D(2026, 10, 5)) -> dict:
    return fixture("event", id=event_id, type=kind, created=epoch(created), data={"object": obj})


def subscription(**changes) -> dict:
    """Stripe's fixture subscription for customer cus_acme: Pro at 99.00 a month from 5 October 2026, active."""
    sub = fixture(
        "subscription",
        id="sub_acme",
        customer="cus_acme",
        start_date=epoch(D(2026, 10, 5)),
        created=epoch(D(2026, 10, 5)),
        cancel_at=None,
        canceled_at=None,
        ended_at=None,
        cancel_at_period_end=False,
        status="active",
    )
    item = sub["items"]["data"][0]
    item["subscription"] = "sub_acme"
    item["price"].update(id="price_pro", nickname="Pro", unit_amount=9900, unit_amount_decimal="9900")
    sub.update(changes)
    return sub


def coupon(**changes) -> dict:
    return fixture("coupon", **{"id": "LAUNCH20", "name": "Launch 20%", "percent_off": 20, **changes})


def discount(coupon_value, **changes) -> dict:
    found = fixture("discount", id="di_acme", customer="cus_acme", subscription="sub_acme", **changes)
    found["source"]["coupon"] = coupon_value
    return found


@pytest.fixture
def acme(client, stripe_source):
    account = Account.objects.create(account_id="acme", name="Acme")
    customer = fixture("customer", id="cus_acme", metadata={"account_id": "acme"})
    response = stripe_post(client, stripe_source, event("evt_cus", "customer.created", customer))
    assert response.status_code == 200, response.content
    account.refresh_from_db()
    assert account.billing_account_id == "cus_acme"
    return account


def post(client, source, *args, **kwargs):
    response = stripe_post(client, source, event(*args, **kwargs))
    assert response.status_code == 200, response.content
    return response.json()["detail"]


def discount_lines(sub_id: str = "sub_acme") -> list[tuple[str, Decimal]]:
    sub = Subscription.objects.get(subscription_id=sub_id)
    return [(li.name, li.amount) for li in sub.line_items.filter(kind="discount")]


def test_a_subscription_created_is_the_accounts_mrr(client, stripe_source, acme):
    post(client, stripe_source, "evt_1", "customer.subscription.created", subscription())
    sub = Subscription.objects.get()
    assert (sub.account, sub.plan, sub.amount, sub.currency, sub.start_date) == (
        acme,
        "Pro",
        Decimal("99"),
        "USD",
        D(2026, 10, 5),
    )
    assert mrr_on(D(2026, 10, 31))[acme.pk] == pytest.approx(99)


@pytest.mark.parametrize(
    "shape",
    ["discount ids", "expanded discounts, coupon id", "expanded discounts and coupon", "older discount.coupon"],
)
def test_a_coupon_on_an_updated_subscription_becomes_a_discount_line(client, stripe_source, acme, shape):
    post(client, stripe_source, "evt_1", "customer.subscription.created", subscription())
    post(client, stripe_source, "evt_cp", "coupon.created", coupon())
    if shape == "discount ids":
        post(client, stripe_source, "evt_di", "customer.discount.created", discount("LAUNCH20"))
        changed = subscription(discounts=["di_acme"])
    elif shape == "expanded discounts, coupon id":
        changed = subscription(discounts=[discount("LAUNCH20")])
    elif shape == "expanded discounts and coupon":
        changed = subscription(discounts=[discount(coupon(id="LAUNCH20X"))])
    else:
        older = subscription(discount={"id": "di_acme", "object": "discount", "coupon": coupon()})
        del older["discounts"]
        changed = older
    post(client, stripe_source, "evt_2", "customer.subscription.updated", changed, created=D(2026, 10, 20))
    assert [amount for _, amount in discount_lines()] == [Decimal("-19.80")]
    assert mrr_on(D(2026, 10, 31))[acme.pk] == pytest.approx(79.20)


def test_a_discount_named_in_both_fields_counts_once(client, stripe_source, acme):
    both = subscription(discount=discount(coupon()), discounts=["di_acme"])
    post(client, stripe_source, "evt_1", "customer.subscription.created", both)
    assert discount_lines() == [("Launch 20%", Decimal("-19.80"))]


def test_an_amount_off_coupon_is_taken_in_its_currency_units(client, stripe_source, acme):
    off = coupon(id="TENOFF", name="10 off", percent_off=None, amount_off=1000, currency="usd")
    post(client, stripe_source, "evt_1", "customer.subscription.created", subscription(discounts=[discount(off)]))
    assert discount_lines() == [("10 off", Decimal("-10.00"))]
    assert mrr_on(D(2026, 11, 1))[acme.pk] == pytest.approx(89)


def test_a_discount_never_received_is_reported_not_dropped_silently(client, stripe_source, acme):
    detail = post(client, stripe_source, "evt_1", "customer.subscription.created", subscription(discounts=["di_x"]))
    assert "di_x" in detail and "coupon unknown" in detail
    assert WebhookEvent.objects.get(event_id="evt_1").outcome == detail
    assert discount_lines() == []


def test_a_deleted_subscription_ends_the_mrr(client, stripe_source, acme):
    post(client, stripe_source, "evt_1", "customer.subscription.created", subscription())
    ended = subscription(status="canceled", ended_at=epoch(D(2026, 12, 1)), canceled_at=epoch(D(2026, 11, 20)))
    post(client, stripe_source, "evt_3", "customer.subscription.deleted", ended, created=D(2026, 11, 20))
    sub = Subscription.objects.get()
    assert sub.renews is False
    assert mrr_on(D(2026, 11, 30))[acme.pk] == pytest.approx(99)
    assert acme.pk not in mrr_on(D(2026, 12, 2))


@pytest.mark.parametrize("shape", ["parent.subscription_details", "older subscription"])
def test_a_paid_subscription_invoice_is_stored_as_recurring(client, stripe_source, acme, shape):
    invoice = fixture(
        "invoice",
        id="in_acme_1",
        customer="cus_acme",
        created=epoch(D(2026, 10, 5)),
        due_date=None,
        status="paid",
        total=9900,
        amount_due=9900,
        amount_paid=9900,
        attempted=True,
        status_transitions={
            "finalized_at": epoch(D(2026, 10, 5)),
            "marked_uncollectible_at": None,
            "paid_at": epoch(D(2026, 10, 6)),
            "voided_at": None,
        },
    )
    line = invoice["lines"]["data"][0]
    line.update(amount=9900, description="1 x Pro (at $99.00 / month)", invoice="in_acme_1")
    line["parent"] = {
        "type": "subscription_item_details",
        "invoice_item_details": None,
        "subscription_item_details": {
            "invoice_item": None,
            "proration": False,
            "proration_details": {"credited_items": None},
            "subscription": "sub_acme" if shape != "older subscription" else None,
            "subscription_item": "si_acme",
        },
    }
    if shape == "older subscription":
        invoice["parent"] = None
        invoice["subscription"] = "sub_acme"
        line["parent"] = None
    else:
        invoice["parent"] = {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": {}, "subscription": "sub_acme"},
        }
    post(client, stripe_source, "evt_in", "invoice.paid", invoice)
    saved = Invoice.objects.get(invoice_id="in_acme_1")
    assert (saved.account, saved.amount, saved.is_paid, saved.paid_on, saved.is_recurring) == (
        acme,
        Decimal("99"),
        True,
        D(2026, 10, 6),
        True,
    )
    assert [(li.description, li.amount) for li in saved.line_items.all()] == [
        ("1 x Pro (at $99.00 / month)", Decimal("99"))
    ]


def test_a_one_off_invoice_is_not_recurring(client, stripe_source, acme):
    invoice = fixture("invoice", id="in_acme_2", customer="cus_acme", status="paid", total=5000)
    invoice["parent"] = None
    invoice["lines"]["data"][0]["parent"] = {
        "type": "invoice_item_details",
        "invoice_item_details": {"invoice_item": "ii_1", "proration": False, "subscription": None},
        "subscription_item_details": None,
    }
    post(client, stripe_source, "evt_in2", "invoice.paid", invoice)
    assert Invoice.objects.get(invoice_id="in_acme_2").is_recurring is False
