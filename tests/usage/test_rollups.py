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


def _slope_sign(points: list[tuple[int, int]]) -> int:
    """The sign of the least-squares slope through (x, y) points, computed the textbook way (means first)."""
    if len(points) < 2:
        return 0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points)
    return 0 if abs(slope) < 1e-9 else (1 if slope > 0 else -1)


def _usage_pattern(accounts, day_index):
    """Varied usage over 45 days: steady, rising, falling, a comeback after 35 silent days, and a churn spell."""
    steady, rising, falling, comeback, churner = accounts
    seconds = {steady: 300, rising: 50 + 20 * day_index, falling: 1200 - 25 * day_index, churner: 400}
    if day_index in (2, 3) or day_index >= 38:
        seconds[comeback] = 900 - day_index
    return seconds


def test_trend_sums_carried_day_to_day_equal_the_ranks_of_each_window(db):
    """Each day's trend comes from yesterday's sums plus today's rank minus the one leaving the window; the sums
    and the trend must equal those recomputed from the stored ranks of the window, through gaps (an account back
    after 35 silent days, one whose churn date is set and cleared) and as ranks leave the window."""
    accounts = [Account.objects.create(account_id=f"t{i}", name=f"t{i}") for i in range(5)]
    churner = accounts[4]
    start = DAY - datetime.timedelta(days=44)
    for index in range(45):
        day = start + datetime.timedelta(days=index)
        for account, seconds in _usage_pattern(accounts, index).items():
            _usage(account, day, seconds)
        churner.churned_on = day if 20 <= index < 24 else None
        churner.save(update_fields=["churned_on"])
        rollups.activity_ranks_compute(as_of=day)
    checked = 0
    for row in ActivityRank.objects.filter(entity="account"):
        window = ActivityRank.objects.filter(
            entity="account",
            object_id=row.object_id,
            date__gt=row.date - datetime.timedelta(days=30),
            date__lte=row.date,
        )
        points = [((r.date - datetime.date(2000, 1, 1)).days, round(r.rank * 1000)) for r in window]
        assert (row.trend_n, row.trend_sx, row.trend_sy, row.trend_sxy) == (
            len(points),
            sum(x for x, _ in points),
            sum(y for _, y in points),
            sum(x * y for x, y in points),
        ), row
        assert row.trend == _slope_sign(points), row
        checked += 1
    assert checked > 150
    last = dict(ActivityRank.objects.filter(date=DAY).values_list("object_id", "trend"))
    _, rising, falling, comeback, _ = (a.pk for a in accounts)
    assert (last[rising], last[falling]) == (1, -1)
    # Used on days 2-3, ranked until day 32, silent, back from day 38: its sums were rebuilt on day 38 from the
    # stored ranks, and on the last day its window holds days 15-32 and 38-44.
    assert ActivityRank.objects.get(object_id=comeback, date=DAY).trend_n == 18 + 7


def test_ranks_written_without_sums_are_summed_from_the_stored_ranks(db):
    """Rows from before the trend sums existed (trend_n 0) make the next day rebuild them from the window."""
    accounts = [Account.objects.create(account_id=f"t{i}", name=f"t{i}") for i in range(5)]
    start = DAY - datetime.timedelta(days=9)
    for index in range(10):
        day = start + datetime.timedelta(days=index)
        for account, seconds in _usage_pattern(accounts, index + 30).items():
            _usage(account, day, seconds)
        rollups.activity_ranks_compute(as_of=day)
    carried = list(ActivityRank.objects.filter(date=DAY).order_by("object_id").values_list("trend_sxy", "trend"))
    ActivityRank.objects.filter(date__lt=DAY).update(trend_n=0, trend_sx=0, trend_sy=0, trend_sxy=0)
    rollups.activity_ranks_compute(as_of=DAY)
    rebuilt = list(ActivityRank.objects.filter(date=DAY).order_by("object_id").values_list("trend_sxy", "trend"))
    assert rebuilt == carried
    assert {trend for _, trend in rebuilt} == {-1, 0, 1}


def test_contacts_are_ranked_too(acme):
    contacts = {c.user_id: c for c in Contact.objects.all()}
    for user, seconds in {"u1": 30, "u2": 90}.items():
        ContactUsageDaily.objects.create(
            contact=contacts[user], account=acme, date=DAY, events=1, sessions=1, session_seconds=seconds
        )
    rollups.activity_ranks_compute(as_of=DAY)
    ranks = dict(ActivityRank.objects.filter(entity="contact").values_list("object_id", "rank"))
    assert ranks == {contacts["u1"].pk: 0.0, contacts["u2"].pk: 50.0}
