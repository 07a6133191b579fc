"""Sessions, daily roll-ups and activity ranks from raw events, with hand-computed expectations."""

import datetime

import pytest
from django.db.models import Sum

from accounts.models import Account, AccountContact, Contact
from usage import rollups
from usage.models import (
    AccountUsageDaily,
    ActivityRank,
    ContactUsageDaily,
    FeatureUsageDaily,
    ModuleUsageDaily,
    UsageSession,
)
from usage.services import EventRow, events_store

DAY = datetime.date(2026, 5, 12)
_counter = iter(range(1_000_000))


def at(hour: int, minute: int = 0, second: int = 0, day: datetime.date = DAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute, second), tzinfo=datetime.UTC)


def event(account="acme", user="u1", action="feature", when=None, **extra) -> EventRow:
    fields = {"module": "", "feature": "", "quantity": None, "duration_ms": None, "session_id": "", "product": ""}
    if action == "feature":
        fields.update(feature="export", module="reports", quantity=1.0)
    fields.update(extra)
    return EventRow(
        event_id=f"e{next(_counter)}",
        account_id=account,
        user_id=user,
        action=action,
        occurred_at=when or at(9),
        **fields,
    )


@pytest.fixture
def acme(db):
    account = Account.objects.create(account_id="acme", name="Acme")
    for user in ("u1", "u2", "u3"):
        contact = Contact.objects.create(user_id=user, name=user.upper())
        AccountContact.objects.create(account=account, contact=contact)
    return account


def run_day(day=DAY):
    return rollups.usage_day_compute(as_of=day)


def sessions(user="u1"):
    return list(UsageSession.objects.filter(user_id=user).order_by("started_at").values_list("seconds", "events"))


def test_a_gap_of_30_minutes_starts_a_new_session(acme):
    events_store(
        source_id=1,
        rows=[
            event(when=at(9, 0)),
            event(when=at(9, 10)),
            event(when=at(9, 39, 59)),  # gaps under 30 min
            event(when=at(10, 9, 58)),  # 29:59 later: same session
            event(when=at(10, 40)),  # 30:02 later: new session
            event(when=at(11, 10)),  # exactly 30:00 later: new session
        ],
    )
    run_day()
    assert sessions() == [(4198.0, 4), (0.0, 1), (0.0, 1)]


def test_events_out_of_order_make_the_same_sessions(acme):
    events_store(
        source_id=1,
        rows=[event(when=at(10, 9, 58)), event(when=at(9, 0)), event(when=at(9, 39, 59)), event(when=at(9, 10))],
    )
    run_day()
    assert sessions() == [(4198.0, 4)]


def test_client_session_ids_and_reported_active_time_win(acme):
    events_store(
        source_id=1,
        rows=[
            event(when=at(9, 0), session_id="s-1"),
            event(when=at(11, 0), session_id="s-1"),  # two hours later, but the client says it is one session
            event(action="sessionSync", when=at(11, 1), session_id="s-1", duration_ms=900_000),
            event(action="moduleEnd", module="dashboard", when=at(14, 0), duration_ms=120_000),
            event(when=at(14, 1)),
        ],
    )
    run_day()
    # s-1: the client's 900 s of active time; the gap session: 60 s span < 120 s of module time.
    assert sorted(sessions()) == [(120.0, 2), (900.0, 3)]


def test_identify_calls_are_not_usage(acme):
    events_store(source_id=1, rows=[event(action="identifyUser", when=at(9)), event(action="identifyAccount")])
    counts = run_day()
    assert counts["accounts"] == 0 and not UsageSession.objects.exists()


def test_daily_rollups_per_account_contact_module_and_feature(acme):
    other_day = DAY - datetime.timedelta(days=1)
    events_store(
        source_id=1,
        rows=[
            event(user="u1", when=at(9, 0), quantity=3.0),
            event(user="u1", when=at(9, 5), feature="share", module="reports"),
            event(user="u2", when=at(13, 0)),
            event(user="u2", action="moduleEnd", module="dashboard", when=at(13, 20), duration_ms=600_000),
            event(user="u2", when=at(23, 59, 59)),
            event(user="u1", when=at(23, 0, day=other_day)),  # another day
            event(account="unknown-account", when=at(9, 0)),  # no such account: ignored
        ],
    )
    run_day()
    usage = AccountUsageDaily.objects.get(account=acme, date=DAY)
    assert (usage.events, usage.active_users, usage.sessions) == (5, 2, 3)
    # u1: 300 s; u2: 13:00-13:20 gives 1200 s span vs 600 s of module time; then a lone event at 23:59:59.
    assert usage.session_seconds == 1500.0
    per_contact = dict(ContactUsageDaily.objects.filter(date=DAY).values_list("contact__user_id", "events"))
    assert per_contact == {"u1": 2, "u2": 3}
    assert list(ModuleUsageDaily.objects.values_list("module", "user_id", "seconds")) == [("dashboard", "u2", 600.0)]
    features = dict(
        FeatureUsageDaily.objects.filter(date=DAY)
        .values("feature")
        .annotate(n=Sum("count"))
        .values_list("feature", "n")
    )
    assert features == {"export": 5.0, "share": 1.0}


def test_rerunning_a_day_leaves_identical_rows(acme):
    events_store(source_id=1, rows=[event(when=at(9, m)) for m in range(0, 60, 7)])
    run_day()
    first = list(AccountUsageDaily.objects.values_list("account_id", "date", "events", "session_seconds"))
    run_day()
    run_day()
    assert list(AccountUsageDaily.objects.values_list("account_id", "date", "events", "session_seconds")) == first
    assert UsageSession.objects.count() == 1


def _usage(account, day, seconds):
    AccountUsageDaily.objects.create(
        account=account, date=day, events=1, active_users=1, sessions=1, session_seconds=seconds
    )


def test_activity_rank_is_the_share_of_active_peers_with_less_time(db):
    accounts = {n: Account.objects.create(account_id=n, name=n) for n in "ABCDE"}
    for name, seconds in {"A": 100, "B": 200, "C": 200, "D": 400}.items():
        _usage(accounts[name], DAY - datetime.timedelta(days=3), seconds)
    # E used the product 31 days ago only: outside the window, not a peer.
    _usage(accounts["E"], DAY - datetime.timedelta(days=30), 999)
    rollups.activity_ranks_compute(as_of=DAY)
    ranks = dict(ActivityRank.objects.filter(entity="account", date=DAY).values_list("object_id", "rank"))
    ids = {n: a.pk for n, a in accounts.items()}
    # 4 peers; A: none below (0), B and C tie: one below (25), D: three below (75).
    assert ranks == {ids["A"]: 0.0, ids["B"]: 25.0, ids["C"]: 25.0, ids["D"]: 75.0}


def test_churned_accounts_are_not_peers(db):
    a = Account.objects.create(account_id="a", name="a")
    b = Account.objects.create(account_id="b", name="b", churned_on=DAY - datetime.timedelta(days=1))
    _usage(a, DAY, 10)
    _usage(b, DAY, 50)
    rollups.activity_ranks_compute(as_of=DAY)
    assert list(ActivityRank.objects.filter(date=DAY).values_list("object_id", "rank")) == [(a.pk, 0.0)]


@pytest.mark.parametrize(("direction", "expected"), [(1, 1), (-1, -1), (0, 0)])
def test_the_trend_is_the_sign_of_the_slope_of_30_daily_ranks(db, direction, expected):
    target = Account.objects.create(account_id="t", name="t")
    peers = [Account.objects.create(account_id=f"p{i}", name=f"p{i}") for i in range(10)]
    for offset in range(10, -1, -1):
        day = DAY - datetime.timedelta(days=offset)
        for i, peer in enumerate(peers):
            _usage(peer, day, 100 + i * 10)
        # Rising: more time every day; falling: less; flat: the same.
        _usage(target, day, 150 + direction * (10 - offset) * 8 if direction >= 0 else 150 + offset * 8)
        rollups.activity_ranks_compute(as_of=day)
    rank = ActivityRank.objects.get(entity="account", object_id=target.pk, date=DAY)
    assert rank.trend == expected


def test_contacts_are_ranked_too(acme):
    contacts = {c.user_id: c for c in Contact.objects.all()}
    for user, seconds in {"u1": 30, "u2": 90}.items():
        ContactUsageDaily.objects.create(
            contact=contacts[user], account=acme, date=DAY, events=1, sessions=1, session_seconds=seconds
        )
    rollups.activity_ranks_compute(as_of=DAY)
    ranks = dict(ActivityRank.objects.filter(entity="contact").values_list("object_id", "rank"))
    assert ranks == {contacts["u1"].pk: 0.0, contacts["u2"].pk: 50.0}
