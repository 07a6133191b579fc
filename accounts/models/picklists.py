"""Configurable picklists: lifecycle stages, tiers, interaction types, ticket fields and custom dimensions."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from core.models import TimeStampedModel


class Picklist(TimeStampedModel):
    """Shared shape of an ordered, named choice that settings pages edit."""

    name = models.CharField(max_length=80)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Stage(Picklist):
    """A lifecycle stage (Trial, Onboarding, Established, Renewal by default); accounts move through them in order."""

    class Meta(Picklist.Meta):
        constraints = [models.UniqueConstraint(fields=["name"], name="accounts_stage_unique_name")]


class Tier(Picklist):
    """A customer tier (e.g. Enterprise, Mid-market, SMB)."""

    class Meta(Picklist.Meta):
        constraints = [models.UniqueConstraint(fields=["name"], name="accounts_tier_unique_name")]


class InteractionType(Picklist):
    """The kind of an interaction: call, meeting, email, QBR, ..."""

    class Meta(Picklist.Meta):
        constraints = [models.UniqueConstraint(fields=["name"], name="accounts_interactiontype_unique_name")]


class TicketOptionKind(models.TextChoices):
    STATUS = "status", "Status"
    PRIORITY = "priority", "Priority"
    TYPE = "type", "Type"


class TicketOption(Picklist):
    """One value of a support-ticket picklist: a status (open or closed), a priority, or a type."""

    kind = models.CharField(max_length=20, choices=TicketOptionKind.choices)
    is_closed = models.BooleanField(
        default=False, help_text="For statuses: a ticket in this status counts as closed (solved, closed, ...)."
    )

    class Meta(Picklist.Meta):
        ordering = ["kind", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="accounts_ticketoption_unique_name")]


class DimensionEntity(models.TextChoices):
    ACCOUNT = "account", "Accounts"
    CONTACT = "contact", "Contacts"


class DimensionType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    PICKLIST = "picklist", "Picklist"


key_validator = RegexValidator(
    r"^[a-z][a-z0-9_]{0,49}$", "Use lower-case letters, digits and underscores, starting with a letter."
)


class CustomDimension(TimeStampedModel):
    """A typed attribute that installations add to accounts or contacts (only its latest value is kept).

    Picklist dimensions hold text restricted to `choices`. Number dimensions can feed health scores.
    """

    entity = models.CharField(max_length=20, choices=DimensionEntity.choices, default=DimensionEntity.ACCOUNT)
    key = models.CharField(max_length=50, validators=[key_validator], help_text="Used in CSV columns and the API.")
    label = models.CharField(max_length=80)
    data_type = models.CharField(max_length=20, choices=DimensionType.choices, default=DimensionType.TEXT)
    choices = models.JSONField(default=list, blank=True, help_text="Allowed values of a picklist.")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["entity", "order", "label"]
        constraints = [models.UniqueConstraint(fields=["entity", "key"], name="accounts_dimension_unique_key")]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.data_type == DimensionType.PICKLIST:
            values = [str(v).strip() for v in (self.choices or []) if str(v).strip()]
            if not values:
                raise ValidationError({"choices": "A picklist needs at least one allowed value."})
            if len(set(values)) != len(values):
                raise ValidationError({"choices": "Allowed values must be different from each other."})
            self.choices = values
        else:
            self.choices = []

    def parse(self, raw: object) -> str | Decimal | datetime.date | None:
        """Turn user or file input into this dimension's typed value; None for empty; ValidationError if bad."""
        if raw is None:
            return None
        if isinstance(raw, datetime.date) and self.data_type == DimensionType.DATE:
            return raw
        text = str(raw).strip()
        if text == "":
            return None
        if self.data_type == DimensionType.NUMBER:
            try:
                number = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValidationError(f"“{text}” is not a number.") from None
            if not number.is_finite() or abs(number) >= Decimal("1e14"):
                raise ValidationError(f"“{text}” is not a usable number.")
            return number
        if self.data_type == DimensionType.DATE:
            try:
                return datetime.date.fromisoformat(text)
            except ValueError:
                raise ValidationError(f"“{text}” is not a date (YYYY-MM-DD).") from None
        if self.data_type == DimensionType.PICKLIST and text not in self.choices:
            raise ValidationError(f"“{text}” is not one of: {', '.join(self.choices)}.")
        if len(text) > 500:
            raise ValidationError("Keep it under 500 characters.")
        return text


class DimensionValue(models.Model):
    """Shared shape of a stored custom-dimension value: one typed column is filled."""

    dimension = models.ForeignKey(CustomDimension, on_delete=models.CASCADE)
    value_text = models.CharField(max_length=500, blank=True)
    value_number = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.dimension}: {self.value}"

    @property
    def value(self) -> str | Decimal | datetime.date | None:
        data_type = self.dimension.data_type
        if data_type == DimensionType.NUMBER:
            return self.value_number.normalize() if self.value_number is not None else None
        if data_type == DimensionType.DATE:
            return self.value_date
        return self.value_text

    def set_value(self, value: str | Decimal | datetime.date) -> None:
        self.value_text, self.value_number, self.value_date = "", None, None
        if isinstance(value, Decimal):
            self.value_number = value
        elif isinstance(value, datetime.date):
            self.value_date = value
        else:
            self.value_text = value
