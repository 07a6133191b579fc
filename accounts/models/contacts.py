"""Contacts (people at accounts), their account memberships and custom dimension values."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.ids import EXTERNAL_ID_MAX_LENGTH, normalize_external_id
from accounts.models.accounts import Account
from accounts.models.picklists import DimensionValue
from core.models import TimeStampedModel


class Contact(TimeStampedModel):
    """A person at one or more accounts: a product user (with `user_id`), a CRM contact, or both."""

    user_id = models.CharField("user id", max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    title = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=100, blank=True, help_text="Their role for us: champion, admin, billing...")
    phone = models.CharField(max_length=50, blank=True)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    email_opt_out = models.BooleanField("opted out of email", default=False)
    accounts = models.ManyToManyField(Account, through="AccountContact", related_name="contacts", blank=True)

    class Meta:
        ordering = ["name", "email", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user_id"], condition=~Q(user_id=""), name="acc_contact_unique_user_id")
        ]
        indexes = [models.Index(fields=["email"], name="acc_contact_email_idx")]

    def __str__(self) -> str:
        return self.name or self.email or self.user_id or f"Contact {self.pk}"

    def clean(self) -> None:
        if self.user_id:
            try:
                self.user_id = normalize_external_id(self.user_id, label="user id")
            except ValidationError as exc:
                raise ValidationError({"user_id": exc.messages}) from None
        self.email = (self.email or "").strip().lower()
        if not (self.name.strip() or self.email or self.user_id):
            raise ValidationError("A contact needs a name, an email or a user id.")


class AccountContact(models.Model):
    """Membership of a contact in an account (a contact may belong to several)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contact_links")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="account_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "account membership"
        constraints = [models.UniqueConstraint(fields=["account", "contact"], name="acc_contact_link_unique")]
        indexes = [models.Index(fields=["contact", "account"], name="acc_contact_link_rev_idx")]

    def __str__(self) -> str:
        return f"{self.contact} at {self.account}"


class ContactDimensionValue(DimensionValue):
    """A contact's value of a custom dimension."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="dimension_values")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "dimension"], name="acc_contact_dim_unique")]
