"""Demo product usage: 90 days of events for the demo accounts, written through `events_store` like real ingestion.

Realistic on purpose: modules where users spend time (Dashboard, Reports, ...) and features they use in them
(export, share, ...); one or two sessions a day with hours between them; intensity that varies per account (so
activity ranks spread from 0 to 100), fewer events at weekends, usage that declines over the period for a few
at-risk accounts and grows for others, nothing after an account churned, and registered contacts who never use the
product (the non-users of the modules tab). Deterministic: each account draws from its own seeded generator and
every event has a fixed id, so running it again stores nothing twice. Fast: events are built in memory and stored
in batches (COPY on PostgreSQL, bulk inserts on SQLite); no query per event.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from accounts.models import Account, AccountContact
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


def _profile(rng: random.Random) -> dict[str, float]:
    """How an account uses the product: base intensity, and a trend over the 90 days."""
    kind = rng.random()
    if kind < 0.10:
        slope = -0.9  # at risk: fades to a tenth of its start
    elif kind < 0.22:
        slope = 0.8  # growing
    else:
        slope = rng.uniform(-0.15, 0.15)
    return {"intensity": rng.betavariate(1.6, 2.4), "slope": slope, "adoption": rng.uniform(0.5, 0.95)}


def _account_events(
    account: dict[str, Any], users: list[str], *, start: datetime.date, today: datetime.date, now: datetime.datetime
) -> list[EventRow]:
    rng = random.Random(f"{SEED}:{account['account_id']}")
    profile = _profile(rng)
    rows: list[EventRow] = []
    # Some registered contacts never use the product; the others each get their own appetite.
    active_users = [(user, rng.uniform(0.4, 1.6)) for user in users if rng.random() < profile["adoption"]]
    last_day = min(today, account["churned_on"] - datetime.timedelta(days=1)) if account["churned_on"] else today
    ext = account["account_id"]
    day = start
    while day <= last_day:
        progress = (day - start).days / (DAYS - 1)
        factor = max(0.05, 1 + profile["slope"] * (progress - (0 if profile["slope"] < 0 else 1)))
        weekend = 0.3 if day.weekday() >= 5 else 1.0
        for user, appetite in active_users:
            p_active = min(0.95, profile["intensity"] * appetite * factor * weekend)
            if rng.random() >= p_active:
                continue
            sessions = 2 if rng.random() < 0.3 else 1
            hour = rng.randint(7, 12)
            for s in range(sessions):
                started = datetime.datetime.combine(
                    day, datetime.time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=datetime.UTC
                )
                hour += rng.randint(2, 5)  # the second session starts hours later: well past the 30-minute gap
                if started > now:
                    break
                session_id = f"{user}-{day:%Y%m%d}-{s}"
                key = f"demo:{ext}:{session_id}"
                clock = started
                active = 0.0
                n = 0
                for _ in range(rng.randint(1, 3)):
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
                    spent = max(15, int(rng.gauss(typical, typical / 3) * (0.5 + profile["intensity"])))
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


def seed_usage(*, accounts: int = 300, stdout: Any = None, **options: Any) -> None:
    """Store 90 days of product events (up to now) for every live demo account; safe to run again."""
    now = timezone.now()
    today = now.date()
    start = today - datetime.timedelta(days=DAYS - 1)
    live = list(
        Account.objects.filter(account_id__startswith=DEMO_PREFIX, is_deleted=False)
        .order_by("account_id")
        .values("pk", "account_id", "churned_on")
    )
    users: dict[int, list[str]] = {}
    for account_pk, user_id in (
        AccountContact.objects.filter(account__in=[a["pk"] for a in live])
        .exclude(contact__user_id="")
        .order_by("contact__user_id")
        .values_list("account_id", "contact__user_id")
    ):
        users.setdefault(account_pk, []).append(user_id)
    stored = built = 0
    batch: list[EventRow] = []
    for account in live:
        batch.extend(_account_events(account, users.get(account["pk"], []), start=start, today=today, now=now))
        if len(batch) >= BATCH:
            built += len(batch)
            stored += events_store(source_id=0, rows=batch, received_at=now)
            batch = []
    if batch:
        built += len(batch)
        stored += events_store(source_id=0, rows=batch, received_at=now)
    if stdout:
        stdout.write(f"  {stored} product events stored ({built - stored} already there) for {len(live)} accounts.")
