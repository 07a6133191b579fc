"""Demo data for accounts: realistic accounts with tiers, stages and their history, a hierarchy, CSMs, contacts,
interactions, tickets, notes and NPS. Deterministic (fixed random seed) and fast: rows are built in memory and
written with bulk_create in batches (100,000 accounts and 500,000 contacts in a few minutes on PostgreSQL).
Running it again tops up to the requested number of accounts and never duplicates."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from accounts.models import (
    Account,
    AccountContact,
    AccountCSM,
    AccountDimensionValue,
    AssignmentHistory,
    Contact,
    CustomDimension,
    Interaction,
    InteractionType,
    Note,
    NpsResponse,
    Stage,
    StageHistory,
    SupportTicket,
    TicketOption,
    TicketOptionKind,
    Tier,
)
from accounts.services import picklists_install_defaults

BATCH = 5000
SEED = 20260101
DEMO_PREFIX = "DEMO-"
REGIONS = ["North America", "EMEA", "APAC", "LATAM"]
# Custom dimensions of every type, as an installation would define them: (key, label, type, picklist values).
DIMENSIONS = [
    ("region", "Region", "picklist", REGIONS),
    ("seats", "Seats purchased", "number", []),
    ("contract_signed", "Contract signed", "date", []),
    ("success_plan", "Success plan", "text", []),
]

PREFIXES = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Wonka",
    "Tyrell",
    "Soylent",
    "Cyberdyne",
    "Aperture",
    "Massive",
    "Gringotts",
    "Oscorp",
    "Pied Piper",
    "Nakatomi",
    "Monarch",
    "Blue Sun",
    "Dunder",
    "Prestige",
    "Sterling",
    "Wernham",
    "Bluth",
    "Kramerica",
    "Virtucon",
    "Zorg",
    "Genco",
    "Spacely",
    "Cogswell",
    "Ollivander",
    "Duff",
    "Krusty",
    "Benthic",
    "Ajax",
    "Nimbus",
]
SUFFIXES = [
    "Labs",
    "Systems",
    "Analytics",
    "Logistics",
    "Health",
    "Foods",
    "Energy",
    "Media",
    "Robotics",
    "Bank",
    "Insurance",
    "Retail",
    "Studios",
    "Networks",
    "Capital",
    "Motors",
    "Pharma",
    "Software",
    "Group",
]
INDUSTRIES = [
    "Software",
    "Financial services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Media",
    "Logistics",
    "Energy",
    "Hospitality",
    "Telecommunications",
    "Public sector",
]
FIRST = [
    "Ann",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Farid",
    "Grace",
    "Hugo",
    "Iris",
    "Jamal",
    "Kira",
    "Liam",
    "Mona",
    "Nils",
    "Olga",
    "Pablo",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wes",
    "Xia",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Smith",
    "Garcia",
    "Müller",
    "Rossi",
    "Dubois",
    "Kowalski",
    "Tanaka",
    "Okafor",
    "Nguyen",
    "Silva",
    "Larsen",
    "Novak",
    "Haddad",
    "Kim",
    "Patel",
    "Cohen",
    "Murphy",
    "Jensen",
    "Costa",
    "Ivanova",
]
TITLES = [
    "CEO",
    "CTO",
    "VP Operations",
    "Head of Support",
    "Product Manager",
    "Data Analyst",
    "IT Admin",
    "Finance Manager",
    "Marketing Lead",
    "Engineer",
]
ROLES = ["Champion", "Decision maker", "Admin", "User", "Billing", "Executive sponsor"]
SUBJECTS = [
    "Kick-off call",
    "Weekly check-in",
    "Quarterly business review",
    "Renewal discussion",
    "Feature walkthrough",
    "Escalation follow-up",
    "Training session",
    "Onboarding workshop",
    "Executive sync",
    "Usage review",
]
TICKETS = [
    "Cannot log in",
    "Export is slow",
    "Wrong totals in report",
    "SSO setup",
    "Invoice question",
    "API rate limit",
    "Dashboard not loading",
    "Add more seats",
    "Data import failed",
    "Feature request",
]
NOTES = [
    "Champion is leaving next quarter; find a new sponsor.",
    "Very happy with the new dashboards.",
    "Budget review in progress, renewal at risk.",
    "Wants a roadmap session with product.",
    "Asked about the enterprise plan.",
    "Low usage in the EU team; schedule training.",
]
STATUSES = [
    ("On track", "Adoption growing."),
    ("At risk", "Usage dropped after the reorg."),
    ("Expanding", "Talking about more seats."),
    ("Onboarding", "Integration in progress."),
]
CHURN_REASONS = ["Budget", "Switched to a competitor", "Company acquired", "Low adoption", "Product fit"]


def _batches(rows: Iterator[Any] | list[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(model: type, rows: Iterator[Any] | list[Any]) -> list[Any]:
    created: list[Any] = []
    for batch in _batches(rows):
        created.extend(model.objects.bulk_create(batch, batch_size=BATCH))
    return created


def seed_accounts(*, accounts: int = 300, stdout: Any = None, **options: Any) -> None:
    """Create demo accounts up to `accounts` (top-up: existing demo accounts are kept), with everything around
    them. Assigns the demo team's CSM-capable members as CSMs."""
    from team.models import User

    picklists_install_defaults()
    existing = Account.objects.filter(account_id__startswith=DEMO_PREFIX).count()
    wanted = max(accounts - existing, 0)
    if not wanted:
        if stdout:
            stdout.write(f"  {existing} demo accounts already there.")
        return
    rng = random.Random(SEED + existing)
    today = timezone.localdate()
    now = timezone.now()
    stages = list(Stage.objects.order_by("order"))
    tiers = list(Tier.objects.order_by("order"))
    types = list(InteractionType.objects.order_by("order"))
    statuses = list(TicketOption.objects.filter(kind=TicketOptionKind.STATUS))
    priorities = list(TicketOption.objects.filter(kind=TicketOptionKind.PRIORITY))
    ticket_types = list(TicketOption.objects.filter(kind=TicketOptionKind.TYPE))
    csms = list(User.objects.filter(is_active=True, role__own_accounts=True).order_by("pk"))
    authors = csms or [None]

    # Accounts
    def account_rows() -> Iterator[Account]:
        for n in range(existing, existing + wanted):
            join = today - datetime.timedelta(days=rng.randint(10, 1500))
            churned = rng.random() < 0.08
            status = rng.choice(STATUSES) if rng.random() < 0.6 else ("", "")
            yield Account(
                account_id=f"{DEMO_PREFIX}{n + 1:06d}",
                name=f"{rng.choice(PREFIXES)} {rng.choice(SUFFIXES)} {n + 1}",
                join_date=join,
                renewal_date=join + datetime.timedelta(days=365 * (1 + (today - join).days // 365)),
                tier=rng.choice(tiers) if tiers else None,
                stage=stages[min(len(stages) - 1, int((today - join).days / 120))] if stages else None,
                csm_score=rng.randint(20, 100),
                nps=rng.randint(0, 10) if rng.random() < 0.5 else None,
                industry=rng.choice(INDUSTRIES),
                employees=rng.choice([10, 25, 50, 120, 250, 800, 2500, 10000]),
                website=f"https://www.company{n + 1}.example",
                source=rng.choice(["CRM", "Stripe", "CSV", "API"]),
                status_title=status[0],
                status_details=status[1],
                status_date=today - datetime.timedelta(days=rng.randint(0, 60)) if status[0] else None,
                churned_on=today - datetime.timedelta(days=rng.randint(1, 200)) if churned else None,
                churn_reason=rng.choice(CHURN_REASONS) if churned else "",
                crm_account_id=f"0013X{n + 1:08d}",
            )

    created = _bulk(Account, account_rows())

    # Hierarchy: about one account in 25 becomes a parent of the 1-4 accounts after it.
    updates = []
    i = 0
    while i < len(created):
        if rng.random() < 0.04 and i + 1 < len(created):
            parent = created[i]
            parent.hierarchy_label = "Group"
            updates.append(parent)
            for child in created[i + 1 : i + 1 + rng.randint(1, 4)]:
                child.parent = parent
                child.hierarchy_label = "Subsidiary"
                updates.append(child)
            i += 5
        else:
            i += 1
    for batch in _batches(updates):
        Account.objects.bulk_update(batch, ["parent", "hierarchy_label"], batch_size=BATCH)

    # Custom dimensions: a region and seats for every account, a contract date and a success plan for most.
    dimensions = {
        key: CustomDimension.objects.get_or_create(
            entity="account", key=key, defaults={"label": label, "data_type": kind, "choices": choices, "order": i}
        )[0]
        for i, (key, label, kind, choices) in enumerate(DIMENSIONS)
    }

    def dimension_rows() -> Iterator[AccountDimensionValue]:
        for account in created:
            yield AccountDimensionValue(account=account, dimension=dimensions["region"], value_text=rng.choice(REGIONS))
            seats = rng.choice([5, 10, 25, 50, 100, 250, 500])
            yield AccountDimensionValue(account=account, dimension=dimensions["seats"], value_number=seats)
            if rng.random() < 0.85:
                signed = account.join_date - datetime.timedelta(days=rng.randint(1, 20))
                yield AccountDimensionValue(account=account, dimension=dimensions["contract_signed"], value_date=signed)
            if rng.random() < 0.6:
                plan = rng.choice(["Self-serve", "Pooled CSM", "Named CSM", "Strategic"])
                yield AccountDimensionValue(account=account, dimension=dimensions["success_plan"], value_text=plan)

    _bulk(AccountDimensionValue, dimension_rows())

    # Stage history: the stages each account passed through, up to its current one.
    def stage_rows() -> Iterator[StageHistory]:
        for account in created:
            if account.stage is None:
                continue
            position = stages.index(account.stage)
            start = account.join_date
            for k in range(position + 1):
                end = start + datetime.timedelta(days=120) if k < position else None
                yield StageHistory(account=account, stage=stages[k], start=start, end=min(end, today) if end else None)
                start = end or start

    _bulk(StageHistory, stage_rows())

    # CSM assignments (about 1 in 12 accounts unassigned; 1 in 10 with two CSMs), with history.
    links, history = [], []
    if csms:
        for account in created:
            if rng.random() < 0.08:
                continue
            chosen = rng.sample(csms, 2 if rng.random() < 0.1 and len(csms) > 1 else 1)
            start = timezone.make_aware(datetime.datetime.combine(account.join_date, datetime.time(9)))
            for user in chosen:
                links.append(AccountCSM(account=account, user=user, assigned_at=start))
                history.append(AssignmentHistory(account=account, user=user, started_at=start))
            if rng.random() < 0.15:
                previous = rng.choice(csms)
                history.append(
                    AssignmentHistory(
                        account=account, user=previous, started_at=start - datetime.timedelta(days=90), ended_at=start
                    )
                )
    _bulk(AccountCSM, links)
    _bulk(AssignmentHistory, history)

    # Contacts: about 5 per account, each a member of their account.
    def contact_rows() -> Iterator[Contact]:
        for account in created:
            for k in range(rng.randint(3, 7)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                # Nobody at a churned account has been seen since it churned.
                latest = (
                    timezone.make_aware(datetime.datetime.combine(account.churned_on, datetime.time(18)))
                    if account.churned_on
                    else now
                )
                seen = latest - datetime.timedelta(days=rng.randint(0, 90), minutes=rng.randint(0, 1440))
                yield Contact(
                    user_id=f"{account.account_id}-u{k + 1}",
                    name=f"{first} {last}",
                    email=f"{first.lower()}.{k + 1}@{account.account_id.lower()}.example",
                    title=rng.choice(TITLES),
                    role=rng.choice(ROLES),
                    first_seen=seen - datetime.timedelta(days=rng.randint(30, 400)),
                    last_seen=seen,
                    email_opt_out=rng.random() < 0.05,
                )

    account_by_prefix = {a.account_id: a for a in created}
    contacts = _bulk(Contact, contact_rows())
    _bulk(
        AccountContact,
        (AccountContact(account=account_by_prefix[c.user_id.rsplit("-u", 1)[0]], contact=c) for c in contacts),
    )
    first_contact: dict[int, Contact] = {}
    for contact in contacts:
        first_contact.setdefault(account_by_prefix[contact.user_id.rsplit("-u", 1)[0]].pk, contact)

    # Interactions, tickets, notes and NPS.
    def interaction_rows() -> Iterator[Interaction]:
        for account in created:
            for _ in range(rng.randint(1, 4)):
                yield Interaction(
                    account=account,
                    date=now - datetime.timedelta(days=rng.randint(0, 365), minutes=rng.randint(0, 600)),
                    type=rng.choice(types),
                    author=rng.choice(authors),
                    subject=rng.choice(SUBJECTS),
                    body="Discussed goals, adoption and next steps.",
                )

    _bulk(Interaction, interaction_rows())

    def ticket_rows() -> Iterator[SupportTicket]:
        for account in created:
            for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
                status = rng.choice(statuses)
                opened = now - datetime.timedelta(days=rng.randint(0, 180), minutes=rng.randint(0, 600))
                yield SupportTicket(
                    account=account,
                    subject=rng.choice(TICKETS),
                    status=status,
                    priority=rng.choice(priorities) if priorities else None,
                    type=rng.choice(ticket_types) if ticket_types else None,
                    opened_at=opened,
                    closed_at=opened + datetime.timedelta(hours=rng.randint(1, 96)) if status.is_closed else None,
                    requester=first_contact.get(account.pk),
                )

    _bulk(SupportTicket, ticket_rows())
    _bulk(
        Note,
        (
            Note(account=account, author=rng.choice(authors), body=rng.choice(NOTES))
            for account in created
            if rng.random() < 0.4
        ),
    )
    _bulk(
        NpsResponse,
        (
            NpsResponse(
                account=account,
                score=account.nps,
                date=today - datetime.timedelta(days=rng.randint(0, 120)),
                respondent=first_contact[account.pk].name if account.pk in first_contact else "",
                survey="Quarterly NPS",
            )
            for account in created
            if account.nps is not None
        ),
    )
    if stdout:
        stdout.write(f"  {len(created)} accounts and {len(contacts)} contacts added.")
