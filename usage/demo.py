"""Demo product usage: 90 days of events for the demo accounts, written through `events_store` like real ingestion.

Realistic on purpose: modules where users spend time (Dashboard, Reports, ...) and features they use in them
(export, share, ...); one or two sessions a day with hours between them; intensity that varies per account (so
activity ranks spread from 0 to 100), fewer events at weekends, usage that follows the account's latent risk
(accounts/demo/story.py: it falls for a deteriorating account and before a churn, recovers for others), nothing
after an account churned or after a user was last seen (a champion who left), and registered contacts who never use
the product (the non-users of the modules tab). The integrations seeder sends them as its Event API source.
Deterministic: each account draws from its own seeded generator and every event has a fixed id, so running it again
stores nothing twice. Fast: events are built in memory and stored in batches (COPY on PostgreSQL, bulk inserts on
SQLite); no query per event.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from accounts.demo.story import story
from accounts.models import Account, AccountContact, Contact
from usage.services import EventRow, events_store

SEED = 20260102
DAYS = 90
DEMO_PREFIX = "DEMO-"
BATCH = 20_000
PRODUCT = "Natero demo app"

# module: (weight, typical seconds per visit, features used there)
MODULES: dict[str, tuple[float, int, list[str]]] = {
    "Dashboard": (0.40, 420, ["share", "filter", "add_widget"]),
    "Reports": (0.28, 720, ["create_report", "export", "schedule_report"]),
    "Accounts": (0.15, 540, ["search", "export", "bulk_edit"]),
    "Integrations": (0.07, 300, ["connect_source", "sync_now"]),
    "Settings": (0.06, 180, ["invite_user", "change_plan"]),
    "Billing": (0.04, 120, ["download_invoice"]),
}
MODULE_NAMES = list(MODULES)
MODULE_WEIGHTS = [MODULES[name][0] for name in MODULE_NAMES]


def _engagement(intensity: float, risk: float) -> float:
    """How likely a user is to use the product on a weekday, given the account's intensity and latent risk."""
    return intensity * (1.1 - risk) ** 1.5


def _account_events(
    account: dict[str, Any],
    users: list[dict[str, Any]],
    *,
    start: datetime.date,
    today: datetime.date,
    now: datetime.datetime,
) -> list[EventRow]:
    """The events of one account: each user who uses the product is active between their first and last seen, as
    often as the account's latent risk on the day allows (accounts/demo/story.py): usage falls as the risk rises."""
    account_rng = random.Random(f"{SEED}:{account['account_id']}")
    account_story = story(account["account_id"])
    end = account["churned_on"] or today
    intensity = account_rng.uniform(0.6, 1.0)
    rows: list[EventRow] = []
    last_day = min(today, account["churned_on"] - datetime.timedelta(days=1)) if account["churned_on"] else today
    ext = account["account_id"]
    # Every user has their own appetite and their own generator (so a user's days do not depend on the others');
    # only those with a first and last seen use the product at all, and no later than the day they were last seen.
    active_users = [
        (
            user["user_id"],
            account_rng.uniform(0.5, 1.3),
            user["first_seen"].date(),
            user["last_seen"].date(),
            random.Random(f"{SEED}:{ext}:{user['user_id']}"),
        )
        for user in users
        if user["first_seen"] and user["last_seen"]
    ]
    day = start
    while day <= last_day:
        risk = account_story.risk((end - day).days)
        engagement = _engagement(intensity, risk)
        weekend = 0.25 if day.weekday() >= 5 else 1.0
        for user, appetite, first_seen, last_seen, rng in active_users:
            if not first_seen <= day <= last_seen or rng.random() >= min(0.95, engagement * appetite * weekend):
                continue
            sessions = 2 if rng.random() < 0.3 * engagement else 1
            hour = rng.randint(7, 12)
            for s in range(sessions):
                started = datetime.datetime.combine(
                    day, datetime.time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=datetime.UTC
                )
                hour += rng.randint(2, 5)  # the second session starts hours later: well past the 30-minute gap
                if started > now or started.date() != day:
                    break
                session_id = f"{user}-{day:%Y%m%d}-{s}"
                key = f"demo:{ext}:{session_id}"
                clock = started
                active = 0.0
                n = 0
                for _ in range(rng.randint(1, 2 if risk > 0.6 else 3)):
                    module = rng.choices(MODULE_NAMES, MODULE_WEIGHTS)[0]
                    _, typical, features = MODULES[module]
                    for _ in range(rng.choice([0, 1, 1, 2, 3])):
                        clock += datetime.timedelta(seconds=rng.randint(20, 240))
                        rows.append(
                            EventRow(
                                event_id=f"{key}:{n}",
                                account_id=ext,
                                user_id=user,
                                action="feature",
                                module=module,
                                feature=rng.choice(features),
                                quantity=float(rng.choice([1, 1, 1, 2, 3])),
                                duration_ms=None,
                                session_id=session_id,
                                product=PRODUCT,
                                occurred_at=clock,
                            )
                        )
                        n += 1
                    spent = max(15, int(rng.gauss(typical, typical / 3) * (0.3 + engagement)))
                    active += spent
                    clock = max(clock, started + datetime.timedelta(seconds=active))
                    rows.append(
                        EventRow(
                            event_id=f"{key}:{n}",
                            account_id=ext,
                            user_id=user,
                            action="moduleEnd",
                            module=module,
                            feature="",
                            quantity=None,
                            duration_ms=spent * 1000,
                            session_id=session_id,
                            product=PRODUCT,
                            occurred_at=clock,
                        )
                    )
                    n += 1
                rows.append(
                    EventRow(
                        event_id=f"{key}:{n}",
                        account_id=ext,
                        user_id=user,
                        action="sessionSync",
                        module="",
                        feature="",
                        quantity=None,
                        duration_ms=int(active * 1000 * rng.uniform(1.0, 1.15)),
                        session_id=session_id,
                        product=PRODUCT,
                        occurred_at=clock + datetime.timedelta(seconds=5),
                    )
                )
        day += datetime.timedelta(days=1)
    return [row for row in rows if row.occurred_at <= now]


def seed_usage(*, source_id: int = 0, stdout: Any = None, **options: Any) -> int:
    """Store 90 days of product events (up to now) for every live demo account as sent by the source `source_id`;
    safe to run again. Returns how many events were new."""
    now = timezone.now()
    today = now.date()
    start = today - datetime.timedelta(days=DAYS - 1)
    live = list(
        Account.objects.filter(account_id__startswith=DEMO_PREFIX, is_deleted=False)
        .order_by("account_id")
        .values("pk", "account_id", "churned_on")
    )
    users: dict[int, list[dict[str, Any]]] = {}
    for link in (
        AccountContact.objects.filter(account__in=[a["pk"] for a in live])
        .exclude(contact__user_id="")
        .order_by("contact__user_id")
        .values("account_id", "contact_id", "contact__user_id", "contact__first_seen", "contact__last_seen")
    ):
        users.setdefault(link["account_id"], []).append(
            {
                "user_id": link["contact__user_id"],
                "first_seen": link["contact__first_seen"],
                "last_seen": link["contact__last_seen"],
                "contact_id": link["contact_id"],
            }
        )
    stored = built = 0
    batch: list[EventRow] = []
    last_events: dict[int, datetime.datetime] = {}
    for account in live:
        rows = _account_events(account, users.get(account["pk"], []), start=start, today=today, now=now)
        _last_events_note(last_events, users.get(account["pk"], []), rows)
        batch.extend(rows)
        if len(batch) >= BATCH:
            built += len(batch)
            stored += events_store(source_id=source_id, rows=batch, received_at=now)
            batch = []
    if batch:
        built += len(batch)
        stored += events_store(source_id=source_id, rows=batch, received_at=now)
    _last_seen_align(last_events)
    if stdout:
        stdout.write(
            f"  {stored:,} product events stored ({built - stored:,} already there) for {len(live):,} accounts."
        )
    return stored


def _last_events_note(
    last_events: dict[int, datetime.datetime], users: list[dict[str, Any]], rows: list[EventRow]
) -> None:
    """Note in `last_events` the time of each user's last event among `rows`, by contact id, where it is earlier
    than the contact's last seen."""
    latest: dict[str, datetime.datetime] = {}
    for row in rows:
        if row.user_id not in latest or row.occurred_at > latest[row.user_id]:
            latest[row.user_id] = row.occurred_at
    for user in users:
        last = latest.get(user["user_id"])
        if last and user["last_seen"] and last < user["last_seen"]:
            last_events[user["contact_id"]] = last


def _last_seen_align(last_events: dict[int, datetime.datetime]) -> None:
    """A demo user was last seen at their last product event: users of a fading account stop using the product
    some time before the day the accounts seeder drew for them, and their contact says so."""
    contacts = list(Contact.objects.filter(pk__in=last_events).only("pk", "last_seen"))
    for contact in contacts:
        contact.last_seen = last_events[contact.pk]
    Contact.objects.bulk_update(contacts, ["last_seen"], batch_size=1000)
