"""CSV import targets of the accounts app: accounts, contacts, interactions and support tickets.

Each upserts by its external id, through the services, so history (stages, CSM assignments, NPS) is kept and a
re-import of the same file leaves everything unchanged. Empty cells leave the current value as it is.

The helpers that find accounts by the file's account ids (`external_ids`, `accounts_by_id`, `live_account`,
`parse_external_id`) serve the targets of higher apps too (subscriptions, invoices, metric values).
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from accounts import services
from accounts.ids import normalize_external_id
from accounts.imports import (
    ImportColumn,
    ImportTarget,
    RowError,
    RowInvalid,
    RowProblems,
    lookup,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_int,
    register_target,
    split_list,
)
from accounts.models import (
    Account,
    AccountCSM,
    Contact,
    DimensionEntity,
    Interaction,
    InteractionType,
    PurgedAccountId,
    Stage,
    SupportTicket,
    TicketOption,
    TicketOptionKind,
    Tier,
)
from accounts.selectors import csm_candidates, dimensions_for

_email = EmailValidator()
_url = URLValidator()


def parse_external_id(value: str, name: str, *, required: bool = True) -> str | None:
    if not value:
        if required:
            raise RowInvalid(name, "is required.")
        return None
    try:
        return normalize_external_id(value, label=name.replace("_", " "))
    except ValidationError as exc:
        raise RowInvalid(name, " ".join(exc.messages)) from None


def _email_of(value: str, name: str) -> str:
    if not value:
        return ""
    email = value.strip().lower()
    try:
        _email(email)
    except ValidationError:
        raise RowInvalid(name, f"“{value}” is not an email address.") from None
    return email


def accounts_by_id(ids: set[str]) -> dict[str, Account]:
    found: dict[str, Account] = {}
    id_list = list(ids)
    for start in range(0, len(id_list), 5000):
        for account in Account.objects.filter(account_id__in=id_list[start : start + 5000]):
            found[account.account_id] = account
    return found


def external_ids(rows: list[dict[str, str]], column: str) -> set[str]:
    """The well-formed external ids of a column (or of a ;-separated list column, named in the plural)."""
    ids = set()
    for row in rows:
        for raw in split_list(row.get(column, "")) if column.endswith("s") else [row.get(column, "")]:
            with contextlib.suppress(ValidationError):
                ids.add(normalize_external_id(raw))
    return ids


def live_account(ctx: dict[str, Any], key: str, name: str) -> Account:
    """The account `key` from `ctx["accounts"]` (see `accounts_by_id`), or a row error if it is unknown or
    deleted."""
    account = ctx["accounts"].get(key)
    if account is None:
        raise RowInvalid(name, f"no account has the id “{key}”.")
    if account.is_deleted:
        raise RowInvalid(name, f"account “{key}” is deleted; restore it first.")
    return account


class AccountsTarget(ImportTarget):
    key = "accounts"
    order = 10
    label = "Accounts"
    description = "Create or update accounts by account id."

    BASE = [
        ImportColumn("account_id", True, "The account's id in your systems.", "ACME-001"),
        ImportColumn("name", True, "Company name.", "Acme Corp"),
        ImportColumn("join_date", help="YYYY-MM-DD", example="2024-03-01", text=False),
        ImportColumn("renewal_date", help="YYYY-MM-DD", example="2025-03-01", text=False),
        ImportColumn("tier", help="A tier name from settings.", example="Enterprise"),
        ImportColumn("stage", help="A stage name from settings.", example="Onboarding"),
        ImportColumn("csm_score", help="0-100", example="70", text=False),
        ImportColumn("nps", help="0-10", example="9", text=False),
        ImportColumn("industry", example="Software"),
        ImportColumn("employees", help="Whole number", example="250", text=False),
        ImportColumn("website", example="https://acme.example"),
        ImportColumn("billing_address"),
        ImportColumn("source", example="CSV"),
        ImportColumn("description"),
        ImportColumn("crm_account_id"),
        ImportColumn("billing_account_id"),
        ImportColumn("support_account_id"),
        ImportColumn("parent_account_id", help="account_id of the parent (in the app or in this file)."),
        ImportColumn("hierarchy_label", example="Subsidiary"),
        ImportColumn(
            "csm_emails", help="Emails of team members who own accounts, separated by ;", example="maya@natero.local"
        ),
        ImportColumn("churned_on", help="YYYY-MM-DD: churn the account on that date.", text=False),
        ImportColumn("churn_reason"),
    ]
    TEXT_FIELDS = [
        "industry",
        "billing_address",
        "source",
        "description",
        "crm_account_id",
        "billing_account_id",
        "support_account_id",
        "hierarchy_label",
    ]

    def columns(self) -> list[ImportColumn]:
        dims = [
            ImportColumn(
                f"dim_{d.key}",
                help=f"{d.label} ({d.get_data_type_display()})",
                text=d.data_type in ("text", "picklist"),
            )
            for d in dimensions_for(DimensionEntity.ACCOUNT)
        ]
        return [*self.BASE, *dims]

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        ids = external_ids(rows, "account_id") | external_ids(rows, "parent_account_id")
        accounts = accounts_by_id(ids)
        return {
            "accounts": accounts,
            "purged": set(
                PurgedAccountId.objects.filter(account_id__in=list(ids)).values_list("account_id", flat=True)
            ),
            "stages": {s.name.lower(): s for s in Stage.objects.all()},
            "tiers": {t.name.lower(): t for t in Tier.objects.all()},
            "csms": {u.email.lower(): u for u in csm_candidates().select_related("role")},
            "dimensions": {f"dim_{d.key}": d for d in dimensions_for(DimensionEntity.ACCOUNT)},
            "file_ids": external_ids(rows, "account_id"),
            "current_csms": {},
        }

    def row_key(self, row: dict[str, str]) -> str | None:
        try:
            return "account_id:" + normalize_external_id(row.get("account_id", ""))
        except ValidationError:
            return None

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        problems = RowProblems()
        key = problems.check(parse_external_id, row.get("account_id", ""), "account_id")
        if not row.get("name"):
            problems.add("name", "is required.")
        existing = ctx["accounts"].get(key) if key else None
        if existing is not None and existing.is_deleted:
            problems.add("account_id", f"account “{key}” is deleted; restore it before importing it again.")
        if key and key in ctx["purged"]:
            problems.add("account_id", f"account “{key}” was deleted and purged; its id is blocked.")
        data: dict[str, Any] = {"name": row.get("name", "")[:200]}
        for name in ["join_date", "renewal_date"]:
            if row.get(name):
                data[name] = problems.check(parse_date, row[name], name)
        if row.get("tier"):
            data["tier"] = problems.check(lookup, ctx["tiers"], row["tier"], "tier", "tier")
        if row.get("stage"):
            data["stage"] = problems.check(lookup, ctx["stages"], row["stage"], "stage", "stage")
        if row.get("csm_score"):
            data["csm_score"] = problems.check(parse_int, row["csm_score"], "csm_score", low=0, high=100)
        if row.get("nps"):
            data["nps"] = problems.check(parse_int, row["nps"], "nps", low=0, high=10)
        if row.get("employees"):
            data["employees"] = problems.check(parse_int, row["employees"], "employees", low=0, high=10_000_000)
        if row.get("website"):
            url = row["website"] if "://" in row["website"] else f"https://{row['website']}"
            try:
                _url(url)
                data["website"] = url
            except ValidationError:
                problems.add("website", f"“{row['website']}” is not a web address.")
        for name in self.TEXT_FIELDS:
            if row.get(name):
                data[name] = row[name]
        clean: dict[str, Any] = {"account_id": key, "data": data}
        if row.get("parent_account_id"):
            parent = problems.check(parse_external_id, row["parent_account_id"], "parent_account_id")
            if parent and parent == key:
                problems.add("parent_account_id", "an account cannot be its own parent.")
            clean["parent"] = parent
        if row.get("csm_emails"):
            users = []
            for email in split_list(row["csm_emails"]):
                user = ctx["csms"].get(email.lower())
                if user is None:
                    problems.add("csm_emails", f"“{email}” is not an active team member who can own accounts.")
                users.append(user)
            clean["csms"] = users
        if row.get("churned_on"):
            clean["churned_on"] = problems.check(parse_date, row["churned_on"], "churned_on")
            clean["churn_reason"] = row.get("churn_reason", "")
        dims = {}
        for name, dimension in ctx["dimensions"].items():
            if row.get(name):
                try:
                    dims[dimension] = dimension.parse(row[name])
                except ValidationError as exc:
                    problems.add(name, " ".join(exc.messages))
        if dims:
            clean["dimensions"] = dims
        problems.raise_if_any()
        return clean

    def finalize(self, valid: list[tuple[int, dict[str, Any]]], ctx: dict[str, Any]) -> list[RowError]:
        errors = []
        for line, clean in valid:
            parent = clean.get("parent")
            if parent and parent not in ctx["file_ids"]:
                found = ctx["accounts"].get(parent)
                if found is None or found.is_deleted:
                    errors.append(RowError(line, "parent_account_id", f"no account has the id “{parent}”."))
        # Current CSMs of the accounts in the file, in one query, so unchanged rows stay unchanged.
        ids = [a.pk for a in ctx["accounts"].values()]
        current: dict[int, set[int]] = {}
        for account_id, user_id in AccountCSM.objects.filter(account_id__in=ids).values_list("account_id", "user_id"):
            current.setdefault(account_id, set()).add(user_id)
        ctx["current_csms"] = current
        return errors

    def after_write(self, ctx: dict[str, Any]) -> None:
        for account, parent_key in ctx.get("deferred_parents", []):
            services.account_update(account=account, by=None, parent=ctx["accounts"][parent_key])

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        data = dict(clean["data"])
        if "dimensions" in clean:
            data["dimensions"] = clean["dimensions"]
        deferred_parent = None
        if "parent" in clean:
            parent = ctx["accounts"].get(clean["parent"])
            if parent is None:
                deferred_parent = clean["parent"]  # defined further down the file
            else:
                data["parent"] = parent
        try:
            account, outcome = services.account_upsert_from_sync(
                account_id=clean["account_id"], data=data, source="CSV"
            )
        except services.SyncRefusedError as exc:
            raise RowInvalid("account_id", str(exc)) from None
        ctx["accounts"][account.account_id] = account
        if deferred_parent:
            ctx.setdefault("deferred_parents", []).append((account, deferred_parent))
        changed = outcome != "unchanged"
        if "csms" in clean:
            wanted = {u.pk for u in clean["csms"]}
            if ctx["current_csms"].get(account.pk, set()) != wanted:
                services.account_assign_csms(account=account, csms=clean["csms"], by=None)
                ctx["current_csms"][account.pk] = wanted
                changed = True
        if clean.get("churned_on") and account.churned_on != clean["churned_on"]:
            if account.churned_on is not None:
                services.account_unchurn(account=account, by=None)
            services.account_churn(
                account=account, churned_on=clean["churned_on"], reason=clean["churn_reason"], by=None
            )
            changed = True
        if outcome == "created":
            return "created"
        return "updated" if changed else "unchanged"


def _live_account_of(ctx: dict[str, Any], raw: str, name: str) -> Account:
    return live_account(ctx, parse_external_id(raw, name), name)


class ContactsTarget(ImportTarget):
    key = "contacts"
    order = 20
    label = "Contacts"
    description = "Create or update contacts by user id (or email) and add them to accounts."

    BASE = [
        ImportColumn(
            "user_id", help="The person's id in your product. user_id or email is required.", example="u-1001"
        ),
        ImportColumn("email", example="ann@acme.example"),
        ImportColumn("name", example="Ann Smith"),
        ImportColumn("title", example="VP Operations"),
        ImportColumn("role", example="Champion"),
        ImportColumn("phone", example="555 0100"),
        ImportColumn("account_ids", help="account_id values separated by ;", example="ACME-001"),
        ImportColumn("first_seen", help="YYYY-MM-DD [HH:MM]", text=False),
        ImportColumn("last_seen", help="YYYY-MM-DD [HH:MM]", text=False),
        ImportColumn("email_opt_out", help="yes/no", example="no", text=False),
    ]

    def columns(self) -> list[ImportColumn]:
        dims = [
            ImportColumn(f"dim_{d.key}", help=d.label, text=d.data_type in ("text", "picklist"))
            for d in dimensions_for(DimensionEntity.CONTACT)
        ]
        return [*self.BASE, *dims]

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "accounts": accounts_by_id(external_ids(rows, "account_ids")),
            "dimensions": {f"dim_{d.key}": d for d in dimensions_for(DimensionEntity.CONTACT)},
        }

    def row_key(self, row: dict[str, str]) -> str | None:
        if row.get("user_id"):
            try:
                return "user_id:" + normalize_external_id(row["user_id"])
            except ValidationError:
                return None
        if row.get("email"):
            return "email:" + row["email"].strip().lower()
        return None

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        problems = RowProblems()
        user_id = problems.check(parse_external_id, row.get("user_id", ""), "user_id", required=False) or ""
        email = problems.check(_email_of, row.get("email", ""), "email")
        if not user_id and not email and not problems.found:
            problems.add("user_id", "user_id or email is required.")
        fields: dict[str, Any] = {}
        if user_id:
            fields["user_id"] = user_id
        if email:
            fields["email"] = email
        for name in ["name", "title", "role", "phone"]:
            if row.get(name):
                fields[name] = row[name][:200]
        for name in ["first_seen", "last_seen"]:
            if row.get(name):
                fields[name] = problems.check(parse_datetime, row[name], name)
        if row.get("email_opt_out"):
            fields["email_opt_out"] = problems.check(parse_bool, row["email_opt_out"], "email_opt_out")
        accounts = []
        for raw in split_list(row.get("account_ids", "")):
            account_key = problems.check(parse_external_id, raw, "account_ids")
            if account_key:
                accounts.append(problems.check(live_account, ctx, account_key, "account_ids"))
        dims = {}
        for name, dimension in ctx["dimensions"].items():
            if row.get(name):
                try:
                    dims[dimension] = dimension.parse(row[name])
                except ValidationError as exc:
                    problems.add(name, " ".join(exc.messages))
        problems.raise_if_any()
        return {"fields": fields, "accounts": accounts, "dimensions": dims}

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        fields = clean["fields"]
        contact = None
        if fields.get("user_id"):
            contact = Contact.objects.filter(user_id=fields["user_id"]).first()
        if contact is None and fields.get("email"):
            contact = Contact.objects.filter(email=fields["email"]).order_by("id").first()
        if contact is None:
            contact = services.contact_create(account=None, dimensions=clean["dimensions"] or None, **fields)
            outcome = "created"
        else:
            changed = services.contact_update(contact=contact, dimensions=clean["dimensions"] or None, **fields)
            outcome = "updated" if changed else "unchanged"
        for account in clean["accounts"]:
            if services.contact_link(account=account, contact=contact) and outcome == "unchanged":
                outcome = "updated"
        return outcome


class InteractionsTarget(ImportTarget):
    key = "interactions"
    order = 60
    label = "Interactions"
    description = "Log interactions on accounts' timelines (upserted by interaction_id when given)."

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn(
                "interaction_id", help="Your id for it, so a re-import updates instead of adding.", example="call-778"
            ),
            ImportColumn("account_id", True, example="ACME-001"),
            ImportColumn("date", True, "YYYY-MM-DD [HH:MM]", "2025-01-15 14:00", text=False),
            ImportColumn("type", True, "An interaction type from settings.", "Call"),
            ImportColumn("subject", True, example="Quarterly check-in"),
            ImportColumn("body", example="Discussed the roadmap."),
            ImportColumn("contact_emails", help="Emails of the account's contacts, separated by ;"),
            ImportColumn("author_email", help="Email of the team member who had it."),
        ]

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        from team.models import User

        return {
            "accounts": accounts_by_id(external_ids(rows, "account_id")),
            "types": {t.name.lower(): t for t in InteractionType.objects.all()},
            "authors": {u.email.lower(): u for u in User.objects.filter(is_active=True)},
        }

    def row_key(self, row: dict[str, str]) -> str | None:
        if row.get("interaction_id"):
            try:
                return "interaction_id:" + normalize_external_id(row["interaction_id"])
            except ValidationError:
                return None
        return None

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        problems = RowProblems()
        account = problems.check(_live_account_of, ctx, row.get("account_id", ""), "account_id")
        for name in ["date", "subject", "type"]:
            if not row.get(name):
                problems.add(name, "is required.")
        clean = {
            "external_id": problems.check(
                parse_external_id, row.get("interaction_id", ""), "interaction_id", required=False
            )
            or "",
            "account": account,
            "date": problems.check(parse_datetime, row.get("date", ""), "date"),
            "type": problems.check(lookup, ctx["types"], row["type"], "type", "interaction type")
            if row.get("type")
            else None,
            "subject": row.get("subject", "")[:300],
            "body": row.get("body", ""),
            "author": None,
            "contacts": [],
        }
        if row.get("author_email"):
            clean["author"] = ctx["authors"].get(row["author_email"].lower())
            if clean["author"] is None:
                problems.add("author_email", f"“{row['author_email']}” is not an active team member.")
        emails = [problems.check(_email_of, e, "contact_emails") for e in split_list(row.get("contact_emails", ""))]
        emails = [e for e in emails if e]
        if emails and account is not None:
            contacts = list(Contact.objects.filter(email__in=emails, account_links__account=account))
            found = {c.email for c in contacts}
            for missing in [e for e in emails if e not in found]:
                problems.add("contact_emails", f"“{missing}” is not a contact of account {account.account_id}.")
            clean["contacts"] = contacts
        problems.raise_if_any()
        return clean

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        account = clean["account"]
        if clean["external_id"]:
            existing = Interaction.objects.filter(external_id=clean["external_id"]).first()
        else:
            existing = Interaction.objects.filter(
                account=account, date=clean["date"], type=clean["type"], subject=clean["subject"]
            ).first()
        if existing is None:
            services.interaction_create(
                account=account,
                by=clean["author"],
                date=clean["date"],
                type=clean["type"],
                subject=clean["subject"],
                body=clean["body"],
                contacts=clean["contacts"],
                external_id=clean["external_id"],
            )
            return "created"
        if existing.account_id != account.pk:
            raise RowInvalid("interaction_id", "this interaction belongs to another account.")
        changed = False
        for name in ["date", "type", "subject", "body"]:
            if getattr(existing, name) != clean[name]:
                setattr(existing, name, clean[name])
                changed = True
        if clean["author"] is not None and existing.author_id != clean["author"].pk:
            existing.author = clean["author"]
            changed = True
        if changed:
            existing.full_clean()
            existing.save()
        if clean["contacts"] and {c.pk for c in clean["contacts"]} != set(
            existing.contacts.values_list("pk", flat=True)
        ):
            existing.contacts.set(clean["contacts"])
            changed = True
        return "updated" if changed else "unchanged"


class TicketsTarget(ImportTarget):
    key = "tickets"
    order = 50
    label = "Support tickets"
    description = "Create or update support tickets by ticket id."

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn("ticket_id", True, example="ZD-4411"),
            ImportColumn("account_id", True, example="ACME-001"),
            ImportColumn("subject", True, example="Cannot export report"),
            ImportColumn("status", True, "A ticket status from settings.", "Open"),
            ImportColumn("priority", example="High"),
            ImportColumn("type", example="Incident"),
            ImportColumn("opened_at", True, "YYYY-MM-DD [HH:MM]", "2025-01-10 09:30", text=False),
            ImportColumn("closed_at", help="YYYY-MM-DD [HH:MM]", text=False),
            ImportColumn("requester_email", help="Email of one of the account's contacts."),
            ImportColumn("description"),
        ]

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        options = {kind: {} for kind in TicketOptionKind.values}
        for option in TicketOption.objects.all():
            options[option.kind][option.name.lower()] = option
        return {"accounts": accounts_by_id(external_ids(rows, "account_id")), "options": options}

    def row_key(self, row: dict[str, str]) -> str | None:
        try:
            return "ticket_id:" + normalize_external_id(row.get("ticket_id", ""))
        except ValidationError:
            return None

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        problems = RowProblems()
        ticket_id = problems.check(parse_external_id, row.get("ticket_id", ""), "ticket_id")
        account = problems.check(_live_account_of, ctx, row.get("account_id", ""), "account_id")
        for name in ["subject", "status", "opened_at"]:
            if not row.get(name):
                problems.add(name, "is required.")
        options = ctx["options"]
        clean = {
            "ticket_id": ticket_id,
            "account": account,
            "subject": row.get("subject", "")[:300],
            "status": problems.check(lookup, options["status"], row["status"], "status", "ticket status")
            if row.get("status")
            else None,
            "priority": problems.check(lookup, options["priority"], row.get("priority", ""), "priority", "priority"),
            "type": problems.check(lookup, options["type"], row.get("type", ""), "type", "ticket type"),
            "opened_at": problems.check(parse_datetime, row.get("opened_at", ""), "opened_at"),
            "closed_at": problems.check(parse_datetime, row.get("closed_at", ""), "closed_at"),
            "description": row.get("description", ""),
            "requester": None,
        }
        if clean["closed_at"] and clean["opened_at"] and clean["closed_at"] < clean["opened_at"]:
            problems.add("closed_at", "is before opened_at.")
        if row.get("requester_email"):
            email = problems.check(_email_of, row["requester_email"], "requester_email")
            if email and account is not None:
                clean["requester"] = Contact.objects.filter(email=email, account_links__account=account).first()
                if clean["requester"] is None:
                    problems.add("requester_email", f"“{email}” is not a contact of account {account.account_id}.")
        problems.raise_if_any()
        return clean

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        ticket = SupportTicket.objects.filter(ticket_id=clean["ticket_id"]).first()
        if ticket is None:
            services.ticket_save(ticket=SupportTicket(**clean))
            return "created"
        if ticket.account_id != clean["account"].pk:
            raise RowInvalid("ticket_id", "this ticket belongs to another account.")
        changed = False
        for name, value in clean.items():
            if name in ("ticket_id", "account"):
                continue
            if name == "closed_at" and value is None:
                continue
            if getattr(ticket, name) != value:
                setattr(ticket, name, value)
                changed = True
        if changed:
            services.ticket_save(ticket=ticket)
        return "updated" if changed else "unchanged"


for _target in [AccountsTarget(), ContactsTarget(), InteractionsTarget(), TicketsTarget()]:
    register_target(_target)
