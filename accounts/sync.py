"""Set-based bulk upserts of accounts, contacts, memberships, interactions and tickets for ingestion.

The integrations app (Account API, Segment and Event API identify calls, webhooks) and the usage jobs call these
with a batch of records (dicts of already-typed values). Each function issues a bounded number of statements per
batch, whatever its size: one read of what exists, `bulk_create` / `bulk_update` for the rest. Rules kept from
accounts/services.py:

- external ids are normalised with accounts.ids.normalize_external_id ("12345.0" -> "12345");
- a deleted (soft-deleted or purged) account id is never re-created or written by a sync: the record fails
  with a message, the rest of the batch is written;
- a stage change closes the open stage period and opens a new one; an NPS change adds an NPS response.

Each upsert returns a SyncResult: counts and the failures as (index in the batch, account id, message).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.ids import normalize_external_id
from accounts.models import (
    Account,
    AccountContact,
    AccountDimensionValue,
    Contact,
    ContactDimensionValue,
    CustomDimension,
    DimensionEntity,
    Interaction,
    InteractionType,
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

CHUNK = 1000
API_NPS_SURVEY = "API"
# Account fields a sync may set directly (tier, stage, nps, parent and dimensions are handled apart).
ACCOUNT_PLAIN_FIELDS = (
    "name",
    "join_date",
    "renewal_date",
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
    "hierarchy_label",
)
CONTACT_PLAIN_FIELDS = ("name", "email", "title", "role", "phone", "email_opt_out", "first_seen", "last_seen")


@dataclass
class SyncFailure:
    """A record that was not written: its index in the batch, its account id (when known) and why."""

    index: int
    account_id: str
    message: str


@dataclass
class SyncResult:
    """What a bulk upsert did."""

    created: int = 0
    updated: int = 0
    failures: list[SyncFailure] = field(default_factory=list)

    def fail(self, index: int, account_id: object, message: str) -> None:
        self.failures.append(SyncFailure(index=index, account_id=str(account_id or ""), message=message))


def _chunks(values: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _accounts_by_ids(ids: Iterable[str]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    for part in _chunks(sorted(set(ids))):
        for account in Account.objects.filter(account_id__in=part):
            found[account.account_id] = account
    return found


def _purged(ids: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for part in _chunks(sorted(set(ids))):
        out.update(PurgedAccountId.objects.filter(account_id__in=part).values_list("account_id", flat=True))
    return out


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def _norm(value: object, label: str) -> str:
    return normalize_external_id(value, label=label)


# Looking accounts up ---------------------------------------------------------------------------------------------


EXTERNAL_LOOKUP_LABELS = {"account_id": "account id", **{f: label for f, _name, label in EXTERNAL_ID_CONSTRAINTS}}


def account_match_external(*, field_name: str, value: str) -> tuple[Account | None, str]:
    """The live (not deleted) account whose `account_id`, CRM, billing or support id is `value`, and "" — or
    None and why, when no account or more than one has it (the caller reports that rather than guess)."""
    label = EXTERNAL_LOOKUP_LABELS.get(field_name)
    if label is None:
        raise ValueError(f"Accounts are not looked up by {field_name}.")
    if not value:
        return None, f"No {label} was given."
    matches = list(Account.objects.filter(**{field_name: value}, is_deleted=False).order_by("id")[:2])
    if len(matches) == 1:
        return matches[0], ""
    if not matches:
        return None, f"No live account has the {label} “{value}”."
    return None, f"More than one live account has the {label} “{value}”; none was chosen."


def account_find_by_external(*, field_name: str, value: str) -> Account | None:
    """The one live account whose `field_name` is `value`; None when none or several have it."""
    return account_match_external(field_name=field_name, value=value)[0]


def _external_id_conflicts(keyed: Mapping[str, tuple[int, Mapping[str, Any]]]) -> dict[str, str]:
    """Why some records of a batch may not set their CRM, billing or support id: {account id: message}.

    An id may not be given by two records of the batch, nor to one account while another live account has it
    (even if that account gives it up in the same batch: clear it first, then set it). One query per field.
    """
    conflicts: dict[str, str] = {}
    for name, _constraint, label in EXTERNAL_ID_CONSTRAINTS:
        claims: dict[str, list[str]] = {}
        for aid, (_index, record) in keyed.items():
            value = record.get(name)
            if value:
                claims.setdefault(str(value), []).append(aid)
        if not claims:
            continue
        holders: dict[str, str] = {}
        for part in _chunks(sorted(claims)):
            rows = Account.objects.filter(is_deleted=False, **{f"{name}__in": part}).values_list(name, "account_id")
            holders.update(rows)
        for value, aids in claims.items():
            holder = holders.get(value)
            for aid in aids:
                if holder is not None and holder != aid:
                    message = f"{name}: Another account ({holder}) already has the {label} “{value}”."
                elif holder is None and len(aids) > 1:
                    message = f"{name}: {len(aids)} records of this batch give the {label} “{value}”, which "
                    message += "identifies one account; none of them was written."
                else:
                    continue
                conflicts.setdefault(aid, message)
    return conflicts


# Accounts and contacts named by events -----------------------------------------------------------------------


@transaction.atomic
def accounts_ensure(*, account_ids: Iterable[object], source: str = "") -> int:
    """Create, named after their ids, the accounts of `account_ids` that do not exist (one INSERT per 1,000).

    Purged ids are skipped; soft-deleted accounts exist, so they are left alone. Returns how many were created.
    """
    ids: set[str] = set()
    for raw in account_ids:
        try:
            ids.add(_norm(raw, "account id"))
        except ValidationError:
            continue
    if not ids:
        return 0
    missing = ids - set(_accounts_by_ids(ids)) - _purged(ids)
    now = timezone.now()
    rows = [Account(account_id=aid, name=aid, source=source, created_at=now, updated_at=now) for aid in sorted(missing)]
    Account.objects.bulk_create(rows, batch_size=CHUNK, ignore_conflicts=True)
    return len(rows)


@transaction.atomic
def contacts_ensure(
    *, seen: Iterable[tuple[str, str, datetime.datetime | None, datetime.datetime | None]], source: str = ""
) -> int:
    """Make sure each (account id, user id, first seen, last seen) has a contact that belongs to that account.

    Unknown accounts are created first (accounts_ensure). Unknown contacts are created with that user id;
    known ones get their first/last seen widened. Memberships of deleted accounts are not made. Returns the
    number of contacts created.
    """
    by_user: dict[str, list] = {}
    pairs: set[tuple[str, str]] = set()
    for account_id, user_id, first, last in seen:
        try:
            aid = _norm(account_id, "account id")
            uid = _norm(user_id, "user id")
        except ValidationError:
            continue
        pairs.add((aid, uid))
        span = by_user.setdefault(uid, [first, last])
        if first and (span[0] is None or first < span[0]):
            span[0] = first
        if last and (span[1] is None or last > span[1]):
            span[1] = last
    if not pairs:
        return 0
    accounts_ensure(account_ids={aid for aid, _ in pairs}, source=source)
    accounts = _accounts_by_ids({aid for aid, _ in pairs})
    existing = _contacts_by_user_ids(by_user)
    now = timezone.now()
    new = [
        Contact(user_id=uid, first_seen=span[0], last_seen=span[1], created_at=now, updated_at=now)
        for uid, span in by_user.items()
        if uid not in existing
    ]
    Contact.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    changed = []
    for uid, contact in existing.items():
        first, last = by_user[uid]
        dirty = False
        if first and (contact.first_seen is None or first < contact.first_seen):
            contact.first_seen, dirty = first, True
        if last and (contact.last_seen is None or last > contact.last_seen):
            contact.last_seen, dirty = last, True
        if dirty:
            contact.updated_at = now
            changed.append(contact)
    if changed:
        Contact.objects.bulk_update(changed, ["first_seen", "last_seen", "updated_at"], batch_size=CHUNK)
    contacts = _contacts_by_user_ids(by_user)
    links = [
        AccountContact(account=accounts[aid], contact=contacts[uid])
        for aid, uid in sorted(pairs)
        if aid in accounts and not accounts[aid].is_deleted and uid in contacts
    ]
    AccountContact.objects.bulk_create(links, batch_size=CHUNK, ignore_conflicts=True)
    return len(new)


def _contacts_by_user_ids(user_ids: Iterable[str]) -> dict[str, Contact]:
    found: dict[str, Contact] = {}
    for part in _chunks(sorted(set(user_ids))):
        for contact in Contact.objects.filter(user_id__in=part):
            found[contact.user_id] = contact
    return found


# Accounts -------------------------------------------------------------------------------------------------------


def _dimensions(entity: str) -> dict[str, CustomDimension]:
    return {d.key: d for d in CustomDimension.objects.filter(entity=entity)}


def _parse_dimensions(
    raw: Mapping[str, Any] | None, dims: dict[str, CustomDimension]
) -> dict[CustomDimension, Any] | str:
    """Typed values of raw {key: value}; an error message (str) when a key is unknown or a value bad."""
    out: dict[CustomDimension, Any] = {}
    for key, value in (raw or {}).items():
        dimension = dims.get(key)
        if dimension is None:
            return f"Unknown custom dimension “{key}”."
        try:
            out[dimension] = dimension.parse(value)
        except ValidationError as exc:
            return f"{key}: {' '.join(exc.messages)}"
    return out


def _write_dimension_values(model: type, owner_field: str, values: list[tuple[Any, CustomDimension, Any]]) -> None:
    """Upsert (owner, dimension, typed value) triples in one statement per chunk; None deletes the value."""
    removals = [(owner, dim) for owner, dim, value in values if value is None]
    for owner, dim in removals:
        model.objects.filter(**{owner_field: owner}, dimension=dim).delete()
    rows = []
    for owner, dim, value in values:
        if value is None:
            continue
        row = model(**{owner_field: owner}, dimension=dim)
        row.set_value(value)
        rows.append(row)
    if rows:
        model.objects.bulk_create(
            rows,
            batch_size=CHUNK,
            update_conflicts=True,
            unique_fields=[owner_field, "dimension"],
            update_fields=["value_text", "value_number", "value_date"],
        )


@transaction.atomic
def accounts_bulk_upsert(*, records: Sequence[Mapping[str, Any]], source: str = "") -> SyncResult:
    """Create or update accounts by `account_id`; only the keys a record carries are changed.

    Keys: `account_id` (required), the fields of ACCOUNT_PLAIN_FIELDS, `tier` and `stage` (names of existing
    values), `nps` (0-10, recorded as an NPS response when it changes), `parent_account_id` (an existing account
    or one of the batch; "" removes the parent), `dimensions` ({key: raw value}). Deleted ids fail, and so do
    records giving a CRM, billing or support id that another live account (or record) has.
    """
    result = SyncResult()
    if not records:
        return result
    keyed: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for index, record in enumerate(records):
        try:
            aid = _norm(record.get("account_id"), "account id")
        except ValidationError as exc:
            result.fail(index, record.get("account_id"), _error_text(exc))
            continue
        keyed[aid] = (index, record)  # the last record of an id wins
    existing = _accounts_by_ids(keyed)
    purged = _purged(keyed)
    conflicts = _external_id_conflicts(keyed)
    tiers = {t.name.lower(): t for t in Tier.objects.all()}
    stages = {s.name.lower(): s for s in Stage.objects.all()}
    dims = _dimensions(DimensionEntity.ACCOUNT)
    today = timezone.localdate()
    now = timezone.now()
    to_create: list[Account] = []
    to_update: dict[str, Account] = {}
    update_fields: set[str] = set()
    stage_moves: list[tuple[Account, Stage | None]] = []
    nps_new: list[tuple[Account, int]] = []
    parents: list[tuple[int, str, str]] = []
    dim_values: list[tuple[str, CustomDimension, Any]] = []
    for aid, (index, record) in keyed.items():
        account = existing.get(aid)
        if aid in purged or (account is not None and account.is_deleted):
            result.fail(index, aid, f"Account {aid} was deleted; it is not re-created or changed by a sync.")
            continue
        if aid in conflicts:
            result.fail(index, aid, conflicts[aid])
            continue
        values = {name: record[name] for name in ACCOUNT_PLAIN_FIELDS if name in record}
        if "name" in values and not (values["name"] or "").strip():
            values.pop("name")
        error = None
        for name, table in (("tier", tiers), ("stage", stages)):
            if name in record:
                label = (record[name] or "").strip()
                if label and label.lower() not in table:
                    error = f"Unknown {name} “{label}”."
                values[name] = table.get(label.lower()) if label else None
        parsed_dims = _parse_dimensions(record.get("dimensions"), dims)
        if isinstance(parsed_dims, str):
            error = parsed_dims
        if error:
            result.fail(index, aid, error)
            continue
        stage = values.pop("stage", account.stage if account else None)
        is_new = account is None
        if is_new:
            account = Account(account_id=aid, name=aid, source=source, created_at=now, updated_at=now)
        changed = [name for name, value in values.items() if getattr(account, name) != value]
        for name in changed:
            setattr(account, name, values[name])
        nps = record.get("nps", account.nps)
        try:
            account.full_clean(validate_unique=False, validate_constraints=False, exclude=["parent", "tier", "stage"])
            if nps is not None and not 0 <= int(nps) <= 10:
                raise ValidationError({"nps": "NPS is a score from 0 to 10."})
        except (ValidationError, TypeError, ValueError) as exc:
            result.fail(index, aid, _error_text(exc) if isinstance(exc, ValidationError) else str(exc))
            if not is_new:
                account.refresh_from_db()
            continue
        if (account.stage_id if not is_new else None) != (stage.pk if stage else None):
            stage_moves.append((account, stage))
            account.stage = stage
            changed.append("stage")
        if nps is not None and nps != account.nps:
            nps_new.append((account, int(nps)))
            account.nps = int(nps)
            changed.append("nps")
        if "parent_account_id" in record:
            parents.append((index, aid, record.get("parent_account_id") or ""))
        for dimension, value in parsed_dims.items():
            dim_values.append((aid, dimension, value))
        if is_new:
            to_create.append(account)
            result.created += 1
        elif changed:
            account.updated_at = now
            update_fields.update(changed)
            to_update[aid] = account
            result.updated += 1
    Account.objects.bulk_create(to_create, batch_size=CHUNK)
    if to_update:
        Account.objects.bulk_update(list(to_update.values()), [*sorted(update_fields), "updated_at"], batch_size=CHUNK)
    accounts = {**existing, **{a.account_id: a for a in to_create}}
    _apply_stage_moves(stage_moves, today, [a.pk for a in to_create])
    if nps_new:
        NpsResponse.objects.bulk_create(
            [NpsResponse(account=a, score=score, date=today, survey=API_NPS_SURVEY) for a, score in nps_new]
        )
    if parents:
        _apply_parents(parents, accounts, result, now)
    if dim_values:
        _write_dimension_values(
            AccountDimensionValue, "account", [(accounts[aid], dim, value) for aid, dim, value in dim_values]
        )
    return result


def _apply_stage_moves(moves: list[tuple[Account, Stage | None]], today: datetime.date, new_pks: list[int]) -> None:
    if not moves:
        return
    new_pks_set = set(new_pks)
    moved_existing = [a.pk for a, _ in moves if a.pk not in new_pks_set]
    if moved_existing:
        # Periods that started today are closed today too (a same-day change); never end before they start.
        StageHistory.objects.filter(account_id__in=moved_existing, end__isnull=True, start__lte=today).update(end=today)
        StageHistory.objects.filter(account_id__in=moved_existing, end__isnull=True).delete()
    StageHistory.objects.bulk_create(
        [
            StageHistory(account=a, stage=s, start=(a.join_date if a.pk in new_pks_set and a.join_date else today))
            for a, s in moves
            if s is not None
        ]
    )


def _apply_parents(parents: list[tuple[int, str, str]], accounts: dict[str, Account], result: SyncResult, now) -> None:
    wanted: dict[str, str] = {}
    for index, aid, raw in parents:
        if aid not in accounts:
            continue
        try:
            pid = _norm(raw, "parent account id") if raw else ""
        except ValidationError as exc:
            result.fail(index, aid, _error_text(exc))
            continue
        if pid == aid:
            result.fail(index, aid, "An account cannot be its own parent.")
            continue
        wanted[aid] = pid
    missing = {pid for pid in wanted.values() if pid and pid not in accounts}
    accounts.update(_accounts_by_ids(missing))
    changed = []
    index_of = {aid: index for index, aid, _ in parents}
    for aid, pid in wanted.items():
        parent = accounts.get(pid) if pid else None
        if pid and (parent is None or parent.is_deleted):
            result.fail(index_of[aid], aid, f"The parent account {pid} does not exist.")
            continue
        account = accounts[aid]
        if account.parent_id != (parent.pk if parent else None):
            account.parent = parent
            account.updated_at = now
            changed.append(account)
    if changed:
        Account.objects.bulk_update(changed, ["parent", "updated_at"], batch_size=CHUNK)


# Contacts and memberships -----------------------------------------------------------------------------------------


@transaction.atomic
def contacts_bulk_upsert(*, records: Sequence[Mapping[str, Any]], source: str = "") -> SyncResult:
    """Create or update contacts and make them members of their account.

    A record names the person by `user_id` (product users) or else by `email` (CRM contacts), and the account by
    `account_id` (created when unknown, refused when deleted). Other keys: CONTACT_PLAIN_FIELDS and `dimensions`.
    """
    result = SyncResult()
    prepared: list[tuple[int, str, str, str, Mapping[str, Any]]] = []
    for index, record in enumerate(records):
        try:
            aid = _norm(record.get("account_id"), "account id")
            uid = _norm(record["user_id"], "user id") if record.get("user_id") not in (None, "") else ""
        except ValidationError as exc:
            result.fail(index, record.get("account_id"), _error_text(exc))
            continue
        email = (record.get("email") or "").strip().lower()
        if not uid and not email:
            result.fail(index, aid, "A contact needs a user_id or an email.")
            continue
        prepared.append((index, aid, uid, email, record))
    if not prepared:
        return result
    account_ids = {aid for _, aid, _, _, _ in prepared}
    accounts_ensure(account_ids=account_ids, source=source)
    accounts = _accounts_by_ids(account_ids)
    by_user = _contacts_by_user_ids({uid for _, _, uid, _, _ in prepared if uid})
    by_email: dict[str, Contact] = {}
    emails = sorted({email for _, _, uid, email, _ in prepared if email and not uid})
    for part in _chunks(emails):
        for contact in Contact.objects.filter(email__in=part).order_by("-id"):
            by_email[contact.email] = contact
    dims = _dimensions(DimensionEntity.CONTACT)
    now = timezone.now()
    new: dict[str, Contact] = {}
    dirty: dict[int, Contact] = {}
    fields: set[str] = set()
    links: list[tuple[str, str]] = []
    dim_values: list[tuple[str, CustomDimension, Any]] = []
    for index, aid, uid, email, record in prepared:
        account = accounts.get(aid)
        if account is None or account.is_deleted:
            result.fail(index, aid, f"Account {aid} was deleted; its contacts are not synced.")
            continue
        parsed_dims = _parse_dimensions(record.get("dimensions"), dims)
        if isinstance(parsed_dims, str):
            result.fail(index, aid, parsed_dims)
            continue
        key = f"u:{uid}" if uid else f"e:{email}"
        contact = new.get(key) or (by_user.get(uid) if uid else by_email.get(email))
        values = {name: record[name] for name in CONTACT_PLAIN_FIELDS if name in record and record[name] is not None}
        if "email" in values:
            values["email"] = (values["email"] or "").strip().lower()
        is_new = contact is None
        if is_new:
            contact = Contact(user_id=uid, created_at=now, updated_at=now)
        changed = [name for name, value in values.items() if getattr(contact, name) != value]
        snapshot = {name: getattr(contact, name) for name in changed}
        for name in changed:
            setattr(contact, name, values[name])
        try:
            contact.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, value in snapshot.items():
                setattr(contact, name, value)
            result.fail(index, aid, _error_text(exc))
            continue
        if is_new:
            new[key] = contact
            result.created += 1
        elif changed and contact.pk:
            contact.updated_at = now
            dirty[contact.pk] = contact
            fields.update(changed)
            result.updated += 1
        links.append((aid, key))
        for dimension, value in parsed_dims.items():
            dim_values.append((key, dimension, value))
    Contact.objects.bulk_create(list(new.values()), batch_size=CHUNK, ignore_conflicts=True)
    if dirty:
        Contact.objects.bulk_update(list(dirty.values()), [*sorted(fields), "updated_at"], batch_size=CHUNK)
    # Re-read the created contacts by their keys (ignore_conflicts leaves pks unset on PostgreSQL too).
    resolved: dict[str, Contact] = {}
    resolved.update({f"u:{u}": c for u, c in _contacts_by_user_ids([k[2:] for k in new if k.startswith("u:")]).items()})
    resolved.update({f"u:{u}": c for u, c in by_user.items()})
    new_emails = [k[2:] for k in new if k.startswith("e:")]
    for part in _chunks(new_emails):
        for contact in Contact.objects.filter(email__in=part, user_id="").order_by("id"):
            resolved.setdefault(f"e:{contact.email}", contact)
    resolved.update({f"e:{e}": c for e, c in by_email.items()})
    AccountContact.objects.bulk_create(
        [AccountContact(account=accounts[aid], contact=resolved[key]) for aid, key in links if key in resolved],
        batch_size=CHUNK,
        ignore_conflicts=True,
    )
    if dim_values:
        _write_dimension_values(
            ContactDimensionValue,
            "contact",
            [(resolved[key], dim, value) for key, dim, value in dim_values if key in resolved],
        )
    return result


# Interactions and tickets -------------------------------------------------------------------------------------


def _contacts_for_refs(refs: Iterable[str]) -> dict[str, Contact]:
    """Contacts by user id or email (the keys given)."""
    refs = sorted({r for r in refs if r})
    found: dict[str, Contact] = {}
    for part in _chunks(refs):
        for contact in Contact.objects.filter(Q(user_id__in=part) | Q(email__in=[p.lower() for p in part])):
            if contact.user_id:
                found[contact.user_id] = contact
            if contact.email:
                found.setdefault(contact.email, contact)
    return found


def _live_accounts(records: Sequence[Mapping[str, Any]], result: SyncResult) -> tuple[dict[str, Account], dict]:
    """Accounts of the records by normalised id; records naming a missing or deleted account fail."""
    ids: dict[int, str] = {}
    for index, record in enumerate(records):
        try:
            ids[index] = _norm(record.get("account_id"), "account id")
        except ValidationError as exc:
            result.fail(index, record.get("account_id"), _error_text(exc))
    accounts = _accounts_by_ids(ids.values())
    ok: dict[int, str] = {}
    for index, aid in ids.items():
        account = accounts.get(aid)
        if account is None:
            result.fail(index, aid, f"No account has the account id {aid}.")
        elif account.is_deleted:
            result.fail(index, aid, f"Account {aid} was deleted; it is not changed by a sync.")
        else:
            ok[index] = aid
    return accounts, ok


@transaction.atomic
def interactions_bulk_upsert(*, records: Sequence[Mapping[str, Any]]) -> SyncResult:
    """Create or update interactions by `interaction_id` (their external id).

    Keys: `interaction_id`, `account_id`, `date` (datetime), `type` (an interaction type name; unknown names
    fail), `subject`, `body`, `contacts` (user ids or emails of contacts of that account).
    """
    result = SyncResult()
    accounts, ok = _live_accounts(records, result)
    types = {t.name.lower(): t for t in InteractionType.objects.all()}
    ext_ids: dict[int, str] = {}
    for index in list(ok):
        try:
            ext_ids[index] = _norm(records[index].get("interaction_id"), "interaction id")
        except ValidationError as exc:
            result.fail(index, ok.pop(index), _error_text(exc))
    existing = {
        i.external_id: i
        for part in _chunks(sorted(set(ext_ids.values())))
        for i in Interaction.objects.filter(external_id__in=part)
    }
    contacts = _contacts_for_refs(ref for i in ok for ref in (records[i].get("contacts") or []))
    members = set(
        AccountContact.objects.filter(account__in=[accounts[a] for a in set(ok.values())]).values_list(
            "account_id", "contact_id"
        )
    )
    now = timezone.now()
    rows: dict[str, Interaction] = {}
    people: dict[str, list[Contact]] = {}
    for index, aid in ok.items():
        record = records[index]
        account = accounts[aid]
        type_ = types.get((record.get("type") or "").strip().lower())
        if type_ is None:
            result.fail(index, aid, f"Unknown interaction type “{record.get('type') or ''}”.")
            continue
        who = []
        missing = None
        for ref in record.get("contacts") or []:
            contact = contacts.get(ref) or contacts.get(str(ref).lower())
            if contact is None or (account.pk, contact.pk) not in members:
                missing = ref
                break
            who.append(contact)
        if missing is not None:
            result.fail(index, aid, f"{missing} is not a contact of account {aid}.")
            continue
        ext = ext_ids[index]
        row = existing.get(ext) or Interaction(external_id=ext, created_at=now)
        row.account, row.type, row.date = account, type_, record.get("date")
        row.subject = (record.get("subject") or "").strip()
        row.body = record.get("body") or ""
        row.updated_at = now
        try:
            row.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            result.fail(index, aid, _error_text(exc))
            continue
        rows[ext] = row
        people[ext] = who
    created = [r for r in rows.values() if not r.pk]
    updated = [r for r in rows.values() if r.pk]
    Interaction.objects.bulk_create(created, batch_size=CHUNK)
    result.created, result.updated = len(created), len(updated)
    if updated:
        Interaction.objects.bulk_update(
            updated, ["account", "type", "date", "subject", "body", "updated_at"], batch_size=CHUNK
        )
    if rows:
        saved = {
            i.external_id: i
            for part in _chunks(sorted(rows))
            for i in Interaction.objects.filter(external_id__in=part).only("id", "external_id")
        }
        through = Interaction.contacts.through
        through.objects.filter(interaction_id__in=[i.pk for i in saved.values()]).delete()
        through.objects.bulk_create(
            [
                through(interaction_id=saved[ext].pk, contact_id=c.pk)
                for ext, who in people.items()
                for c in {c.pk: c for c in who}.values()
            ],
            batch_size=CHUNK,
        )
    return result


@transaction.atomic
def tickets_bulk_upsert(*, records: Sequence[Mapping[str, Any]]) -> SyncResult:
    """Create or update support tickets by `ticket_id`.

    Keys: `ticket_id`, `account_id`, `subject`, `description`, `status`, `priority`, `type` (names of the ticket
    picklists; status defaults to the first open status), `opened_at`, `closed_at`, `requester` (user id or
    email). A closed status without `closed_at` closes it now.
    """
    result = SyncResult()
    accounts, ok = _live_accounts(records, result)
    options: dict[str, dict[str, TicketOption]] = {kind: {} for kind in TicketOptionKind.values}
    for option in TicketOption.objects.all():
        options[option.kind][option.name.lower()] = option
    default_status = TicketOption.objects.filter(kind=TicketOptionKind.STATUS, is_closed=False).first()
    ext_ids: dict[int, str] = {}
    for index in list(ok):
        try:
            ext_ids[index] = _norm(records[index].get("ticket_id"), "ticket id")
        except ValidationError as exc:
            result.fail(index, ok.pop(index), _error_text(exc))
    existing = {
        t.ticket_id: t
        for part in _chunks(sorted(set(ext_ids.values())))
        for t in SupportTicket.objects.filter(ticket_id__in=part)
    }
    requesters = _contacts_for_refs(records[i].get("requester") or "" for i in ok)
    now = timezone.now()
    rows: dict[str, SupportTicket] = {}
    for index, aid in ok.items():
        record = records[index]
        ext = ext_ids[index]
        row = existing.get(ext) or SupportTicket(ticket_id=ext, created_at=now)
        picked = {}
        error = None
        for kind in TicketOptionKind.values:
            if kind in record and record[kind] not in (None, ""):
                option = options[kind].get(str(record[kind]).strip().lower())
                if option is None:
                    error = f"Unknown ticket {kind} “{record[kind]}”."
                picked[kind] = option
        if error:
            result.fail(index, aid, error)
            continue
        row.account = accounts[aid]
        if "status" in picked or not row.status_id:
            row.status = picked.get("status") or default_status
        if "priority" in picked:
            row.priority = picked["priority"]
        if "type" in picked:
            row.type = picked["type"]
        for name in ("subject", "description"):
            if record.get(name) is not None:
                setattr(row, name, str(record[name]).strip() if name == "subject" else record[name])
        if record.get("opened_at"):
            row.opened_at = record["opened_at"]
        if row.opened_at is None:
            row.opened_at = now
        if "closed_at" in record:
            row.closed_at = record["closed_at"]
        if row.status.is_closed and row.closed_at is None:
            row.closed_at = now
        if not row.status.is_closed:
            row.closed_at = None
        ref = record.get("requester")
        if ref:
            row.requester = requesters.get(ref) or requesters.get(str(ref).lower())
        row.updated_at = now
        if row.closed_at and row.closed_at < row.opened_at:
            result.fail(index, aid, "A ticket cannot close before it opened.")
            continue
        try:
            row.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            result.fail(index, aid, _error_text(exc))
            continue
        rows[ext] = row
    created = [r for r in rows.values() if not r.pk]
    updated = [r for r in rows.values() if r.pk]
    SupportTicket.objects.bulk_create(created, batch_size=CHUNK)
    if updated:
        SupportTicket.objects.bulk_update(
            updated,
            [
                "account",
                "subject",
                "description",
                "status",
                "priority",
                "type",
                "opened_at",
                "closed_at",
                "requester",
                "updated_at",
            ],
            batch_size=CHUNK,
        )
    result.created, result.updated = len(created), len(updated)
    return result


def accounts_of_users(*, user_ids: Iterable[str]) -> dict[str, str]:
    """For each user id whose contact belongs to exactly one live account: that account's id (one query)."""
    ids = sorted({u for u in user_ids if u and "\x00" not in u})  # no stored id holds a NUL
    seen: dict[str, set[str]] = {}
    for part in _chunks(ids):
        rows = AccountContact.objects.filter(contact__user_id__in=part, account__is_deleted=False).values_list(
            "contact__user_id", "account__account_id"
        )
        for user_id, account_id in rows:
            seen.setdefault(user_id, set()).add(account_id)
    return {user_id: next(iter(accounts)) for user_id, accounts in seen.items() if len(accounts) == 1}
