"""What happens around an account: interactions, notes, documents and support tickets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.ids import EXTERNAL_ID_MAX_LENGTH
from accounts.models.accounts import Account
from accounts.models.contacts import Contact
from accounts.models.picklists import InteractionType, TicketOption, TicketOptionKind
from core.models import TimeStampedModel


class Interaction(TimeStampedModel):
    """A touchpoint with an account: a call, meeting, email, QBR... with the contacts involved."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="interactions")
    external_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    date = models.DateTimeField()
    type = models.ForeignKey(InteractionType, on_delete=models.PROTECT, related_name="interactions")
    contacts = models.ManyToManyField(Contact, blank=True, related_name="interactions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="interactions"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["account", "-date"], name="acc_interaction_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="acc_interaction_unique_ext"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} ({self.date:%Y-%m-%d})"


class Note(TimeStampedModel):
    """A free-text note a team member left on an account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="account_notes"
    )
    body = models.TextField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["account", "-created_at"], name="acc_note_idx")]

    def __str__(self) -> str:
        return self.body[:60]


def document_upload_to(instance: Document, filename: str) -> str:
    return f"accounts/{instance.account_id}/documents/{filename}"


class Document(TimeStampedModel):
    """A file uploaded to an account, or a link to one kept elsewhere."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="documents")
    name = models.CharField(max_length=200)
    file = models.FileField(upload_to=document_upload_to, blank=True, max_length=300)
    url = models.URLField("link", max_length=500, blank=True)
    description = models.CharField(max_length=500, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")), name="acc_document_file_xor_url"
            )
        ]

    def __str__(self) -> str:
        return self.name


class SupportTicket(TimeStampedModel):
    """A support ticket of an account, typed and prioritised by the ticket picklists."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tickets")
    ticket_id = models.CharField("ticket id", max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    subject = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    status = models.ForeignKey(
        TicketOption,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": TicketOptionKind.STATUS},
    )
    priority = models.ForeignKey(
        TicketOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": TicketOptionKind.PRIORITY},
    )
    type = models.ForeignKey(
        TicketOption,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": TicketOptionKind.TYPE},
    )
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    requester = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets")

    class Meta:
        verbose_name = "support ticket"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["account", "-opened_at"], name="acc_ticket_idx")]
        constraints = [
            models.UniqueConstraint(fields=["ticket_id"], condition=~Q(ticket_id=""), name="acc_ticket_unique_ext")
        ]

    def __str__(self) -> str:
        return self.subject
