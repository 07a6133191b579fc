"""Revenue: subscriptions with line items, invoices with line items, currencies and dated exchange rates.

Every amount is a Decimal kept in its original ISO currency; conversion to the installation's base currency uses
the exchange rate in force on the relevant date. MRR is computed by a later pipeline step, not stored here.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from accounts.ids import EXTERNAL_ID_MAX_LENGTH
from accounts.models import Account
from core.models import TimeStampedModel

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code such as USD.")
MONEY = {"max_digits": 18, "decimal_places": 4}
DEFAULT_BASE_CURRENCY = "USD"


class RevenueSettings(models.Model):
    """The installation's revenue settings (a single row, pk 1): the base currency reports convert into."""

    base_currency = models.CharField(max_length=3, default=DEFAULT_BASE_CURRENCY, validators=[currency_validator])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "revenue settings"
        verbose_name_plural = "revenue settings"

    def __str__(self) -> str:
        return f"Base currency {self.base_currency}"


class Currency(models.Model):
    """An ISO 4217 currency in use: amounts in it are converted with its dated exchange rates."""

    code = models.CharField(max_length=3, primary_key=True, validators=[currency_validator])
    name = models.CharField(max_length=80, blank=True)

    class Meta:
        verbose_name_plural = "currencies"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class ExchangeRate(models.Model):
    """From `date` on (until the next dated rate), 1 unit of `currency` is worth `rate` units of the base currency."""

    currency = models.ForeignKey(Currency, on_delete=models.CASCADE, related_name="rates")
    date = models.DateField()
    rate = models.DecimalField(max_digits=20, decimal_places=10, validators=[MinValueValidator(0)])

    class Meta:
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="revenue_rate_unique_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="revenue_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency_id} = {self.rate} base on {self.date}"


class CycleUnit(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class Subscription(TimeStampedModel):
    """What an account pays for: a plan over [start, end], billed every `cycle_length` `cycle_unit`s.

    `amount` is the plan price per cycle; add-ons (positive) and discounts (negative) are line items.
    `renews` says whether it renews automatically at its end (the renewal date derives from it).
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="subscriptions")
    subscription_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    plan = models.CharField(max_length=200, blank=True)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    cycle_length = models.PositiveSmallIntegerField(default=1)
    cycle_unit = models.CharField(max_length=10, choices=CycleUnit.choices, default=CycleUnit.MONTH)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator], default=DEFAULT_BASE_CURRENCY)
    renews = models.BooleanField(default=True)
    source_id = models.BigIntegerField(default=0, help_text="The integrations source that last wrote it.")

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [models.Index(fields=["account", "-start_date"], name="rev_sub_account_idx")]
        constraints = [models.CheckConstraint(condition=Q(cycle_length__gte=1), name="rev_sub_cycle_positive")]

    def __str__(self) -> str:
        return f"{self.plan or self.subscription_id} ({self.account_id})"


class SubscriptionHistory(models.Model):
    """What a subscription was, in MRR terms, until `until` (exclusive), before a change made it what it is now.

    Each row holds a state in force from the previous row's `until` (or from the beginning) to its own; the
    subscription row itself is in force from the last `until` on. MRR on a day reads the state in force that day,
    so a change dated in one month never rewrites the figures of the months before it. `amount` includes the
    add-on and discount lines of that state.
    """

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="history")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    until = models.DateField(help_text="The first day this state no longer held (the change's effective date).")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    cycle_length = models.PositiveSmallIntegerField(default=1)
    cycle_unit = models.CharField(max_length=10, choices=CycleUnit.choices, default=CycleUnit.MONTH)
    amount = models.DecimalField(**MONEY, help_text="Plan price plus add-ons and discounts, per cycle.")
    currency = models.CharField(max_length=3, validators=[currency_validator], default=DEFAULT_BASE_CURRENCY)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "subscription history"
        ordering = ["subscription", "until"]
        constraints = [models.UniqueConstraint(fields=["subscription", "until"], name="rev_sub_history_unique")]

    def __str__(self) -> str:
        return f"{self.subscription_id} until {self.until}: {self.amount} {self.currency}"


class LineItemKind(models.TextChoices):
    ADDON = "addon", "Add-on"
    DISCOUNT = "discount", "Discount"


class SubscriptionLineItem(models.Model):
    """An add-on (positive amount) or a discount (negative amount) of a subscription, per cycle."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="line_items")
    kind = models.CharField(max_length=10, choices=LineItemKind.choices)
    name = models.CharField(max_length=200, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=1)
    amount = models.DecimalField(**MONEY, help_text="Total of the line per cycle; negative for a discount.")

    class Meta:
        ordering = ["subscription", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="addon") & Q(amount__gte=0)) | (Q(kind="discount") & Q(amount__lte=0)),
                name="rev_line_sign_by_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}: {self.amount}"


class Invoice(TimeStampedModel):
    """A bill sent to an account (informational: MRR comes from subscriptions)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="invoices")
    invoice_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    issued_on = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, validators=[currency_validator], default=DEFAULT_BASE_CURRENCY)
    is_paid = models.BooleanField(default=False)
    is_failed = models.BooleanField("payment failed", default=False)
    is_recurring = models.BooleanField(default=True)
    source_id = models.BigIntegerField(default=0, help_text="The integrations source that last wrote it.")

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["account", "-issued_on"], name="rev_invoice_account_idx")]

    def __str__(self) -> str:
        return f"Invoice {self.invoice_id}"


class InvoiceLineItem(models.Model):
    """One line of an invoice."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="line_items")
    description = models.CharField(max_length=300, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, default=1)
    amount = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["invoice", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class MovementKind(models.TextChoices):
    NEW = "new", "New"
    EXPANSION = "expansion", "Expansion"
    CONTRACTION = "contraction", "Contraction"
    LOST = "lost", "Lost"


class MrrMovement(models.Model):
    """How an account's MRR moved over one calendar month, in the base currency (SPEC section 3).

    start_mrr is the MRR at the end of the previous month and end_mrr at the end of this one, both with the 3-day
    rule applied: a drop at a month end that a renewal undoes within 3 days does not count.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mrr_movements")
    month = models.DateField(help_text="The first day of the month.")
    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    start_mrr = models.DecimalField(**MONEY)
    end_mrr = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["-month", "account"]
        constraints = [models.UniqueConstraint(fields=["account", "month"], name="revenue_movement_unique")]
        indexes = [models.Index(fields=["month", "kind"], name="revenue_movement_month_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.account_id} {self.month:%Y-%m}: {self.start_mrr} -> {self.end_mrr}"

    @property
    def amount(self):
        return self.end_mrr - self.start_mrr
