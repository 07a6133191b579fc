"""The account page's reads of the usage roll-ups: modules and features, and the latest activity ranks."""

import datetime

import pytest

from accounts.models import Account, AccountContact, Contact
from usage import selectors
from usage.models import ActivityRank, FeatureUsageDaily, ModuleUsageDaily

DAY = datetime.date(2026, 5, 31)


def ago(days: int) -> datetime.date:
    return DAY - datetime.timedelta(days=days)


@pytest.fixture
def acme(db):
    """Acme with four registered users (u1-u4) and one contact without a user id (not a registered user)."""
    account = Account.objects.create(account_id="acme", name="Acme")
    for user in ("u1", "u2", "u3", "u4", ""):
        contact = Contact.objects.create(user_id=user, name=user or "CRM only", email=f"{user or 'crm'}@acme.example")
        AccountContact.objects.create(account=account, contact=contact)
    return account


def module(account, day, name, user, seconds):
    ModuleUsageDaily.objects.create(account=account, date=day, module=name, user_id=user, seconds=seconds, events=1)


def feature(account, day, name, user, count, module_name="Reports"):
    FeatureUsageDaily.objects.create(
        account=account, date=day, feature=name, module=module_name, user_id=user, count=count
    )


def test_it_summarises_modules_over_the_last_30_days(acme):
    other = Account.objects.create(account_id="other", name="Other")
    module(acme, DAY, "Reports", "u1", 600)
    module(acme, ago(1), "Reports", "u1", 300)
    module(acme, ago(1), "Reports", "u2", 300)
    module(acme, ago(5), "Dashboard", "u3", 100)
    module(acme, ago(5), "Dashboard", "", 50)  # an anonymous user: time counts, not a user
    module(acme, ago(29), "Settings", "u1", 10)  # first day of the window
    module(acme, ago(30), "Reports", "u4", 9999)  # outside the window
    module(other, DAY, "Reports", "u4", 9999)  # another account
    usage = selectors.account_modules_features(account=acme, as_of=DAY)
    assert (usage.start, usage.end, usage.registered_users) == (ago(29), DAY, 4)
    reports, dashboard, settings = usage.modules
    # Reports: 1200 s over 3 user-days (u1 twice, u2 once) on 2 days; u3 and u4 did not use it.
    assert (reports.name, reports.total, reports.per_user_day, reports.days_used) == ("Reports", 1200, 400, 2)
    assert (reports.users, reports.non_users, reports.last_used) == (2, 2, DAY)
    assert (reports.total_text, reports.per_user_day_text) == ("20 min", "7 min")
    assert (dashboard.total, dashboard.per_user_day, dashboard.days_used) == (150, 75, 1)
    assert (dashboard.users, dashboard.non_users, dashboard.last_used) == (1, 3, ago(5))
    assert (settings.total, settings.users, settings.non_users, settings.last_used) == (10, 1, 3, ago(29))
    assert usage.modules_total == 3


def test_it_summarises_features_by_count(acme):
    feature(acme, DAY, "export", "u1", 3)
    feature(acme, ago(2), "export", "u1", 1)
    feature(acme, DAY, "export", "stranger", 2)  # a user who is not a registered contact of Acme
    feature(acme, ago(3), "share", "u2", 1, module_name="Dashboard")
    feature(acme, ago(3), "share", "u3", 1, module_name="Dashboard")
    usage = selectors.account_modules_features(account=acme, as_of=DAY)
    export, share = usage.features
    # export: 6 uses over 3 user-days on 2 days by 2 users, of whom 1 registered: 3 registered non-users.
    assert (export.name, export.module, export.total, export.per_user_day) == ("export", "Reports", 6, 2)
    assert (export.days_used, export.users, export.non_users, export.last_used) == (2, 2, 3, DAY)
    assert (share.module, share.total, share.per_user_day, share.users, share.non_users) == ("Dashboard", 2, 1, 2, 2)
    assert (export.total_text, export.per_user_day_text) == ("6", "2.0")


def test_it_limits_to_the_top_items_and_says_how_many(acme):
    for n in range(12):
        module(acme, DAY, f"M{n:02d}", "u1", 100 + n)
    usage = selectors.account_modules_features(account=acme, as_of=DAY, limit=10)
    assert [m.name for m in usage.modules][:2] == ["M11", "M10"] and len(usage.modules) == 10
    assert usage.modules_total == 12 and usage.features == [] and not usage.is_empty


def test_it_reads_in_three_queries(acme, django_assert_num_queries):
    for n in range(5):
        module(acme, ago(n), "Reports", f"u{n}", 60)
        feature(acme, ago(n), "export", f"u{n}", 1)
    with django_assert_num_queries(3):
        selectors.account_modules_features(account=acme, as_of=DAY)


def test_no_usage_is_empty(acme):
    usage = selectors.account_modules_features(account=acme, as_of=DAY)
    assert usage.is_empty and usage.registered_users == 4


def test_latest_activity_ranks_come_from_the_latest_day(acme, django_assert_num_queries):
    contacts = list(Contact.objects.order_by("user_id"))
    a, b = contacts[1], contacts[2]
    ActivityRank.objects.create(entity="contact", object_id=a.pk, date=ago(1), seconds_30d=10, rank=10, trend=-1)
    ActivityRank.objects.create(entity="contact", object_id=a.pk, date=DAY, seconds_30d=50, rank=75, trend=1)
    ActivityRank.objects.create(entity="contact", object_id=b.pk, date=ago(1), seconds_30d=5, rank=0, trend=0)
    ActivityRank.objects.create(entity="account", object_id=acme.pk, date=DAY, seconds_30d=5, rank=40, trend=-1)
    with django_assert_num_queries(1):
        ranks = selectors.latest_activity_ranks(entity="contact", object_ids=[a.pk, b.pk])
    # b was not active in the window ending on the latest day: it has no rank (not yesterday's).
    assert {pk: (r.rank, r.trend) for pk, r in ranks.items()} == {a.pk: (75, 1)}
    assert selectors.latest_activity_ranks(entity="contact", object_ids=[]) == {}


def test_account_facts_say_when_there_is_no_rank(acme):
    (fact,) = selectors.account_activity_facts(acme)
    assert fact.value == "—" and "no session time" in fact.hint
    ActivityRank.objects.create(entity="account", object_id=acme.pk, date=DAY, seconds_30d=5, rank=62.4, trend=-1)
    (fact,) = selectors.account_activity_facts(acme)
    assert (fact.value, fact.trend_arrow, fact.trend_label) == ("62", "↓", "falling")


def test_duration_text():
    assert [selectors.duration_text(s) for s in (0, 59, 60, 89, 3599, 3600, 7530)] == [
        "0 s",
        "59 s",
        "1 min",
        "1 min",
        "1 h 00 min",
        "1 h 00 min",
        "2 h 06 min",
    ]
