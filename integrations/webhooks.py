"""Webhook receivers: Stripe (customers, subscriptions, invoices) and Zendesk (tickets).

Each source has its own URL (`/webhooks/stripe/<public id>/`), verified with the source's signing secret. An
event is applied once: its id is claimed in WebhookEvent (unique per source) in the same transaction that applies
it, so a replay (or a concurrent duplicate delivery) is acknowledged and skipped.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
from decimal import Decimal
from typing import Any

import orjson
import stripe
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from accounts import sync
from integrations import selectors, services
from integrations.models import Source, SourceKind, StripeObjectKind
from revenue import services as revenue_services

STRIPE_TOLERANCE_SECONDS = 300
# Zendesk signs each delivery with the time it was sent; its retries of a failed delivery can come some minutes later.
ZENDESK_TOLERANCE_SECONDS = 900
# Currencies Stripe counts in whole units (no cents).
ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "JPY",
    "KMF",
    "KRW",
    "MGA",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


class Malformed(Exception):
    """A verified payload we cannot use."""


class Unmatched(str):
    """The outcome of an event that names no single account: acknowledged, and logged as a failed call."""


def _source(request: HttpRequest, public_id: str, kind: str) -> Source | HttpResponse:
    source = selectors.source_by_public_id(public_id)
    if source is None or source.kind != kind or not source.webhook_secret:
        return JsonResponse({"detail": "Unknown webhook endpoint."}, status=401)
    if request.method != "POST":
        return JsonResponse({"detail": "Webhooks are POSTed."}, status=405)
    return source


def _answer(request: HttpRequest, source: Source, status: int, message: str, records: int = 1) -> JsonResponse:
    failed = status >= 400 or isinstance(message, Unmatched)
    services.api_call_record(
        source=source,
        method="POST",
        endpoint=request.path.rsplit("/", 2)[0] + "/",
        status_code=status,
        records=records,
        failed=1 if failed else 0,
        error=message if failed else "",
    )
    return JsonResponse({"detail": message}, status=status)


def _date(epoch: Any) -> datetime.date | None:
    if epoch in (None, ""):
        return None
    try:
        return datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC).date()
    except (TypeError, ValueError, OverflowError, OSError):
        raise Malformed(f"{epoch!r} is not a time.") from None


def _last_day(epoch: Any) -> datetime.date | None:
    """The last day in force of something Stripe ends at `epoch` (Stripe's ends are exclusive moments; our end
    dates are inclusive days): a subscription ending at midnight starting 1 December was last in force on 30
    November."""
    if epoch in (None, ""):
        return None
    try:
        moment = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise Malformed(f"{epoch!r} is not a time.") from None
    return (moment - datetime.timedelta(seconds=1)).date()


def _money(minor: Any, currency: str) -> Decimal:
    try:
        amount = Decimal(int(minor or 0))
    except (TypeError, ValueError):
        raise Malformed(f"{minor!r} is not an amount.") from None
    return amount if currency.upper() in ZERO_DECIMAL else amount / 100


# Stripe ---------------------------------------------------------------------------------------------------------


@csrf_exempt
def stripe_webhook(request: HttpRequest, public_id: str) -> HttpResponse:
    """Receive a Stripe event: verify its signature, then apply customer, subscription and invoice events."""
    source = _source(request, public_id, SourceKind.STRIPE)
    if isinstance(source, HttpResponse):
        return source
    payload = request.body
    try:
        stripe.Webhook.construct_event(
            payload.decode("utf-8"),
            request.META.get("HTTP_STRIPE_SIGNATURE", ""),
            source.webhook_secret,
            tolerance=STRIPE_TOLERANCE_SECONDS,
        )
        event = orjson.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError):
        return _answer(request, source, 400, "Bad signature or payload.")
    if not isinstance(event, dict) or not event.get("id") or not isinstance(event.get("data"), dict):
        return _answer(request, source, 400, "Not a Stripe event.")
    try:
        with transaction.atomic():
            claim = services.webhook_event_claim(
                source=source, event_id=str(event["id"]), event_type=str(event.get("type", ""))
            )
            if claim is None:
                return _answer(request, source, 200, "Already processed.")
            at = _date(event.get("created")) or timezone.now().date()
            outcome = _stripe_apply(source, str(event.get("type", "")), event["data"].get("object") or {}, at)
            services.webhook_event_outcome(event=claim, outcome=outcome)
    except (Malformed, KeyError, TypeError, ValueError, AttributeError) as exc:
        return _answer(request, source, 400, f"Unusable event: {exc}"[:300])
    return _answer(request, source, 200, outcome)


def _stripe_apply(source: Source, kind: str, obj: dict, at: datetime.date) -> str:
    """Apply one event's object; `at` (the event's time) is when a subscription change takes effect."""
    if kind.startswith("customer.subscription."):
        return _stripe_subscription(source, kind, obj, at)
    if kind in ("customer.created", "customer.updated"):
        return _stripe_customer(obj)
    if kind.startswith("invoice."):
        return _stripe_invoice(source, kind, obj)
    if kind.startswith("coupon.") and obj.get("id"):
        services.stripe_object_save(source=source, kind=StripeObjectKind.COUPON, object_id=str(obj["id"]), data=obj)
        return f"Coupon {obj['id']} kept."
    if kind.startswith("customer.discount.") and obj.get("id"):
        services.stripe_object_save(source=source, kind=StripeObjectKind.DISCOUNT, object_id=str(obj["id"]), data=obj)
        return f"Discount {obj['id']} kept."
    return f"Ignored {kind}."


def _stripe_customer(obj: dict) -> str:
    customer_id = str(obj.get("id") or "")
    account, _why = sync.account_match_external(field_name="billing_account_id", value=customer_id)
    if account is not None:
        return f"Customer {customer_id} is account {account.account_id}."
    wanted = (obj.get("metadata") or {}).get("account_id")
    if not wanted:
        return Unmatched(
            f"Customer {customer_id} matches no account (set metadata.account_id or the billing account id)."
        )
    result = sync.accounts_bulk_upsert(
        records=[{"account_id": wanted, "billing_account_id": customer_id}], source="stripe"
    )
    if result.failures:
        return Unmatched(result.failures[0].message)
    return f"Customer {customer_id} linked to account {wanted}."


def _account_of_customer(obj: dict) -> tuple[Any, Any, str]:
    """The one live account whose billing id is the object's customer, the customer id, and why when none."""
    customer = obj.get("customer")
    customer_id = customer.get("id") if isinstance(customer, dict) else customer
    account, why = sync.account_match_external(field_name="billing_account_id", value=str(customer_id or ""))
    return account, customer_id, why


def _stripe_subscription(source: Source, kind: str, obj: dict, at: datetime.date) -> str:
    sub_id = str(obj["id"])
    if kind == "customer.subscription.deleted":
        ended = _last_day(obj.get("ended_at") or obj.get("canceled_at")) or at
        found = revenue_services.subscription_cancel(subscription_id=sub_id, ended_on=ended, effective_on=at)
        return f"Subscription {sub_id} ended {ended}." if found else f"Subscription {sub_id} unknown."
    account, customer_id, why = _account_of_customer(obj)
    if account is None:
        return Unmatched(f"Customer {customer_id}: {why}")
    currency = str(obj.get("currency") or "usd").upper()
    items = (obj.get("items") or {}).get("data") or []
    lines = []
    plan_name, amount, interval, count = "", Decimal(0), "month", 1
    for position, item in enumerate(items):
        price = item.get("price") or item.get("plan") or {}
        recurring = price.get("recurring") or {}
        quantity = int(item.get("quantity") or 1)
        total = _money(price.get("unit_amount", price.get("amount")), currency) * quantity
        name = price.get("nickname") or price.get("product") or price.get("id") or ""
        if position == 0:
            plan_name, amount = str(name), total
            interval = recurring.get("interval") or price.get("interval") or "month"
            count = int(recurring.get("interval_count") or price.get("interval_count") or 1)
        else:
            lines.append({"kind": "addon", "name": str(name), "quantity": quantity, "amount": total})
    gross = amount + sum(line["amount"] for line in lines)
    coupons, unknown = _stripe_coupons(source, obj)
    for coupon in coupons:
        if coupon.get("amount_off"):
            off = _money(coupon["amount_off"], str(coupon.get("currency") or currency))
        else:
            off = (gross * Decimal(str(coupon.get("percent_off") or 0)) / 100).quantize(Decimal("0.01"))
        lines.append({"kind": "discount", "name": str(coupon.get("name") or coupon.get("id") or ""), "amount": off})
    start = _date(obj.get("start_date") or obj.get("created"))
    end = _last_day(obj.get("ended_at") or obj.get("cancel_at"))
    record = {
        "account": account,
        "subscription_id": sub_id,
        "plan": plan_name,
        "start_date": start,
        "end_date": max(end, start) if end and start else end,  # ended the day it began: in force that day
        "cycle_length": count,
        "cycle_unit": interval,
        "amount": amount,
        "currency": currency,
        "renews": not obj.get("cancel_at_period_end") and obj.get("status") not in ("canceled", "incomplete_expired"),
        "line_items": lines,
        "effective_date": at,
    }
    result = revenue_services.subscriptions_bulk_upsert(records=[record], source_id=source.pk)
    if result.failures:
        raise Malformed(result.failures[0].message)
    note = f" Not priced yet (coupon unknown until Stripe sends it): {', '.join(unknown)}." if unknown else ""
    return f"Subscription {sub_id} saved for account {account.account_id}.{note}"[:300]


def _stripe_coupons(source: Source, obj: dict) -> tuple[list[dict], list[str]]:
    """The coupons of a subscription's discounts, in every shape Stripe has sent, and the discounts not resolved.

    Recent API versions send `discounts`: discount ids, or discount objects when expanded, each naming its coupon
    under `source.coupon` (an id, or the coupon when expanded); older ones `discount` with the coupon object under
    `coupon`. Ids are resolved from the coupons and discounts received earlier (`coupon.*`, `customer.discount.*`).
    A discount sent in both fields counts once.
    """
    coupons: dict[str, dict] = {}
    unknown: list[str] = []
    seen: set[str] = set()
    for entry in [obj.get("discount"), *(obj.get("discounts") or [])]:
        if isinstance(entry, str):
            found = selectors.stripe_object_data(source=source, kind=StripeObjectKind.DISCOUNT, object_id=entry)
            if found is None:
                if entry not in seen:
                    unknown.append(entry)
                seen.add(entry)
                continue
            entry = found
        if not isinstance(entry, dict):
            continue
        discount_id = str(entry.get("id") or "")
        if discount_id and discount_id in seen:
            continue
        seen.add(discount_id)
        coupon = entry.get("coupon") or (entry.get("source") or {}).get("coupon")
        if isinstance(coupon, str):
            coupon = (
                selectors.stripe_object_data(source=source, kind=StripeObjectKind.COUPON, object_id=coupon) or coupon
            )
        if isinstance(coupon, dict) and (coupon.get("amount_off") or coupon.get("percent_off")):
            coupons.setdefault(str(coupon.get("id") or discount_id), coupon)
        elif coupon:
            unknown.append(discount_id or str(coupon))
    return list(coupons.values()), unknown


def _stripe_invoice(source: Source, kind: str, obj: dict) -> str:
    account, customer_id, why = _account_of_customer(obj)
    if account is None:
        return Unmatched(f"Customer {customer_id}: {why}")
    currency = str(obj.get("currency") or "usd").upper()
    paid = bool(obj.get("paid")) or obj.get("status") == "paid"
    paid_at = (obj.get("status_transitions") or {}).get("paid_at")
    lines = [
        {
            "description": str(line.get("description") or "")[:300],
            "quantity": int(line.get("quantity") or 1),
            "amount": _money(line.get("amount"), currency),
        }
        for line in (obj.get("lines") or {}).get("data") or []
    ]
    record = {
        "account": account,
        "invoice_id": str(obj["id"]),
        "issued_on": _date(obj.get("created")),
        "due_on": _date(obj.get("due_date")),
        "paid_on": _date(paid_at) if paid else None,
        "amount": _money(obj.get("total", obj.get("amount_due")), currency),
        "currency": currency,
        "is_paid": paid,
        "is_failed": kind == "invoice.payment_failed" or (bool(obj.get("attempted")) and not paid),
        "is_recurring": bool(_invoice_subscription(obj)),
        "line_items": lines,
    }
    result = revenue_services.invoices_bulk_upsert(records=[record], source_id=source.pk)
    if result.failures:
        raise Malformed(result.failures[0].message)
    return f"Invoice {obj['id']} saved for account {account.account_id}."


def _invoice_subscription(obj: dict) -> str:
    """The subscription an invoice bills: `parent.subscription_details.subscription` in recent API versions,
    `subscription` in older ones (an id, or the object when expanded); else that of a subscription line."""
    candidates = [_parent_detail(obj, "subscription_details"), obj.get("subscription")]
    for line in (obj.get("lines") or {}).get("data") or []:
        if isinstance(line, dict):
            candidates += [_parent_detail(line, "subscription_item_details"), line.get("subscription")]
    for candidate in candidates:
        if isinstance(candidate, dict):
            candidate = candidate.get("id")
        if candidate:
            return str(candidate)
    return ""


def _parent_detail(obj: dict, kind: str) -> Any:
    """`parent.<kind>.subscription` when the parent is of that kind (Stripe fills only the matching details)."""
    parent = obj.get("parent")
    if not isinstance(parent, dict) or parent.get("type") not in (None, kind):
        return None
    details = parent.get(kind)
    return details.get("subscription") if isinstance(details, dict) else None


# Zendesk --------------------------------------------------------------------------------------------------------

ZENDESK_STATUS = {
    "new": "Open",
    "open": "Open",
    "hold": "Open",
    "pending": "Pending",
    "solved": "Solved",
    "closed": "Closed",
}
ZENDESK_TYPE = {"question": "Question", "incident": "Incident", "problem": "Problem"}


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zendesk's webhook signature: base64 of HMAC-SHA256(secret, timestamp + body)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@csrf_exempt
def zendesk_webhook(request: HttpRequest, public_id: str) -> HttpResponse:
    """Receive a Zendesk ticket created / updated webhook, verified by its signature headers."""
    source = _source(request, public_id, SourceKind.ZENDESK)
    if isinstance(source, HttpResponse):
        return source
    body = request.body
    timestamp = request.META.get("HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP", "")
    signature = request.META.get("HTTP_X_ZENDESK_WEBHOOK_SIGNATURE", "")
    expected = zendesk_signature(source.webhook_secret, timestamp, body)
    if not timestamp or not hmac.compare_digest(signature.encode(), expected.encode()):
        return _answer(request, source, 400, "Bad signature.")
    if not _zendesk_timestamp_fresh(timestamp):
        return _answer(request, source, 400, "Signature timestamp is missing, malformed or too far from now.")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _answer(request, source, 400, "The body is not JSON.")
    if not isinstance(payload, dict):
        return _answer(request, source, 400, "The body is a JSON object.")
    ticket = payload.get("ticket") or payload.get("detail")
    if not isinstance(ticket, dict) or ticket.get("id") in (None, ""):
        return _answer(request, source, 400, "No ticket in the body.")
    event_id = str(
        payload.get("event_id")
        or payload.get("id")
        or request.META.get("HTTP_X_ZENDESK_WEBHOOK_INVOCATION_ID")
        or hashlib.sha256(body).hexdigest()
    )
    with transaction.atomic():
        claim = services.webhook_event_claim(
            source=source, event_id=event_id, event_type=str(payload.get("type") or "ticket")
        )
        if claim is None:
            return _answer(request, source, 200, "Already processed.")
        outcome, ok = _zendesk_apply(ticket)
        if not ok:
            transaction.set_rollback(True)
            return _answer(request, source, 400, outcome)
        services.webhook_event_outcome(event=claim, outcome=outcome)
    return _answer(request, source, 200, outcome)


def _zendesk_timestamp_fresh(timestamp: str) -> bool:
    """Whether a signature's timestamp (ISO 8601, as Zendesk sends it) is within the tolerance of now: a captured
    delivery cannot be replayed later."""
    try:
        signed_at = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return False
    if signed_at.tzinfo is None:
        return False
    return abs((timezone.now() - signed_at).total_seconds()) <= ZENDESK_TOLERANCE_SECONDS


def _zendesk_apply(ticket: dict) -> tuple[str, bool]:
    org = ticket.get("organization_id") or (ticket.get("organization") or {}).get("id")
    account, why = sync.account_match_external(field_name="support_account_id", value=str(org or ""))
    if account is None:
        return Unmatched(f"Ticket {ticket['id']} of organization {org}: {why}"), True
    record: dict[str, Any] = {"account_id": account.account_id, "ticket_id": ticket["id"]}
    for name in ("subject", "description"):
        if isinstance(ticket.get(name), str):
            record[name] = ticket[name]
    status = ZENDESK_STATUS.get(str(ticket.get("status") or "").lower())
    if status:
        record["status"] = status
    priority = str(ticket.get("priority") or "").capitalize()
    if priority in ("Low", "Normal", "High", "Urgent"):
        record["priority"] = priority
    kind = ZENDESK_TYPE.get(str(ticket.get("type") or "").lower())
    if kind:
        record["type"] = kind
    for name, key in (("opened_at", "created_at"), ("closed_at", "solved_at")):
        value = ticket.get(key)
        if isinstance(value, str) and value:
            try:
                moment = datetime.datetime.fromisoformat(value)
            except ValueError:
                return f"{key} “{value[:40]}” is not an ISO 8601 time.", False
            record[name] = moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
    requester = ticket.get("requester_email") or (ticket.get("requester") or {}).get("email")
    if requester:
        record["requester"] = str(requester)
    result = sync.tickets_bulk_upsert(records=[record])
    if result.failures:
        return result.failures[0].message, False
    return f"Ticket {ticket['id']} saved for account {account.account_id}.", True
