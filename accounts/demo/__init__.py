"""Demo data for accounts: companies that read like real ones (names, domains, places, people with titles and
emails at the company's domain), tiers that match their size, stages that follow their tenure and renewals, a
hierarchy, CSMs, and what happened around each account (interactions, tickets, notes, documents, NPS), all driven by
the account's story (accounts/demo/story.py: a latent churn risk that causes the signals a health score measures).

Deterministic (each account draws from its own seeded generator) and fast: rows are built in memory and written
with bulk_create in batches. Running it again tops up to the requested number of accounts and never duplicates."""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils import timezone

from accounts.demo import content, words
from accounts.demo.content import DAY, Draft, Person
from accounts.demo.story import NOISE_REASONS, story, story_end
from accounts.models import (
    Account,
    AccountContact,
    AccountCSM,
    AccountDimensionValue,
    AssignmentHistory,
    Contact,
    CustomDimension,
    Document,
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
DOMAIN = "example"  # reserved for examples (RFC 2606): the demo's people can never be emailed for real
WORKSPACE_HOST = "files.acmeanalytics.example"
REGIONS = ["North America", "EMEA", "APAC", "LATAM"]
# Custom dimensions of every type, as an installation would define them: (key, label, type, picklist values).
DIMENSIONS = [
    ("region", "Region", "picklist", REGIONS),
    ("seats", "Seats purchased", "number", []),
    ("contract_signed", "Contract signed", "date", []),
    ("success_plan", "Success plan", "text", []),
]
SUCCESS_PLANS = {"SMB": ["Self-serve", "Pooled CSM"], "Mid-market": ["Pooled CSM", "Named CSM"]}
SUCCESS_PLANS["Enterprise"] = ["Named CSM", "Strategic"]
RENEWAL_WINDOW = 60  # days before a renewal when an account enters the Renewal stage
ONBOARDING_DAYS = 90
TRIAL_DAYS = 14


def _batches(rows: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _bulk(model: type, rows: Iterable[Any]) -> list[Any]:
    created: list[Any] = []
    for batch in _batches(rows):
        created.extend(model.objects.bulk_create(batch, batch_size=BATCH))
    return created


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if c.isascii() and c.isalpha()).lower()


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class _Names:
    """Company names and domains, unique among the demo's accounts (also those of an earlier run)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.domains: set[str] = set()
        for name, website in Account.objects.values_list("name", "website"):
            self.names.add(name)
            self.domains.add(website.removeprefix("https://www."))

    def company(self, industry: str, city: str) -> tuple[str, str, str]:
        """(name, stem, domain) of a new company in `industry`."""
        rng = self.rng
        for attempt in range(40):
            stem = rng.choice(words.STEM_STARTS) + rng.choice(words.STEM_ENDS)
            word = rng.choice(words.INDUSTRY_WORDS[industry])
            name = f"{stem} {word}" if attempt < 30 else f"{stem} {word} {city}"
            candidates = [f"{stem}.{DOMAIN}", f"{stem}{word}.{DOMAIN}", f"{stem}-{_ascii(city)}.{DOMAIN}"]
            if attempt >= 30:
                candidates = [f"{stem}{word}-{_ascii(city)}.{DOMAIN}"]
            domain = next((d.lower() for d in candidates if d.lower() not in self.domains), None)
            if name not in self.names and domain:
                break
        else:  # every combination is taken (hundreds of thousands of accounts): a name may repeat, a domain not
            letters = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6))
            domain = f"{stem}{word}-{letters}.{DOMAIN}".lower()
        self.names.add(name)
        self.domains.add(domain)
        return name, stem, domain


def _people(draft: Draft, domain: str, now: datetime.datetime) -> list[Person]:
    """The account's contacts: a champion, a decision maker (and an executive sponsor at an enterprise), an admin,
    someone in finance, and users; most use the product (first and last seen), some never do."""
    rng, st = draft.rng, draft.story
    roles = ["Champion", "Decision maker"]
    if st.size == "Enterprise":
        roles.append("Executive sponsor")
    roles += ["Admin", "Billing"]
    roles = roles[: st.contacts] + ["User"] * max(0, st.contacts - len(roles))
    people, emails = [], set()
    join = timezone.make_aware(datetime.datetime.combine(draft.account.join_date, datetime.time(10)))
    end = (
        timezone.make_aware(datetime.datetime.combine(draft.end, datetime.time(17)))
        if st.churned
        else now - datetime.timedelta(minutes=rng.randint(10, 300))
    )
    adoption = 0.97 - 0.45 * st.risk(0)
    for role in roles:
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        email = f"{_ascii(first)}.{_ascii(last)}@{domain}"
        if email in emails:
            email = f"{_ascii(first)[0]}{_ascii(last)}@{domain}"
        if email in emails:
            continue
        emails.add(email)
        person = Person(first, last, email, rng.choice(words.TITLES[role]), role)
        # The champion and admin always use the product; finance rarely; others as adoption allows.
        uses = role in ("Champion", "Admin") or (role != "Billing" and rng.random() < adoption)
        if uses and end > join:
            person.first_seen = min(end, join + datetime.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 6)))
            quiet = rng.expovariate(1 / (0.5 + 25 * st.risk(0) ** 2))  # days since seen: weeks for a fading account
            last_seen = end - datetime.timedelta(days=quiet, minutes=rng.randint(0, 120))
            if role == "Champion" and st.champion_left_days is not None:
                last_seen = end - datetime.timedelta(days=st.champion_left_days, hours=rng.randint(0, 8))
            person.last_seen = max(person.first_seen, last_seen)
        people.append(person)
    return people


def _stages(draft: Draft, today: datetime.date) -> list[tuple[str, datetime.date, datetime.date | None]]:
    """The stages an account passed through: a trial (for most), onboarding, then established, with a Renewal
    stage in the weeks before each renewal, up to the end of its story."""
    st, join, end = draft.story, draft.account.join_date, min(draft.end, today)
    if st.trial:
        return [("Trial", join, None)]
    periods: list[tuple[str, datetime.date]] = []
    start = join
    if draft.rng.random() < 0.6:
        periods.append(("Trial", join))
        start = join + TRIAL_DAYS * DAY
    periods.append(("Onboarding", start))
    periods.append(("Established", join + ONBOARDING_DAYS * DAY))
    for anniversary in [*draft.anniversaries, draft.account.renewal_date]:
        if anniversary is None:
            continue
        periods.append(("Renewal", max(anniversary - RENEWAL_WINDOW * DAY, join + ONBOARDING_DAYS * DAY)))
        periods.append(("Established", anniversary))
    kept = [(name, day) for name, day in periods if day <= end]
    # A stage that starts where the next one starts never happened; the same stage twice in a row is one stage.
    merged: list[tuple[str, datetime.date]] = []
    for name, day in kept:
        if merged and merged[-1][1] == day:
            merged.pop()
        if merged and merged[-1][0] == name:
            continue
        merged.append((name, day))
    if st.churned and draft.account.renewal_date == draft.end and merged[-1][0] == "Established":
        merged.pop()  # the account left at the renewal it was preparing: it stays in Renewal
    return [(name, day, merged[i + 1][1] if i + 1 < len(merged) else None) for i, (name, day) in enumerate(merged)]


def _draft(n: int, names: _Names, today: datetime.date) -> Draft:
    account_id = f"{DEMO_PREFIX}{n + 1:06d}"
    st = story(account_id)
    rng = random.Random(f"{SEED}:{account_id}:details")
    end = story_end(st, today)
    join = end - st.tenure_days * DAY
    anniversaries = []
    years = 1
    while _add_years(join, years) < end or (st.churned and _add_years(join, years) == end):
        anniversaries.append(_add_years(join, years))
        years += 1
    if st.trial:
        renewal = None
    elif st.churned and st.reason not in NOISE_REASONS:
        renewal = end  # they left at this renewal
        anniversaries = anniversaries[:-1]
    else:
        renewal = _add_years(join, years)
    city, country, region = names.rng.choice(words.CITIES)
    industry = names.rng.choices(words.INDUSTRIES, words.INDUSTRY_WEIGHTS)[0]
    name, _, domain = names.company(industry, city)
    risk = st.risk(0)
    account = Account(
        account_id=account_id,
        name=name,
        join_date=join,
        renewal_date=renewal,
        csm_score=None if st.trial else max(5, min(100, round(98 - 95 * risk + rng.gauss(0, 8)))),
        industry=industry,
        employees=st.employees,
        website=f"https://www.{domain}",
        billing_address=f"{rng.randint(1, 400)} {rng.choice(words.STREETS)}\n{city}\n{country}",
        source="Website sign-up" if st.trial else rng.choice(["CRM", "CRM", "CRM", "Stripe"]),
        description=f"{name} is a {industry.lower()} company in {city}, {country}, with about {st.employees:,} "
        "employees.",
        churned_on=end if st.churned else None,
        churn_reason=st.reason,
        crm_account_id=f"0013X{n + 1:08d}",
    )
    draft = Draft(account=account, story=st, rng=rng, end=end, anniversaries=anniversaries, region=region)
    draft.domain = domain
    mood = (
        "trial"
        if st.trial
        else "onboarding"
        if (end - join).days < ONBOARDING_DAYS
        else "risky"
        if risk >= 0.55
        else "happy"
    )
    if not st.churned and rng.random() < 0.7:
        account.status_title, account.status_details = rng.choice(words.STATUSES[mood])
        account.status_date = today - rng.randint(0, 30) * DAY
    return draft


def seed_accounts(*, accounts: int = 300, stdout: Any = None, **options: Any) -> None:
    """Create demo accounts up to `accounts` (top-up: existing demo accounts are kept), with everything around
    them. Assigns the demo team's CSM-capable members as CSMs."""
    from team.models import User

    picklists_install_defaults()
    existing = Account.objects.filter(account_id__startswith=DEMO_PREFIX).count()
    wanted = max(accounts - existing, 0)
    if not wanted:
        if stdout:
            stdout.write(f"  {existing:,} demo accounts already there.")
        return
    today = timezone.localdate()
    now = timezone.now()
    stage_by_name = _by_name(Stage.objects.order_by("order"), ["Trial", "Onboarding", "Established", "Renewal"])
    tier_by_name = _by_name(Tier.objects.order_by("order"), ["Enterprise", "Mid-market", "SMB"])
    type_by_name = _by_name(
        InteractionType.objects.order_by("order"), ["Call", "Meeting", "Email", "QBR", "Onsite visit", "Other"]
    )
    options_of = {
        kind: {o.name: o for o in TicketOption.objects.filter(kind=kind)}
        for kind in (TicketOptionKind.STATUS, TicketOptionKind.PRIORITY, TicketOptionKind.TYPE)
    }
    csms = list(User.objects.filter(is_active=True, role__own_accounts=True).order_by("pk"))
    names = _Names(random.Random(SEED + existing))

    drafts = [_draft(n, names, today) for n in range(existing, existing + wanted)]
    for draft in drafts:
        draft.account.tier = tier_by_name.get(draft.story.size)
        draft.people = _people(draft, draft.domain, now)
        draft.periods = _stages(draft, today)
        draft.account.stage = stage_by_name.get(draft.periods[-1][0]) if draft.periods else None
        draft.nps = content.nps_responses(draft, today)
        draft.account.nps = draft.nps[-1][1] if draft.nps else None
    created = _bulk(Account, (d.account for d in drafts))
    _hierarchy(drafts)
    _dimensions(drafts)
    _bulk(
        StageHistory,
        (
            StageHistory(account=d.account, stage=stage_by_name[name], start=start, end=end)
            for d in drafts
            for name, start, end in d.periods
            if name in stage_by_name
        ),
    )
    _csms(drafts, csms)
    contacts = _contacts(drafts)
    for chunk in _batches(drafts, 2000):  # a chunk at a time: the rows of 100,000 accounts need not fit in memory
        _activity(chunk, today, now, type_by_name, options_of)
    if stdout:
        churned = sum(1 for d in drafts if d.story.churned)
        stdout.write(f"  {len(created):,} accounts ({churned:,} churned) and {contacts:,} contacts added.")


def _by_name(rows: Iterable[Any], defaults: list[str]) -> dict[str, Any]:
    """Picklist values by their default name; an installation that renamed them is matched by position."""
    rows = list(rows)
    found = {row.name: row for row in rows}
    for position, name in enumerate(defaults):
        if name not in found and position < len(rows):
            found[name] = rows[position]
    return found


def _hierarchy(drafts: list[Draft]) -> None:
    """About one enterprise in five is a group whose next one to three accounts are its subsidiaries."""
    updates = []
    i = 0
    while i < len(drafts):
        parent = drafts[i]
        if parent.story.size == "Enterprise" and parent.rng.random() < 0.2 and i + 1 < len(drafts):
            parent.account.hierarchy_label = "Group"
            updates.append(parent.account)
            for child in drafts[i + 1 : i + 1 + parent.rng.randint(1, 3)]:
                child.account.parent = parent.account
                child.account.hierarchy_label = "Subsidiary"
                updates.append(child.account)
            i += 4
        else:
            i += 1
    for batch in _batches(updates):
        Account.objects.bulk_update(batch, ["parent", "hierarchy_label"], batch_size=BATCH)


def _dimensions(drafts: list[Draft]) -> None:
    """A region and seats for every account, a contract date for every customer, a success plan for most."""
    dimensions = {
        key: CustomDimension.objects.get_or_create(
            entity="account", key=key, defaults={"label": label, "data_type": kind, "choices": choices, "order": i}
        )[0]
        for i, (key, label, kind, choices) in enumerate(DIMENSIONS)
    }

    def rows() -> Iterator[AccountDimensionValue]:
        for d in drafts:
            account = d.account
            yield AccountDimensionValue(account=account, dimension=dimensions["region"], value_text=d.region)
            if d.story.trial:
                continue
            yield AccountDimensionValue(account=account, dimension=dimensions["seats"], value_number=d.story.seats)
            signed = account.join_date - d.rng.randint(1, 20) * DAY
            yield AccountDimensionValue(account=account, dimension=dimensions["contract_signed"], value_date=signed)
            if d.rng.random() < 0.8:
                plan = d.rng.choice(SUCCESS_PLANS[d.story.size])
                yield AccountDimensionValue(account=account, dimension=dimensions["success_plan"], value_text=plan)

    _bulk(AccountDimensionValue, rows())


def _csms(drafts: list[Draft], csms: list[Any]) -> None:
    """CSM assignments with history: every enterprise has a CSM, one SMB account in six has none, one account in
    ten has two, and some changed CSM along the way."""
    links, history = [], []
    if not csms:
        return
    for d in drafts:
        rng, account = d.rng, d.account
        if d.story.size == "SMB" and rng.random() < 0.17:
            continue
        chosen = rng.sample(csms, 2 if rng.random() < 0.1 and len(csms) > 1 else 1)
        d.csm = chosen[0]
        start = timezone.make_aware(datetime.datetime.combine(account.join_date, datetime.time(9)))
        if rng.random() < 0.15 and (d.end - account.join_date).days > 200:
            previous = rng.choice(csms)
            handover = start + datetime.timedelta(days=rng.randint(90, (d.end - account.join_date).days - 30))
            history.append(AssignmentHistory(account=account, user=previous, started_at=start, ended_at=handover))
            start = handover
        for user in chosen:
            links.append(AccountCSM(account=account, user=user, assigned_at=start))
            history.append(AssignmentHistory(account=account, user=user, started_at=start))
    _bulk(AccountCSM, links)
    _bulk(AssignmentHistory, history)


def _contacts(drafts: list[Draft]) -> int:
    def rows() -> Iterator[Contact]:
        for d in drafts:
            for k, person in enumerate(d.people):
                person.contact = Contact(
                    user_id=f"{d.account.account_id}-u{k + 1}",
                    name=person.name,
                    email=person.email,
                    title=person.title,
                    role=person.role,
                    first_seen=person.first_seen,
                    last_seen=person.last_seen,
                    email_opt_out=d.rng.random() < 0.04,
                )
                yield person.contact

    contacts = _bulk(Contact, rows())
    _bulk(AccountContact, (AccountContact(account=d.account, contact=p.contact) for d in drafts for p in d.people))
    return len(contacts)


def _backdate(model: type, rows: list[tuple[Any, datetime.datetime]]) -> None:
    """Give rows whose creation time the database stamps (auto_now_add) the time they were really written."""
    objects = []
    for obj, moment in rows:
        obj.created_at = obj.updated_at = moment
        objects.append(obj)
    for batch in _batches(objects, 1000):
        model.objects.bulk_update(batch, ["created_at", "updated_at"], batch_size=1000)


def _activity(
    drafts: list[Draft],
    today: datetime.date,
    now: datetime.datetime,
    types: dict[str, Any],
    options_of: dict[str, dict[str, Any]],
) -> None:
    """Interactions (with the contact met), tickets, notes, documents and NPS responses of every draft."""
    interactions: list[Interaction] = []
    met: list[tuple[int, Contact]] = []
    fallback_type = next(iter(types.values()))
    for d in drafts:
        champion = d.person("Champion")
        for touch in content.interactions(d, today):
            interactions.append(
                Interaction(
                    account=d.account,
                    date=content.moment(touch.day, d.rng),
                    type=types.get(touch.type, fallback_type),
                    author=d.csm,
                    subject=touch.subject,
                    body=touch.body,
                )
            )
            if touch.with_champion and champion and champion.contact:
                met.append((len(interactions) - 1, champion.contact))
    interactions = _bulk(Interaction, interactions)
    through = Interaction.contacts.through
    _bulk(through, (through(interaction_id=interactions[i].pk, contact_id=c.pk) for i, c in met))

    statuses, priorities, kinds = (options_of[k] for k in ("status", "priority", "type"))
    open_status = statuses.get("Open") or next((o for o in statuses.values() if not o.is_closed), None)
    solved = statuses.get("Solved") or next((o for o in statuses.values() if o.is_closed), None)
    pending = statuses.get("Pending") or open_status

    def ticket_rows() -> Iterator[SupportTicket]:
        for d in drafts:
            requester = d.people[0].contact if d.people else None
            for t in content.tickets(d, now):
                status = solved if t.closed else (pending if d.rng.random() < 0.25 else open_status)
                yield SupportTicket(
                    account=d.account,
                    subject=t.subject,
                    description=t.description,
                    status=status,
                    priority=priorities.get(t.priority),
                    type=kinds.get(t.type),
                    opened_at=t.opened,
                    closed_at=t.closed,
                    requester=requester,
                )

    _bulk(SupportTicket, ticket_rows())

    notes = [
        (Note(account=d.account, author=d.csm, body=body), day, d) for d in drafts for day, body in content.notes(d)
    ]
    saved_notes = _bulk(Note, (n for n, _, _ in notes))
    _backdate(Note, [(n, content.moment(day, d.rng)) for n, (_, day, d) in zip(saved_notes, notes, strict=True)])

    docs = [
        (Document(account=d.account, name=name, url=url, description=description, uploaded_by=d.csm), day, d)
        for d in drafts
        for day, name, url, description in content.documents(d, WORKSPACE_HOST)
    ]
    saved_docs = _bulk(Document, (doc for doc, _, _ in docs))
    _backdate(Document, [(doc, content.moment(day, d.rng)) for doc, (_, day, d) in zip(saved_docs, docs, strict=True)])

    _bulk(
        NpsResponse,
        (
            NpsResponse(
                account=d.account,
                score=score,
                date=day,
                respondent=person.name,
                contact=person.contact,
                survey=f"NPS Q{(day.month - 1) // 3 + 1} {day.year}",
                comment=comment,
            )
            for d in drafts
            for day, score, person, comment in d.nps
        ),
    )


def report() -> list[tuple[str, int]]:
    live = Account.objects.filter(is_deleted=False)
    return [
        ("accounts", live.count()),
        ("churned accounts", live.filter(churned_on__isnull=False).count()),
        ("contacts", Contact.objects.count()),
        ("interactions", Interaction.objects.count()),
        ("notes", Note.objects.count()),
        ("documents", Document.objects.count()),
        ("support tickets", SupportTicket.objects.count()),
        ("NPS responses", NpsResponse.objects.count()),
    ]
