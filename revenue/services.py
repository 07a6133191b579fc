"""Services of the revenue app: base currency, currencies and exchange rates, and set-based upserts of
subscriptions and invoices (with their line items) used by the Account API and the Stripe webhook."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.ids import normalize_external_id
from accounts.models import Account
from accounts.sync import SyncResult
from revenue.models import (
    Currency,
    CycleUnit,
    ExchangeRate,
    Invoice,
    InvoiceLineItem,
    LineItemKind,
    RevenueSettings,
    Subscription,
    SubscriptionHistory,
    SubscriptionLineItem,
    currency_validator,
)

CHUNK = 1000
MAX_AMOUNT = Decimal("1e13")


def revenue_settings_get() -> RevenueSettings:
    """The settings row (created with the defaults on first use)."""
    return RevenueSettings.objects.get_or_create(pk=1)[0]


@transaction.atomic
def base_currency_set(*, code: str) -> RevenueSettings:
    """Change the base currency every amount is converted into; the currency is added to the list if new."""
    code = currency_clean(code)
    settings = revenue_settings_get()
    settings.base_currency = code
    settings.full_clean()
    settings.save()
    Currency.objects.get_or_create(code=code)
    return settings


def currency_clean(code: object) -> str:
    """An upper-case ISO 4217 code, or ValidationError."""
    text = str(code or "").strip().upper()
    currency_validator(text)
    return text


def money_clean(value: object, *, label: str = "amount") -> Decimal:
    """A finite Decimal from a number or numeric text (floats go through their text form), or ValidationError."""
    if isinstance(value, bool) or value is None:
        raise ValidationError(f"The {label} must be a number.")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(f"The {label} “{value}” is not a number.") from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
        raise ValidationError(f"The {label} {value} is out of range.")
    return amount.quantize(Decimal("0.0001"))


@transaction.atomic
def currency_save(*, code: str, name: str = "") -> Currency:
    """Add a currency (or rename it)."""
    currency, _ = Currency.objects.update_or_create(code=currency_clean(code), defaults={"name": name.strip()})
    return currency


@transaction.atomic
def currency_delete(*, currency: Currency) -> None:
    """Remove a currency and its rates; the base currency cannot be removed."""
    if currency.code == revenue_settings_get().base_currency:
        raise ValidationError("The base currency cannot be removed.")
    currency.delete()


@transaction.atomic
def exchange_rate_save(*, code: str, date: datetime.date, rate: object) -> ExchangeRate:
    """Set the rate of `code` from `date` on (1 unit = `rate` units of the base currency); replaces that day's rate."""
    rate = money_clean(rate, label="rate") if not isinstance(rate, Decimal) else rate
    if rate <= 0:
        raise ValidationError({"rate": "A rate is a positive number."})
    currency = Currency.objects.get_or_create(code=currency_clean(code))[0]
    obj, _ = ExchangeRate.objects.update_or_create(currency=currency, date=date, defaults={"rate": rate})
    return obj


@transaction.atomic
def exchange_rate_delete(*, rate: ExchangeRate) -> None:
    """Remove one dated rate."""
    rate.delete()


@transaction.atomic
def exchange_rates_bulk_upsert(*, records: Sequence[Mapping[str, Any]]) -> SyncResult:
    """Upsert {currency, date, rate} records (one statement per chunk); bad records fail, the rest are written."""
    result = SyncResult()
    rows: dict[tuple[str, datetime.date], Decimal] = {}
    for index, record in enumerate(records):
        try:
            code = currency_clean(record.get("currency"))
            rate = money_clean(record.get("rate"), label="rate")
            if rate <= 0:
                raise ValidationError("A rate is a positive number.")
            date = record.get("date")
            if not isinstance(date, datetime.date):
                raise ValidationError("The date is required (YYYY-MM-DD).")
        except ValidationError as exc:
            result.fail(index, "", " ".join(exc.messages))
            continue
        rows[(code, date)] = rate
    Currency.objects.bulk_create([Currency(code=c) for c in {c for c, _ in rows}], ignore_conflicts=True)
    ExchangeRate.objects.bulk_create(
        [ExchangeRate(currency_id=c, date=d, rate=r) for (c, d), r in rows.items()],
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["currency", "date"],
        update_fields=["rate"],
    )
    result.created = len(rows)
    return result


def _accounts(records: Sequence[Mapping[str, Any]], result: SyncResult) -> dict[int, Account]:
    """The live account of each record (by `account_id`, or an `account` object given); others fail."""
    ids: dict[int, str] = {}
    out: dict[int, Account] = {}
    for index, record in enumerate(records):
        if isinstance(record.get("account"), Account):
            out[index] = record["account"]
            continue
        try:
            ids[index] = normalize_external_id(record.get("account_id"), label="account id")
        except ValidationError as exc:
            result.fail(index, record.get("account_id"), " ".join(exc.messages))
    found: dict[str, Account] = {}
    values = sorted(set(ids.values()))
    for start in range(0, len(values), CHUNK):
        for account in Account.objects.filter(account_id__in=values[start : start + CHUNK]):
            found[account.account_id] = account
    for index, aid in ids.items():
        account = found.get(aid)
        if account is None:
            result.fail(index, aid, f"No account has the account id {aid}.")
        elif account.is_deleted:
            result.fail(index, aid, f"Account {aid} was deleted; it is not changed by a sync.")
        else:
            out[index] = account
    return out


def _line_items(raw: Sequence[Mapping[str, Any]] | None) -> list[tuple[str, str, Decimal, Decimal]]:
    """(kind, name, quantity, amount) of subscription line items; discounts become negative amounts."""
    items = []
    for item in raw or []:
        kind = str(item.get("kind") or "").strip().lower()
        if kind not in LineItemKind.values:
            raise ValidationError(f"A line item kind is “addon” or “discount”, not “{kind}”.")
        amount = money_clean(item.get("amount"), label="line item amount")
        quantity = money_clean(item.get("quantity", 1), label="line item quantity")
        if kind == LineItemKind.DISCOUNT:
            amount = -abs(amount)
        elif amount < 0:
            raise ValidationError("An add-on has a positive amount (a discount is the negative line).")
        items.append((kind, str(item.get("name") or "")[:200], quantity, amount))
    return items


@transaction.atomic
def subscriptions_bulk_upsert(*, records: Sequence[Mapping[str, Any]], source_id: int = 0) -> SyncResult:
    """Create or update subscriptions by `subscription_id`; their line items are replaced by the ones sent.

    Keys: subscription_id, account_id (or account), plan, start_date, end_date, cycle_length, cycle_unit,
    amount, currency, renews, line_items [{kind: addon|discount, name, quantity, amount}], effective_date (the
    day a change takes effect, default today: the state it replaces stays in the revenue history until then).
    """
    result = SyncResult()
    accounts = _accounts(records, result)
    prepared: dict[str, tuple[int, Subscription, list]] = {}
    effective: dict[str, datetime.date] = {}
    base = revenue_settings_get().base_currency
    for index, account in accounts.items():
        record = records[index]
        try:
            sid = normalize_external_id(record.get("subscription_id"), label="subscription id")
            sub = Subscription(
                account=account,
                subscription_id=sid,
                plan=str(record.get("plan") or "")[:200],
                start_date=record.get("start_date"),
                end_date=record.get("end_date"),
                cycle_length=int(record.get("cycle_length") or 1),
                cycle_unit=str(record.get("cycle_unit") or CycleUnit.MONTH).lower(),
                amount=money_clean(record.get("amount")),
                currency=currency_clean(record.get("currency") or base),
                renews=bool(record.get("renews", True)),
                source_id=source_id,
            )
            sub.full_clean(exclude=["account", "subscription_id"], validate_unique=False, validate_constraints=False)
            if sub.end_date and sub.end_date < sub.start_date:
                raise ValidationError("A subscription cannot end before it starts.")
            if sub.cycle_length < 1:
                raise ValidationError("The cycle length is at least 1.")
            items = _line_items(record.get("line_items"))
            effective[sid] = effective_date_clean(record.get("effective_date"))
        except (ValidationError, TypeError, ValueError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.fail(index, account.account_id, message)
            continue
        prepared[sid] = (index, sub, items)
    if not prepared:
        return result
    current = _mrr_states(list(prepared))
    _history_record(
        [
            (
                current[sid][0],
                current[sid][1],
                _state(sub, sum((a for _, _, _, a in items), Decimal(0))),
                effective[sid],
            )
            for sid, (_, sub, items) in prepared.items()
            if sid in current
        ]
    )
    existing = set(
        Subscription.objects.filter(subscription_id__in=list(prepared)).values_list("subscription_id", flat=True)
    )
    now = timezone.now()
    for _, sub, _ in prepared.values():
        sub.created_at = sub.updated_at = now
    Subscription.objects.bulk_create(
        [sub for _, sub, _ in prepared.values()],
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["subscription_id"],
        update_fields=[
            "account",
            "plan",
            "start_date",
            "end_date",
            "cycle_length",
            "cycle_unit",
            "amount",
            "currency",
            "renews",
            "source_id",
            "updated_at",
        ],
    )
    pks = dict(Subscription.objects.filter(subscription_id__in=list(prepared)).values_list("subscription_id", "pk"))
    SubscriptionLineItem.objects.filter(subscription_id__in=pks.values()).delete()
    SubscriptionLineItem.objects.bulk_create(
        [
            SubscriptionLineItem(subscription_id=pks[sid], kind=k, name=n, quantity=q, amount=a)
            for sid, (_, _, items) in prepared.items()
            for k, n, q, a in items
        ],
        batch_size=CHUNK,
    )
    Currency.objects.bulk_create(
        [Currency(code=c) for c in {sub.currency for _, sub, _ in prepared.values()}], ignore_conflicts=True
    )
    result.created = len(set(prepared) - existing)
    result.updated = len(set(prepared) & existing)
    return result


@transaction.atomic
def invoices_bulk_upsert(*, records: Sequence[Mapping[str, Any]], source_id: int = 0) -> SyncResult:
    """Create or update invoices by `invoice_id`; their line items are replaced by the ones sent.

    Keys: invoice_id, account_id (or account), issued_on, due_on, paid_on, amount, currency, is_paid, is_failed,
    is_recurring, line_items [{description, quantity, amount}]. Without `amount` the lines are summed.
    """
    result = SyncResult()
    accounts = _accounts(records, result)
    prepared: dict[str, tuple[int, Invoice, list]] = {}
    base = revenue_settings_get().base_currency
    for index, account in accounts.items():
        record = records[index]
        try:
            iid = normalize_external_id(record.get("invoice_id"), label="invoice id")
            lines = [
                (
                    str(line.get("description") or "")[:300],
                    money_clean(line.get("quantity", 1), label="quantity"),
                    money_clean(line.get("amount"), label="line amount"),
                )
                for line in record.get("line_items") or []
            ]
            amount = record.get("amount")
            amount = money_clean(amount) if amount is not None else sum((a for _, _, a in lines), Decimal(0))
            invoice = Invoice(
                account=account,
                invoice_id=iid,
                issued_on=record.get("issued_on"),
                due_on=record.get("due_on"),
                paid_on=record.get("paid_on"),
                amount=amount,
                currency=currency_clean(record.get("currency") or base),
                is_paid=bool(record.get("is_paid") or record.get("paid_on")),
                is_failed=bool(record.get("is_failed")),
                is_recurring=bool(record.get("is_recurring", True)),
                source_id=source_id,
            )
            invoice.full_clean(exclude=["account", "invoice_id"], validate_unique=False, validate_constraints=False)
        except (ValidationError, TypeError, ValueError) as exc:
            message = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            result.fail(index, account.account_id, message)
            continue
        prepared[iid] = (index, invoice, lines)
    if not prepared:
        return result
    existing = set(Invoice.objects.filter(invoice_id__in=list(prepared)).values_list("invoice_id", flat=True))
    now = timezone.now()
    for _, invoice, _ in prepared.values():
        invoice.created_at = invoice.updated_at = now
    Invoice.objects.bulk_create(
        [invoice for _, invoice, _ in prepared.values()],
        batch_size=CHUNK,
        update_conflicts=True,
        unique_fields=["invoice_id"],
        update_fields=[
            "account",
            "issued_on",
            "due_on",
            "paid_on",
            "amount",
            "currency",
            "is_paid",
            "is_failed",
            "is_recurring",
            "source_id",
            "updated_at",
        ],
    )
    pks = dict(Invoice.objects.filter(invoice_id__in=list(prepared)).values_list("invoice_id", "pk"))
    InvoiceLineItem.objects.filter(invoice_id__in=pks.values()).delete()
    InvoiceLineItem.objects.bulk_create(
        [
            InvoiceLineItem(invoice_id=pks[iid], description=d, quantity=q, amount=a)
            for iid, (_, _, lines) in prepared.items()
            for d, q, a in lines
        ],
        batch_size=CHUNK,
    )
    Currency.objects.bulk_create(
        [Currency(code=c) for c in {inv.currency for _, inv, _ in prepared.values()}], ignore_conflicts=True
    )
    result.created = len(set(prepared) - existing)
    result.updated = len(set(prepared) & existing)
    return result


@transaction.atomic
def subscription_cancel(
    *, subscription_id: str, ended_on: datetime.date, effective_on: datetime.date | None = None
) -> bool:
    """End a subscription on `ended_on` (its last day in force) without renewal, e.g. Stripe's subscription deleted,
    as a change effective `effective_on` (default today). Returns whether it was found."""
    sub = Subscription.objects.select_for_update().filter(subscription_id=subscription_id).first()
    if sub is None:
        return False
    pk, before = _mrr_states([subscription_id])[subscription_id]
    sub.end_date, sub.renews, sub.updated_at = ended_on, False, timezone.now()
    _history_record([(pk, before, (*before[:2], ended_on, *before[3:]), effective_on or today())])
    sub.save(update_fields=["end_date", "renews", "updated_at"])
    return True


# Revenue history ------------------------------------------------------------------------------------------------

State = tuple  # (account_id, start_date, end_date, cycle_length, cycle_unit, amount with lines, currency)


def today() -> datetime.date:
    return timezone.now().date()


def effective_date_clean(value: object) -> datetime.date:
    """The day a change takes effect: a date or YYYY-MM-DD text, today when empty; else ValidationError naming
    the field."""
    if value in (None, ""):
        return today()
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(f"effective_date: “{str(value)[:40]}” is not a date (YYYY-MM-DD).") from None


def _state(sub: Subscription, lines_total: Decimal) -> State:
    return (
        sub.account_id,
        sub.start_date,
        sub.end_date,
        sub.cycle_length,
        sub.cycle_unit,
        Decimal(sub.amount) + lines_total,
        sub.currency,
    )


def _mrr_states(subscription_ids: Sequence[str]) -> dict[str, tuple[int, State]]:
    """(pk, state in MRR terms) of the stored subscriptions among `subscription_ids`."""
    out = {}
    for start in range(0, len(subscription_ids), CHUNK):
        for sub in Subscription.objects.filter(subscription_id__in=subscription_ids[start : start + CHUNK]).annotate(
            lines_total=Sum("line_items__amount")
        ):
            out[sub.subscription_id] = (sub.pk, _state(sub, sub.lines_total or Decimal(0)))
    return out


def _history_state(row: SubscriptionHistory) -> State:
    return (
        row.account_id,
        row.start_date,
        row.end_date,
        row.cycle_length,
        row.cycle_unit,
        Decimal(row.amount),
        row.currency,
    )


def _history_record(changes: Sequence[tuple[int, State, State, datetime.date]]) -> None:
    """Keep the revenue history for subscriptions about to change: (pk, current state, new state, effective day).

    The new state holds from the effective day on: history recorded for later days (a change dated after it) is
    replaced, and the state in force the day before is kept, in force until the effective day.
    """
    if not changes:
        return
    rows: dict[int, list[SubscriptionHistory]] = {}
    for row in SubscriptionHistory.objects.filter(subscription_id__in=[pk for pk, *_ in changes]).order_by("until"):
        rows.setdefault(row.subscription_id, []).append(row)
    drop: list[int] = []
    add: list[SubscriptionHistory] = []
    for pk, current, new, effective in changes:
        history = rows.get(pk, [])
        later = [row for row in history if row.until > effective]
        if not later and new == current:
            continue
        in_force_before = _history_state(later[0]) if later else current
        drop += [row.pk for row in later]
        kept = [row for row in history if row.until <= effective]
        if (not kept or kept[-1].until < effective) and in_force_before != new:
            account_id, start, end, length, unit, amount, currency = in_force_before
            add.append(
                SubscriptionHistory(
                    subscription_id=pk,
                    account_id=account_id,
                    until=effective,
                    start_date=start,
                    end_date=end,
                    cycle_length=length,
                    cycle_unit=unit,
                    amount=amount,
                    currency=currency,
                )
            )
    SubscriptionHistory.objects.filter(pk__in=drop).delete()
    SubscriptionHistory.objects.bulk_create(add, batch_size=CHUNK)
