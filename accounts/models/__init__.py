"""Models of the accounts app, grouped by concern."""

from accounts.models.accounts import (
    Account,
    AccountCSM,
    AccountDimensionValue,
    AccountListPreference,
    AssignmentHistory,
    NpsResponse,
    PurgedAccountId,
    StageHistory,
)
from accounts.models.activity import Document, Interaction, Note, SupportTicket
from accounts.models.contacts import AccountContact, Contact, ContactDimensionValue
from accounts.models.imports import ImportJob, ImportStatus
from accounts.models.picklists import (
    CustomDimension,
    DimensionEntity,
    DimensionType,
    InteractionType,
    Stage,
    TicketOption,
    TicketOptionKind,
    Tier,
)

__all__ = [
    "Account",
    "AccountCSM",
    "AccountContact",
    "AccountDimensionValue",
    "AccountListPreference",
    "AssignmentHistory",
    "Contact",
    "ContactDimensionValue",
    "CustomDimension",
    "DimensionEntity",
    "DimensionType",
    "Document",
    "ImportJob",
    "ImportStatus",
    "Interaction",
    "InteractionType",
    "Note",
    "NpsResponse",
    "PurgedAccountId",
    "Stage",
    "StageHistory",
    "SupportTicket",
    "TicketOption",
    "TicketOptionKind",
    "Tier",
]
