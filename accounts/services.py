"""Services that change account state: accounts, CSMs, stages, NPS, churn and deletion, contacts, activity,
picklists and custom dimensions. Views, imports and sync code call these, never the models directly."""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model, ProtectedError, QuerySet
from django.utils import timezone

from accounts.constants import (
    DOCUMENT_EXTENSIONS,
    DOCUMENT_MAX_BYTES,
    DOCUMENT_SIGNATURES,
    DOCUMENT_TEXT_EXTENSIONS,
)
from accounts.ids import normalize_external_id
from accounts.models import (
    Account,
    AccountContact,
    AccountCSM,
    AccountDimensionValue,
    AccountListPreference,
    AssignmentHistory,
    Contact,
    ContactDimensionValue,
    CustomDimension,
    DimensionEntity,
    Document,
    Interaction,
    InteractionType,
    Note,
    NpsResponse,
    PurgedAccountId,
    Stage,
    StageHistory,
    SupportTicket,
    TicketOption,
    TicketOptionKind,
    Tier,
)
from accounts.models.accounts import EXTERNAL_ID_CONSTRAINTS
from accounts.selectors import accounts_visible_to
from team.models import TeamPermission, User

# Fields of Account that account_update may change directly (stage, NPS and CSMs have their own services).
ACCOUNT_FIELDS = (
    "account_id",
    "name",
    "join_date",
    "renewal_date",
    "tier",
    "csm_score",
    "industry",
    "employees",
    "website",
    "billing_address",
    "source",
    "description",
    "crm_account_id",
    "billing_account_id",
    "support_account_id",
    "parent",
    "hierarchy_label",
)
CONTACT_FIELDS = ("user_id", "name", "email", "title", "role", "phone", "first_seen", "last_seen", "email_opt_out")
MANUAL_NPS_SURVEY = "Manual entry"


class SyncRefusedError(Exception):
    """A sync tried to write an account whose external id was deleted; it stays deleted until restored."""


def _today(on: datetime.date | None) -> datetime.date:
    return on or timezone.localdate()


def _csm_check(users: Iterable[User]) -> list[User]:
    users = list(users)
    for user in users:
        if not user.is_active or user.role is None or not user.role.own_accounts:
            raise ValidationError(f"{user.display_name} cannot be assigned as a CSM: their role does not own accounts.")
    return users


# Accounts ------------------------------------------------------------------------------------------------------


@transaction.atomic
def account_create(
    *,
    by: User | None,
    account_id: str,
    name: str,
    stage: Stage | None = None,
    csms: Iterable[User] = (),
    on: datetime.date | None = None,
    nps: int | None = None,
    dimensions: Mapping[CustomDimension, Any] | None = None,
    **fields: Any,
) -> Account:
    """Create an account, open its stage history, assign its CSMs and record its first NPS when given.

    Refuses an account id that belongs to a deleted account (restore it instead) or a purged one.
    """
    unknown = set(fields) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown account fields: {', '.join(sorted(unknown))}")
    account = Account(account_id=account_id, name=name, stage=stage, **fields)
    account.full_clean(validate_unique=False)
    existing = Account.objects.filter(account_id=account.account_id).first()
    if existing is not None:
        if existing.is_deleted:
            raise ValidationError({"account_id": "A deleted account has this account id: restore it instead."})
        raise ValidationError({"account_id": "Another account already has this account id."})
    if PurgedAccountId.objects.filter(account_id=account.account_id).exists():
        raise ValidationError({"account_id": "This account id belonged to a deleted account and is blocked."})
    account.save()
    day = _today(on)
    if stage is not None:
        StageHistory.objects.create(account=account, stage=stage, start=account.join_date or day)
    if csms:
        account_assign_csms(account=account, csms=csms, by=by)
    if nps is not None:
        account_nps_record(account=account, score=nps, on=day, survey=MANUAL_NPS_SURVEY)
    if dimensions:
        account_dimensions_set(account=account, values=dimensions)
    return account


def _check_parent(account: Account, parent: Account | None) -> None:
    seen = {account.pk}
    node = parent
    while node is not None:
        if node.pk in seen:
            raise ValidationError({"parent": "That parent would make the hierarchy a loop."})
        seen.add(node.pk)
        node = node.parent


@transaction.atomic
def account_update(*, account: Account, by: User | None, on: datetime.date | None = None, **changes: Any) -> Account:
    """Change an account's fields; `stage` moves its stage history, `nps` records an NPS response.

    Saves only when something changed, so a repeated update leaves `updated_at` alone.
    """
    stage_given = "stage" in changes
    stage = changes.pop("stage", None)
    nps_given = "nps" in changes
    nps = changes.pop("nps", None)
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown account fields: {', '.join(sorted(unknown))}")
    if "account_id" in changes and changes["account_id"] is not None:
        try:
            changes["account_id"] = normalize_external_id(changes["account_id"], label="account id")
        except ValidationError as exc:
            raise ValidationError({"account_id": exc.messages}) from None
    changed = [name for name, value in changes.items() if getattr(account, name) != value]
    if "parent" in changed:
        _check_parent(account, changes["parent"])
    for name in changed:
        setattr(account, name, changes[name])
    if changed:
        account.full_clean()
        account.save(update_fields=[*changed, "updated_at"])
    if stage_given:
        account_set_stage(account=account, stage=stage, on=on)
    if nps_given and nps != account.nps:
        if nps is None:
            account.nps = None
            account.save(update_fields=["nps", "updated_at"])
        else:
            account_nps_record(account=account, score=nps, on=_today(on), survey=MANUAL_NPS_SURVEY)
    return account


@transaction.atomic
def account_set_stage(*, account: Account, stage: Stage | None, on: datetime.date | None = None) -> Account:
    """Move an account to `stage` (or none): the open stage period ends on `on` and a new one starts."""
    if account.stage_id == (stage.pk if stage else None):
        return account
    day = _today(on)
    open_period = StageHistory.objects.filter(account=account, end__isnull=True).first()
    if open_period is not None:
        if day < open_period.start:
            raise ValidationError(f"The stage cannot change before its current stage began ({open_period.start}).")
        open_period.end = day
        open_period.save(update_fields=["end"])
    if stage is not None:
        StageHistory.objects.create(account=account, stage=stage, start=day)
    account.stage = stage
    account.save(update_fields=["stage", "updated_at"])
    return account


@transaction.atomic
def account_assign_csms(
    *, account: Account, csms: Iterable[User], by: User | None, at: datetime.datetime | None = None
) -> Account:
    """Make `csms` the account's CSMs: newcomers open an assignment period, removed ones close theirs.

    Only active members whose role may own accounts can be assigned.
    """
    wanted = {user.pk: user for user in _csm_check(csms)}
    now = at or timezone.now()
    current = set(AccountCSM.objects.filter(account=account).values_list("user_id", flat=True))
    removed = current - set(wanted)
    added = [wanted[pk] for pk in wanted if pk not in current]
    if removed:
        AccountCSM.objects.filter(account=account, user_id__in=removed).delete()
        AssignmentHistory.objects.filter(account=account, user_id__in=removed, ended_at__isnull=True).update(
            ended_at=now
        )
    if added:
        AccountCSM.objects.bulk_create(
            [AccountCSM(account=account, user=user, assigned_at=now, assigned_by=by) for user in added]
        )
        AssignmentHistory.objects.bulk_create(
            [AssignmentHistory(account=account, user=user, started_at=now, changed_by=by) for user in added]
        )
    return account


@transaction.atomic
def account_churn(*, account: Account, churned_on: datetime.date, reason: str, by: User | None) -> Account:
    """Mark an account churned on `churned_on` for `reason`; all its data stays and it can be un-churned."""
    if account.is_deleted:
        raise ValidationError("A deleted account cannot be churned: restore it first.")
    if account.churned_on is not None:
        raise ValidationError(f"This account already churned on {account.churned_on:%Y-%m-%d}.")
    if churned_on is None:
        raise ValidationError({"churned_on": "The churn date is required."})
    account.churned_on = churned_on
    account.churn_reason = (reason or "").strip()
    account.full_clean()
    account.save(update_fields=["churned_on", "churn_reason", "updated_at"])
    return account


@transaction.atomic
def account_unchurn(*, account: Account, by: User | None) -> Account:
    """Revert a churn: the account is active again; the churn date and reason are cleared."""
    if account.churned_on is None:
        raise ValidationError("This account is not churned.")
    account.churned_on = None
    account.churn_reason = ""
    account.save(update_fields=["churned_on", "churn_reason", "updated_at"])
    return account


@transaction.atomic
def account_delete(*, account: Account, by: User | None) -> Account:
    """Soft-delete an account that was never real: hidden everywhere, purged later, and its external id is
    refused by syncs until it is restored."""
    if account.is_deleted:
        raise ValidationError("This account is already deleted.")
    account.is_deleted = True
    account.deleted_at = timezone.now()
    account.save(update_fields=["is_deleted", "deleted_at", "updated_at"])
    return account


@transaction.atomic
def account_restore(*, account: Account, by: User | None) -> Account:
    """Bring back a soft-deleted account with all its data.

    Refused while a live account has one of its CRM, billing or support ids (each names one live account)."""
    if not account.is_deleted:
        raise ValidationError("This account is not deleted.")
    for field, _name, label in EXTERNAL_ID_CONSTRAINTS:
        value = getattr(account, field)
        if value and Account.objects.filter(is_deleted=False, **{field: value}).exclude(pk=account.pk).exists():
            raise ValidationError(
                f"{account.name} cannot be restored: its {label} “{value}” now belongs to another live account. "
                "Clear it on one of the two first (the bulk edit grid shows deleted accounts too)."
            )
    account.is_deleted = False
    account.deleted_at = None
    account.save(update_fields=["is_deleted", "deleted_at", "updated_at"])
    return account


@transaction.atomic
def accounts_purge_deleted(*, before: datetime.datetime) -> int:
    """Remove for good the accounts soft-deleted before `before`, with all their data; their external ids stay
    blocked for syncs (PurgedAccountId). Returns how many accounts were purged."""
    doomed = Account.objects.filter(is_deleted=True, deleted_at__lt=before)
    rows = list(doomed.values_list("account_id", "name"))
    now = timezone.now()
    PurgedAccountId.objects.bulk_create(
        [PurgedAccountId(account_id=aid, name=name, purged_at=now) for aid, name in rows], ignore_conflicts=True
    )
    doomed.delete()
    return len(rows)


@transaction.atomic
def account_upsert_from_sync(*, account_id: object, data: Mapping[str, Any], source: str = "") -> tuple[Account, str]:
    """Create or update an account from an external system (API, CSV, webhook) by its external id.

    `data` holds account fields (and optionally `stage`, `nps`). Returns (account, "created" | "updated" |
    "unchanged"). Raises SyncRefusedError for a deleted (or purged) account id: it is not re-created until
    restored. Raises ValidationError for bad data.
    """
    key = normalize_external_id(account_id, label="account id")
    account = Account.objects.select_for_update().filter(account_id=key).first()
    if account is None:
        if PurgedAccountId.objects.filter(account_id=key).exists():
            raise SyncRefusedError(f"Account {key} was deleted; it is not re-created by a sync.")
        fields = dict(data)
        name = fields.pop("name", None) or key
        if source and "source" not in fields:
            fields["source"] = source
        return account_create(by=None, account_id=key, name=name, **fields), "created"
    if account.is_deleted:
        raise SyncRefusedError(f"Account {key} is deleted; restore it before syncing it again.")
    before = account.updated_at
    changes = {name: value for name, value in data.items() if name != "account_id"}
    dims = changes.pop("dimensions", None)
    if "stage" in changes and account.stage_id == (changes["stage"].pk if changes["stage"] else None):
        changes.pop("stage")
    if "nps" in changes and changes["nps"] == account.nps:
        changes.pop("nps")
    account_update(account=account, by=None, **changes)
    dims_changed = account_dimensions_set(account=account, values=dims) if dims else False
    account.refresh_from_db(fields=["updated_at"])
    return account, "updated" if (account.updated_at != before or dims_changed) else "unchanged"


@transaction.atomic
def account_status_update(
    *, account: Account, title: str, details: str, on: datetime.date | None, by: User | None
) -> Account:
    """Set the account's latest status (title, details, date), shown at the top of its page."""
    account.status_title = (title or "").strip()
    account.status_details = (details or "").strip()
    account.status_date = on or (timezone.localdate() if account.status_title else None)
    account.full_clean()
    account.save(update_fields=["status_title", "status_details", "status_date", "updated_at"])
    return account


@transaction.atomic
def account_nps_record(
    *,
    account: Account,
    score: int,
    on: datetime.date,
    respondent: str = "",
    survey: str = "",
    comment: str = "",
    contact: Contact | None = None,
) -> NpsResponse:
    """Add an NPS response to the account's history; the latest-dated response sets its current NPS."""
    response = NpsResponse(
        account=account, score=score, date=on, respondent=respondent, survey=survey, comment=comment, contact=contact
    )
    response.full_clean()
    response.save()
    latest = NpsResponse.objects.filter(account=account).order_by("-date", "-id").values_list("score", flat=True)[0]
    if account.nps != latest:
        account.nps = latest
        account.save(update_fields=["nps", "updated_at"])
    return response


def _dimension_values_set(owner: Model, model: type, owner_field: str, values: Mapping[CustomDimension, Any]) -> bool:
    errors: dict[str, list[str]] = {}
    parsed = {}
    for dimension, raw in values.items():
        try:
            parsed[dimension] = dimension.parse(raw)
        except ValidationError as exc:
            errors[f"dim_{dimension.key}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    existing = {v.dimension_id: v for v in model.objects.filter(**{owner_field: owner}, dimension__in=list(parsed))}
    changed = False
    for dimension, value in parsed.items():
        row = existing.get(dimension.pk)
        if value is None:
            if row is not None:
                row.delete()
                changed = True
            continue
        if row is None:
            row = model(**{owner_field: owner}, dimension=dimension)
        elif row.value == value or (row.value is not None and str(row.value) == str(value)):
            continue
        row.dimension = dimension
        row.set_value(value)
        row.save()
        changed = True
    return changed


@transaction.atomic
def account_dimensions_set(*, account: Account, values: Mapping[CustomDimension, Any]) -> bool:
    """Set custom dimension values of an account (raw input is parsed by type; empty removes the value).

    Returns whether anything changed. Raises ValidationError keyed `dim_<key>` for bad values.
    """
    for dimension in values:
        if dimension.entity != DimensionEntity.ACCOUNT:
            raise ValidationError(f"{dimension} is not an account dimension.")
    return _dimension_values_set(account, AccountDimensionValue, "account", values)


# Bulk actions on selected accounts --------------------------------------------------------------------------------


@transaction.atomic
def accounts_bulk_assign_csms(*, accounts: QuerySet[Account], csms: list[User], replace: bool, by: User) -> int:
    """Add `csms` to every account (or make them the only CSMs with `replace`). Returns accounts changed."""
    csms = _csm_check(csms)
    count = 0
    for account in accounts.prefetch_related("csms"):
        wanted = list(csms) if replace else list({u.pk: u for u in [*account.csms.all(), *csms]}.values())
        account_assign_csms(account=account, csms=wanted, by=by)
        count += 1
    return count


@transaction.atomic
def accounts_bulk_set_stage(*, accounts: QuerySet[Account], stage: Stage, on: datetime.date | None = None) -> int:
    """Move every account to `stage`, keeping each one's stage history. Returns accounts moved."""
    count = 0
    for account in accounts.exclude(stage=stage):
        account_set_stage(account=account, stage=stage, on=on)
        count += 1
    return count


@transaction.atomic
def accounts_bulk_set_tier(*, accounts: QuerySet[Account], tier: Tier | None) -> int:
    """Set the tier of every account. Returns accounts changed."""
    return (
        Account.objects.filter(pk__in=accounts.values("pk"))
        .exclude(tier=tier)
        .update(tier=tier, updated_at=timezone.now())
    )


@transaction.atomic
def accounts_bulk_churn(*, accounts: QuerySet[Account], churned_on: datetime.date, reason: str, by: User) -> int:
    """Churn every selected account that is not churned yet. Returns accounts churned."""
    return Account.objects.filter(pk__in=accounts.values("pk"), churned_on__isnull=True, is_deleted=False).update(
        churned_on=churned_on, churn_reason=(reason or "").strip(), updated_at=timezone.now()
    )


def list_preference_save(*, user: User, columns: list[str], per_page: int) -> AccountListPreference:
    """Remember a member's account list columns and page size."""
    pref, _ = AccountListPreference.objects.update_or_create(
        user=user, defaults={"columns": columns, "per_page": per_page}
    )
    return pref


# Contacts ------------------------------------------------------------------------------------------------------


def contact_known(*, user_id: str = "", email: str = "") -> tuple[Contact | None, str]:
    """The person already known by `user_id` (first) or `email`, and which of the two fields matched."""
    if user_id:
        contact = Contact.objects.filter(user_id=user_id).first()
        if contact is not None:
            return contact, "user_id"
    if email:
        contact = Contact.objects.filter(email=email).order_by("id").first()
        if contact is not None:
            return contact, "email"
    return None, ""


def _contact_hidden_from(contact: Contact, user: User) -> bool:
    """Whether `contact` belongs to accounts and `user` sees none of them (a person of no account is not hidden)."""
    if user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS):
        return False
    links = AccountContact.objects.filter(contact=contact)
    if not links.exists():
        return False
    return not links.filter(account__in=accounts_visible_to(user, include_deleted=True)).exists()


def _fill_blanks(contact: Contact, fields: Mapping[str, Any]) -> None:
    """Give a known person the details they lack; what they already have is kept, never overwritten."""
    blanks = [
        name
        for name, value in fields.items()
        if value not in (None, "", False) and getattr(contact, name) in (None, "", False)
    ]
    for name in blanks:
        setattr(contact, name, fields[name])
    if blanks:
        contact.save(update_fields=[*blanks, "updated_at"])


@transaction.atomic
def contact_create(
    *,
    account: Account | None,
    by: User | None = None,
    dimensions: Mapping[CustomDimension, Any] | None = None,
    **fields: Any,
) -> Contact:
    """Add a contact to an account. A person already known by user id or email is linked, not duplicated.

    A known person keeps their details and dimension values: the given ones only fill what they lack. When `by`
    (the member adding them) has no "view all accounts" and the known person belongs only to accounts `by`
    cannot see, nothing is linked or changed: ValidationError on the field that matched (linking would show
    them the person's details, and let them change those through the contact's dimensions).
    """
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    contact = Contact(**fields)
    contact.full_clean(validate_unique=False, validate_constraints=False)
    existing, matched = contact_known(user_id=contact.user_id, email=contact.email)
    if existing is not None:
        if by is not None and _contact_hidden_from(existing, by):
            label = "user id" if matched == "user_id" else "email"
            raise ValidationError(
                {
                    matched: f"A person with this {label} is already a contact of an account you cannot see; "
                    "ask a colleague who can see it to add them."
                }
            )
        _fill_blanks(existing, {name: getattr(contact, name) for name in fields})
        if dimensions:
            have = set(existing.dimension_values.values_list("dimension_id", flat=True))
            dimensions = {dim: value for dim, value in dimensions.items() if dim.pk not in have}
        contact = existing
    else:
        contact.save()
    if dimensions:
        contact_dimensions_set(contact=contact, values=dimensions)
    if account is not None:
        AccountContact.objects.get_or_create(account=account, contact=contact)
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, dimensions: Mapping[CustomDimension, Any] | None = None, **changes) -> bool:
    """Change a contact's fields and custom dimensions. Returns whether anything changed."""
    unknown = set(changes) - set(CONTACT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown contact fields: {', '.join(sorted(unknown))}")
    if changes.get("email"):
        changes["email"] = changes["email"].strip().lower()
    changed = [name for name, value in changes.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, changes[name])
    if changed:
        contact.full_clean()
        contact.save(update_fields=[*changed, "updated_at"])
    dims_changed = contact_dimensions_set(contact=contact, values=dimensions) if dimensions else False
    return bool(changed) or dims_changed


@transaction.atomic
def contact_dimensions_set(*, contact: Contact, values: Mapping[CustomDimension, Any]) -> bool:
    """Set custom dimension values of a contact; returns whether anything changed."""
    for dimension in values:
        if dimension.entity != DimensionEntity.CONTACT:
            raise ValidationError(f"{dimension} is not a contact dimension.")
    return _dimension_values_set(contact, ContactDimensionValue, "contact", values)


@transaction.atomic
def contact_link(*, account: Account, contact: Contact) -> bool:
    """Make a contact a member of an account; returns whether the link is new."""
    return AccountContact.objects.get_or_create(account=account, contact=contact)[1]


@transaction.atomic
def contact_unlink(*, account: Account, contact: Contact) -> None:
    """Remove a contact from an account; the person stays (and stays in their other accounts)."""
    AccountContact.objects.filter(account=account, contact=contact).delete()


# Interactions, notes, documents, tickets ---------------------------------------------------------------------------


@transaction.atomic
def interaction_create(
    *,
    account: Account,
    by: User | None,
    date: datetime.datetime,
    type: InteractionType,
    subject: str,
    body: str = "",
    contacts: Iterable[Contact] = (),
    external_id: str = "",
) -> Interaction:
    """Log an interaction on an account's timeline with the contacts (of that account) who took part."""
    contacts = list(contacts)
    member_ids = set(AccountContact.objects.filter(account=account).values_list("contact_id", flat=True))
    outsiders = [c for c in contacts if c.pk not in member_ids]
    if outsiders:
        raise ValidationError({"contacts": f"{outsiders[0]} is not a contact of this account."})
    interaction = Interaction(
        account=account,
        author=by,
        date=date,
        type=type,
        subject=(subject or "").strip(),
        body=body or "",
        external_id=external_id,
    )
    interaction.full_clean()
    interaction.save()
    if contacts:
        interaction.contacts.set(contacts)
    return interaction


@transaction.atomic
def note_create(*, account: Account, by: User | None, body: str) -> Note:
    """Leave a note on an account."""
    note = Note(account=account, author=by, body=(body or "").strip())
    note.full_clean()
    note.save()
    return note


@transaction.atomic
def note_delete(*, note: Note) -> None:
    """Remove a note."""
    note.delete()


def document_check_file(upload: UploadedFile) -> None:
    """Refuse an upload that is empty, too large, or not a document or image type we accept."""
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            {
                "file": f"Files of type “.{extension}” are not accepted."
                if extension
                else "The file needs an extension such as .pdf or .docx."
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": "The file is empty."})
    if upload.size > DOCUMENT_MAX_BYTES:
        raise ValidationError({"file": f"The file is larger than {DOCUMENT_MAX_BYTES // (1024 * 1024)} MB."})
    if not _document_content_matches(upload, extension):
        raise ValidationError({"file": f"The file's content is not that of a .{extension} file."})


def _document_content_matches(upload: UploadedFile, extension: str) -> bool:
    """Whether the file's first bytes are what its extension promises (a renamed program is not a PDF)."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    if extension in DOCUMENT_TEXT_EXTENSIONS:
        return b"\x00" not in head
    if extension == "webp" and head[8:12] != b"WEBP":
        return False
    return head.startswith(DOCUMENT_SIGNATURES[extension])


@transaction.atomic
def document_create(
    *,
    account: Account,
    by: User | None,
    name: str,
    file: UploadedFile | None = None,
    url: str = "",
    description: str = "",
) -> Document:
    """Attach a document to an account: an uploaded file (checked for size and type) or a link."""
    if bool(file) == bool(url):
        raise ValidationError("Give either a file or a link.")
    if file:
        document_check_file(file)
    document = Document(
        account=account, name=(name or "").strip(), url=url or "", description=description or "", uploaded_by=by
    )
    if file:
        document.file = file
    document.full_clean()
    document.save()
    return document


@transaction.atomic
def document_delete(*, document: Document) -> None:
    """Remove a document and its stored file."""
    if document.file:
        document.file.delete(save=False)
    document.delete()


@transaction.atomic
def ticket_save(*, ticket: SupportTicket) -> SupportTicket:
    """Create or change a support ticket; a closed status sets its closed time when missing."""
    if ticket.ticket_id:
        ticket.ticket_id = normalize_external_id(ticket.ticket_id, label="ticket id")
    if ticket.status_id and ticket.status.is_closed and ticket.closed_at is None:
        ticket.closed_at = timezone.now()
    if ticket.closed_at and ticket.opened_at and ticket.closed_at < ticket.opened_at:
        raise ValidationError({"closed_at": "A ticket cannot close before it opened."})
    ticket.full_clean()
    ticket.save()
    return ticket


# Settings: picklists and custom dimensions ------------------------------------------------------------------------


@transaction.atomic
def picklists_install_defaults() -> None:
    """Install the default stages, tiers, interaction types and ticket values where a list is still empty
    (the 0002 migration does this for a new installation; tests and the demo call it after a flush)."""
    from accounts.constants import DEFAULT_INTERACTION_TYPES, DEFAULT_STAGES, DEFAULT_TICKET_OPTIONS, DEFAULT_TIERS

    for model, names in [(Stage, DEFAULT_STAGES), (Tier, DEFAULT_TIERS), (InteractionType, DEFAULT_INTERACTION_TYPES)]:
        if not model.objects.exists():
            model.objects.bulk_create([model(name=name, order=order) for order, name in enumerate(names)])
    if not TicketOption.objects.exists():
        TicketOption.objects.bulk_create(
            [
                TicketOption(kind=kind, name=name, order=order, is_closed=closed)
                for kind, options in DEFAULT_TICKET_OPTIONS.items()
                for order, (name, closed) in enumerate(options)
            ]
        )


@transaction.atomic
def picklist_save(*, item: Stage | Tier | InteractionType | TicketOption) -> Model:
    """Create or rename a picklist value (stage, tier, interaction type, ticket field)."""
    item.name = (item.name or "").strip()
    if isinstance(item, TicketOption) and item.kind != TicketOptionKind.STATUS:
        item.is_closed = False
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def picklist_delete(*, item: Stage | Tier | InteractionType | TicketOption) -> None:
    """Delete a picklist value that nothing uses; one in use is refused with how to proceed."""
    try:
        item.delete()
    except ProtectedError:
        raise ValidationError(
            f"“{item.name}” is in use (by accounts, their history, interactions or tickets): "
            "move them to another value first."
        ) from None


@transaction.atomic
def dimension_save(*, dimension: CustomDimension) -> CustomDimension:
    """Create or change a custom dimension (its type cannot change once values exist)."""
    if dimension.pk:
        old = CustomDimension.objects.get(pk=dimension.pk)
        model = AccountDimensionValue if old.entity == DimensionEntity.ACCOUNT else ContactDimensionValue
        has_values = model.objects.filter(dimension=old).exists()
        if has_values and (old.data_type != dimension.data_type or old.entity != dimension.entity):
            raise ValidationError({"data_type": "This dimension has values: its type and entity cannot change."})
    dimension.full_clean()
    dimension.save()
    return dimension


@transaction.atomic
def dimension_delete(*, dimension: CustomDimension) -> None:
    """Delete a custom dimension and every value of it."""
    dimension.delete()
