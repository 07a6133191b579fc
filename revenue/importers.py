"""CSV import targets of the revenue app: subscriptions and invoices.

A row is the whole subscription (or invoice), as a record of the Account API is: it is upserted by its id through
the same services, and its line items are replaced by the ones in the row. Importing the same file again changes
nothing. MRR, renewal dates and MRR movements follow at the pipeline's next run.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from accounts.importers import accounts_by_id, external_ids, live_account, parse_external_id
from accounts.imports import (
    ImportColumn,
    ImportTarget,
    RowInvalid,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    register_target,
    split_list,
)
from revenue import services
from revenue.models import CycleUnit, Invoice, LineItemKind, Subscription

LINES_HELP = "name=amount per cycle, several separated by ;"


def _required(row: dict[str, str], name: str) -> str:
    if not row.get(name):
        raise RowInvalid(name, "is required.")
    return row[name]


def _currency(row: dict[str, str], base: str) -> str:
    try:
        return services.currency_clean(row.get("currency") or base)
    except ValidationError:
        raise RowInvalid("currency", f"“{row['currency']}” is not a three-letter currency code (ISO 4217).") from None


def _amount_lines(value: str, name: str) -> list[tuple[str, Decimal]]:
    """("name", amount) pairs of a cell like "Extra seats=50; Support=20"."""
    lines = []
    for part in split_list(value):
        label, sep, amount = part.rpartition("=")
        if not sep or not label.strip():
            raise RowInvalid(name, f"“{part}” is not name=amount.")
        number = parse_decimal(amount.strip(), name)
        if number is None:
            raise RowInvalid(name, f"“{part}” has no amount.")
        lines.append((label.strip()[:200], number))
    return lines


class _RevenueTarget(ImportTarget):
    """A billing record of an account, keyed by its id in the billing system (`id_column`)."""

    id_column = ""

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "accounts": accounts_by_id(external_ids(rows, "account_id")),
            "base": services.revenue_settings_get().base_currency,
        }

    def row_key(self, row: dict[str, str]) -> str | None:
        try:
            return f"{self.id_column}:" + parse_external_id(row.get(self.id_column, ""), self.id_column)
        except RowInvalid:
            return None


class SubscriptionsTarget(_RevenueTarget):
    key = "subscriptions"
    id_column = "subscription_id"
    order = 30
    label = "Subscriptions"
    description = "Create or update subscriptions by subscription id, with their add-ons and discounts."

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn("subscription_id", True, "Your billing system's id for it.", "sub-1042"),
            ImportColumn("account_id", True, example="ACME-001"),
            ImportColumn("plan", example="Growth"),
            ImportColumn("start_date", True, "YYYY-MM-DD", "2025-01-01", text=False),
            ImportColumn(
                "end_date",
                help="YYYY-MM-DD, the last day in force; empty while it runs.",
                example="2025-12-31",
                text=False,
            ),
            ImportColumn("amount", True, "Plan price per cycle.", "1200", text=False),
            ImportColumn("currency", help="ISO code; the base currency when empty.", example="USD"),
            ImportColumn("cycle_length", help="Whole number, 1 when empty.", example="1", text=False),
            ImportColumn("cycle_unit", help="day, week, month or year (month when empty).", example="month"),
            ImportColumn("renews", help="yes/no: renews automatically at its end (yes when empty).", example="yes"),
            ImportColumn("addons", help=LINES_HELP, example="Extra seats=150"),
            ImportColumn("discounts", help=LINES_HELP + " (as positive numbers)", example="Launch offer=100"),
            ImportColumn(
                "effective_date",
                help="YYYY-MM-DD: the day a change takes effect (today when empty).",
                example="2025-01-01",
                text=False,
            ),
        ]

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        subscription_id = parse_external_id(row.get("subscription_id", ""), "subscription_id")
        account = live_account(ctx, parse_external_id(row.get("account_id", ""), "account_id"), "account_id")
        start = parse_date(_required(row, "start_date"), "start_date")
        end = parse_date(row.get("end_date", ""), "end_date")
        if end and end < start:
            raise RowInvalid("end_date", "is before start_date.")
        amount = parse_decimal(_required(row, "amount"), "amount")
        if amount < 0:
            raise RowInvalid("amount", "is negative: a discount goes in the discounts column.")
        unit = (row.get("cycle_unit") or CycleUnit.MONTH).lower()
        if unit not in CycleUnit.values:
            raise RowInvalid("cycle_unit", f"“{row['cycle_unit']}” is not one of {', '.join(CycleUnit.values)}.")
        lines = []
        for kind, column in ((LineItemKind.ADDON, "addons"), (LineItemKind.DISCOUNT, "discounts")):
            for name, line_amount in _amount_lines(row.get(column, ""), column):
                if line_amount < 0:
                    raise RowInvalid(column, f"“{name}” has a negative amount: give it as a positive number.")
                lines.append((kind, name, -line_amount if kind == LineItemKind.DISCOUNT else line_amount))
        renews = parse_bool(row.get("renews", ""), "renews")
        effective = parse_date(row.get("effective_date", ""), "effective_date")
        return {
            "subscription_id": subscription_id,
            "account": account,
            "plan": row.get("plan", "")[:200],
            "start_date": start,
            "end_date": end,
            "cycle_length": parse_int(row.get("cycle_length", ""), "cycle_length", low=1, high=1000) or 1,
            "cycle_unit": unit,
            "amount": amount,
            "currency": _currency(row, ctx["base"]),
            "renews": True if renews is None else renews,
            "line_items": lines,
            "effective_date": effective,
        }

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        existing = (
            Subscription.objects.filter(subscription_id=clean["subscription_id"]).prefetch_related("line_items").first()
        )
        if existing is not None and _subscription_same(existing, clean):
            return "unchanged"
        record = {
            **clean,
            "line_items": [
                {"kind": kind, "name": name, "quantity": 1, "amount": amount}
                for kind, name, amount in clean["line_items"]
            ],
        }
        result = services.subscriptions_bulk_upsert(records=[record])
        if result.failures:
            raise ValidationError(result.failures[0].message)
        return "created" if existing is None else "updated"


def _subscription_same(sub: Subscription, clean: dict[str, Any]) -> bool:
    fields = ("plan", "start_date", "end_date", "cycle_length", "cycle_unit", "amount", "currency", "renews")
    if sub.account_id != clean["account"].pk or any(getattr(sub, name) != clean[name] for name in fields):
        return False
    stored = sorted((item.kind, item.name, item.amount) for item in sub.line_items.all())
    return stored == sorted(clean["line_items"]) and all(item.quantity == 1 for item in sub.line_items.all())


class InvoicesTarget(_RevenueTarget):
    key = "invoices"
    id_column = "invoice_id"
    order = 40
    label = "Invoices"
    description = "Create or update invoices by invoice id (shown on the account; MRR comes from subscriptions)."

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn("invoice_id", True, "Your billing system's id for it.", "inv-2025-0042"),
            ImportColumn("account_id", True, example="ACME-001"),
            ImportColumn("issued_on", True, "YYYY-MM-DD", "2025-02-01", text=False),
            ImportColumn("due_on", help="YYYY-MM-DD", example="2025-03-03", text=False),
            ImportColumn("paid_on", help="YYYY-MM-DD; a date marks it paid.", example="", text=False),
            ImportColumn("amount", help="The total; the sum of the lines when empty.", example="1350", text=False),
            ImportColumn("currency", help="ISO code; the base currency when empty.", example="USD"),
            ImportColumn("is_paid", help="yes/no (no when empty, yes with a paid_on date).", example="no"),
            ImportColumn("is_failed", help="yes/no: a payment attempt failed.", example="no"),
            ImportColumn("is_recurring", help="yes/no (yes when empty).", example="yes"),
            ImportColumn("lines", help="description=amount, several separated by ;", example="Growth plan=1350"),
        ]

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        invoice_id = parse_external_id(row.get("invoice_id", ""), "invoice_id")
        account = live_account(ctx, parse_external_id(row.get("account_id", ""), "account_id"), "account_id")
        issued = parse_date(_required(row, "issued_on"), "issued_on")
        due = parse_date(row.get("due_on", ""), "due_on")
        paid = parse_date(row.get("paid_on", ""), "paid_on")
        for name, day in (("due_on", due), ("paid_on", paid)):
            if day and day < issued:
                raise RowInvalid(name, "is before issued_on.")
        lines = _amount_lines(row.get("lines", ""), "lines")
        amount = parse_decimal(row.get("amount", ""), "amount")
        if amount is None:
            if not lines:
                raise RowInvalid("amount", "is required when there are no lines.")
            amount = sum((a for _, a in lines), Decimal(0))
        is_paid = parse_bool(row.get("is_paid", ""), "is_paid")
        recurring = parse_bool(row.get("is_recurring", ""), "is_recurring")
        return {
            "invoice_id": invoice_id,
            "account": account,
            "issued_on": issued,
            "due_on": due,
            "paid_on": paid,
            "amount": amount,
            "currency": _currency(row, ctx["base"]),
            "is_paid": bool(is_paid or paid),
            "is_failed": bool(parse_bool(row.get("is_failed", ""), "is_failed")),
            "is_recurring": True if recurring is None else recurring,
            "lines": lines,
        }

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        existing = Invoice.objects.filter(invoice_id=clean["invoice_id"]).prefetch_related("line_items").first()
        if existing is not None and _invoice_same(existing, clean):
            return "unchanged"
        record = {
            **clean,
            "line_items": [{"description": d, "quantity": 1, "amount": a} for d, a in clean["lines"]],
        }
        result = services.invoices_bulk_upsert(records=[record])
        if result.failures:
            raise ValidationError(result.failures[0].message)
        return "created" if existing is None else "updated"


def _invoice_same(invoice: Invoice, clean: dict[str, Any]) -> bool:
    fields = ("issued_on", "due_on", "paid_on", "amount", "currency", "is_paid", "is_failed", "is_recurring")
    if invoice.account_id != clean["account"].pk or any(getattr(invoice, name) != clean[name] for name in fields):
        return False
    stored = [(item.description, item.amount) for item in invoice.line_items.all()]
    return stored == clean["lines"] and all(item.quantity == 1 for item in invoice.line_items.all())


def register() -> None:
    for target in (SubscriptionsTarget(), InvoicesTarget()):
        register_target(target)
