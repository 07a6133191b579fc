"""Stripe and Zendesk webhooks: signatures verified, events applied once, mapped by billing / support ids."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import time
from decimal import Decimal

import orjson
import pytest

from accounts.models import Account, SupportTicket
from integrations.models import WebhookEvent
from integrations.webhooks import zendesk_signature
from revenue.models import Invoice, Subscription

pytestmark = pytest.mark.django_db


def stripe_post(client, source, payload: dict, *, secret: str = "whsec_test_secret", timestamp: int | None = None):
    body = orjson.dumps(payload)
    ts = timestamp or int(time.time())
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return client.generic(
        "POST",
        f"/webhooks/stripe/{source.public_id}/",
        body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=f"t={ts},v1={signature}",
    )


def stripe_event(event_id: str, kind: str, obj: dict) -> dict:
    return {"id": event_id, "object": "event", "type": kind, "data": {"object": obj}}


SUBSCRIPTION = {
    "id": "sub_1",
    "object": "subscription",
    "customer": "cus_1",
    "status": "active",
    "start_date": 1735689600,
    "cancel_at_period_end": False,
    "items": {
        "data": [
            {
                "quantity": 1,
                "price": {
                    "id": "price_pro",
                    "nickname": "Pro",
                    "unit_amount": 10000,
                    "recurring": {"interval": "month", "interval_count": 1},
                },
            },
            {
                "quantity": 5,
                "price": {
                    "id": "price_seat",
                    "nickname": "Seat",
                    "unit_amount": 1000,
                    "recurring": {"interval": "month", "interval_count": 1},
                },
            },
        ]
    },
    "discount": {"coupon": {"id": "launch", "name": "Launch", "percent_off": 10}},
    "currency": "eur",
}


def test_stripe_subscription_invoice_and_customer_events(client, stripe_source):
    acme = Account.objects.create(account_id="acme", name="Acme")
    customer = {"id": "cus_1", "object": "customer", "metadata": {"account_id": "acme"}}
    assert stripe_post(client, stripe_source, stripe_event("evt_c", "customer.created", customer)).status_code == 200
    acme.refresh_from_db()
    assert acme.billing_account_id == "cus_1"

    assert (
        stripe_post(
            client, stripe_source, stripe_event("evt_s", "customer.subscription.created", SUBSCRIPTION)
        ).status_code
        == 200
    )
    sub = Subscription.objects.get(subscription_id="sub_1")
    assert (sub.account, sub.plan, sub.amount, sub.currency) == (acme, "Pro", Decimal("100"), "EUR")
    assert sorted((li.kind, li.amount) for li in sub.line_items.all()) == [
        ("addon", Decimal("50")),
        ("discount", Decimal("-15")),
    ]

    invoice = {
        "id": "in_1",
        "object": "invoice",
        "customer": "cus_1",
        "created": 1735689600,
        "total": 13500,
        "currency": "eur",
        "paid": True,
        "status": "paid",
        "status_transitions": {"paid_at": 1735776000},
        "subscription": "sub_1",
        "lines": {
            "data": [
                {"description": "Pro", "quantity": 1, "amount": 10000},
                {"description": "Seats", "quantity": 5, "amount": 5000},
            ]
        },
    }
    assert stripe_post(client, stripe_source, stripe_event("evt_i", "invoice.paid", invoice)).status_code == 200
    saved = Invoice.objects.get(invoice_id="in_1")
    assert saved.amount == Decimal("135") and saved.is_paid and saved.is_recurring and saved.line_items.count() == 2

    deleted = {**SUBSCRIPTION, "ended_at": 1738368000}
    stripe_post(client, stripe_source, stripe_event("evt_d", "customer.subscription.deleted", deleted))
    sub.refresh_from_db()
    # Ended at midnight starting 1 February: last in force on 31 January (end dates are inclusive).
    assert sub.renews is False and str(sub.end_date) == "2025-01-31"


def test_stripe_replays_are_applied_once(client, stripe_source):
    Account.objects.create(account_id="acme", name="Acme", billing_account_id="cus_1")
    payload = stripe_event("evt_same", "customer.subscription.updated", SUBSCRIPTION)
    assert stripe_post(client, stripe_source, payload).status_code == 200
    Subscription.objects.update(plan="changed by hand")
    response = stripe_post(client, stripe_source, payload)
    assert response.status_code == 200 and "Already processed" in response.json()["detail"]
    assert Subscription.objects.get().plan == "changed by hand"
    assert WebhookEvent.objects.filter(event_id="evt_same").count() == 1


def test_stripe_bad_signatures_are_refused(client, stripe_source):
    payload = stripe_event("evt_x", "customer.subscription.updated", SUBSCRIPTION)
    assert stripe_post(client, stripe_source, payload, secret="whsec_wrong").status_code == 400
    assert stripe_post(client, stripe_source, payload, timestamp=int(time.time()) - 3600).status_code == 400
    response = client.post(f"/webhooks/stripe/{stripe_source.public_id}/", payload, content_type="application/json")
    assert response.status_code == 400
    assert not WebhookEvent.objects.exists()
    assert client.post("/webhooks/stripe/unknown/").status_code == 401


def test_stripe_unmapped_customers_are_acknowledged(client, stripe_source):
    response = stripe_post(
        client, stripe_source, stripe_event("evt_u", "invoice.created", {"id": "in_9", "customer": "cus_nobody"})
    )
    assert response.status_code == 200 and "No live account has the billing account id" in response.json()["detail"]


def zendesk_post(client, source, payload: dict, *, secret: str = "zd-secret", ts: str | None = None, **headers):
    body = orjson.dumps(payload)
    ts = ts or datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return client.generic(
        "POST",
        f"/webhooks/zendesk/{source.public_id}/",
        body,
        content_type="application/json",
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=zendesk_signature(secret, ts, body),
        HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=ts,
        **headers,
    )


def test_zendesk_tickets_created_and_updated(client, zendesk_source):
    Account.objects.create(account_id="acme", name="Acme", support_account_id="org-7")
    created = {
        "event_id": "zd-1",
        "type": "ticket.created",
        "ticket": {
            "id": 501,
            "subject": "Login broken",
            "status": "new",
            "priority": "high",
            "type": "incident",
            "organization_id": "org-7",
            "created_at": "2025-01-01T09:00:00Z",
        },
    }
    assert zendesk_post(client, zendesk_source, created).status_code == 200
    ticket = SupportTicket.objects.get(ticket_id="501")
    assert (ticket.status.name, ticket.priority.name, ticket.type.name) == ("Open", "High", "Incident")
    assert zendesk_post(client, zendesk_source, created).json()["detail"] == "Already processed."
    solved = {
        "event_id": "zd-2",
        "type": "ticket.updated",
        "ticket": {"id": 501, "status": "solved", "organization_id": "org-7"},
    }
    assert zendesk_post(client, zendesk_source, solved).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status.name == "Solved" and ticket.closed_at is not None
    assert zendesk_post(client, zendesk_source, created, secret="wrong").status_code == 400
    assert SupportTicket.objects.count() == 1


def test_zendesk_refuses_a_replayed_or_undated_delivery(client, zendesk_source):
    Account.objects.create(account_id="acme", name="Acme", support_account_id="org-7")
    payload = {"event_id": "zd-old", "ticket": {"id": 601, "subject": "Old", "organization_id": "org-7"}}
    hour_ago = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for ts in (hour_ago, "yesterday", "2026-01-01T00:00:00"):
        response = zendesk_post(client, zendesk_source, payload, ts=ts)
        assert response.status_code == 400 and "timestamp" in response.json()["detail"]
    assert not SupportTicket.objects.exists()
    # Signed a few minutes ago (a retry) is still accepted.
    recent = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert zendesk_post(client, zendesk_source, payload, ts=recent).status_code == 200
    assert SupportTicket.objects.filter(ticket_id="601").exists()
