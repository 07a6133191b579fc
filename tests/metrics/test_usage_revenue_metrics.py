"""Built-in usage and revenue metrics, including their roll-up to parent accounts."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account, AccountContact, Contact
from metrics.models import MetricValue
from metrics.services import metric_values_compute
from revenue.models import Invoice, Subscription
from usage.models import AccountUsageDaily, ActivityRank, UsageSession

DAY = datetime.date(2026, 6, 30)


def values(key):
    return dict(MetricValue.objects.filter(metric__key=key, date=DAY).values_list("account__account_id", "value"))


@pytest.fixture
def tree(db):
    """group -> region -> shop, plus a standalone account."""
    group = Account.objects.create(account_id="group", name="Group")
    region = Account.objects.create(account_id="region", name="Region", parent=group)
    shop = Account.objects.create(account_id="shop", name="Shop", parent=region)
    solo = Account.objects.create(account_id="solo", name="Solo")
    return {"group": group, "region": region, "shop": shop, "solo": solo}


def usage(account, day=DAY, events=0, users=0, sessions=0, seconds=0.0):
    AccountUsageDaily.objects.create(
        account=account, date=day, events=events, active_users=users, sessions=sessions, session_seconds=seconds
    )


def test_usage_metrics_roll_up_to_parents(tree):
    usage(tree["group"], events=1, users=1, sessions=1, seconds=60)
    usage(tree["region"], events=10, users=2, sessions=3, seconds=600)
    usage(tree["shop"], events=100, users=4, sessions=5, seconds=1200)
    usage(tree["solo"], events=7, users=1, sessions=1, seconds=30)
    metric_values_compute(as_of=DAY)
    assert values("events") == {"group": 111, "region": 110, "shop": 100, "solo": 7}
    assert values("session_time") == {"group": 1860, "region": 1800, "shop": 1200, "solo": 30}
    assert values("sessions") == {"group": 9, "region": 8, "shop": 5, "solo": 1}
    # Per active user: the account's own figures, not rolled up.
    assert values("session_time_per_user") == {"group": 60, "region": 300, "shop": 300, "solo": 30}


def test_days_active_and_monthly_active_users(tree):
    solo = tree["solo"]
    for offset in (0, 3, 29):
        usage(solo, day=DAY - datetime.timedelta(days=offset), events=1)
    usage(solo, day=DAY - datetime.timedelta(days=30), events=1)  # outside the 30 days
    for user, offset in (("u1", 0), ("u2", 10), ("u1", 20), ("u3", 31)):
        day = DAY - datetime.timedelta(days=offset)
        started = datetime.datetime.combine(day, datetime.time(9), tzinfo=datetime.UTC)
        UsageSession.objects.create(
            account=solo,
            user_id=user,
            date=day,
            session_key=f"g:{offset}",
            started_at=started,
            ended_at=started,
            seconds=10,
            events=1,
        )
    for user in ("u1", "u2", "u3", "u4"):
        AccountContact.objects.create(account=solo, contact=Contact.objects.create(user_id=user, name=user))
    AccountUsageDaily.objects.filter(account=solo, date=DAY).update(active_users=1)
    metric_values_compute(as_of=DAY)
    assert values("days_active_30") == {"solo": 3}
    assert values("monthly_active_users") == {"solo": 2}
    assert values("mau_percent") == {"solo": 50}
    assert values("dau_percent") == {"solo": 25}


def test_activity_rank_metric_reads_the_daily_ranks(tree):
    ActivityRank.objects.create(entity="account", object_id=tree["shop"].pk, date=DAY, seconds_30d=5, rank=40)
    ActivityRank.objects.create(entity="contact", object_id=tree["shop"].pk, date=DAY, seconds_30d=5, rank=90)
    metric_values_compute(as_of=DAY)
    assert values("activity_rank") == {"shop": 40}


def test_mrr_and_arr_roll_up_and_invoices_age(tree):
    for name, amount in (("region", "100"), ("shop", "50"), ("solo", "20")):
        Subscription.objects.create(
            account=tree[name], subscription_id=f"s-{name}", start_date=DAY, amount=Decimal(amount)
        )
    Invoice.objects.create(
        account=tree["solo"], invoice_id="i1", issued_on=DAY - datetime.timedelta(days=12), amount=Decimal(20)
    )
    Invoice.objects.create(
        account=tree["solo"],
        invoice_id="i2",
        issued_on=DAY - datetime.timedelta(days=40),
        amount=Decimal(20),
        is_paid=True,
        paid_on=DAY - datetime.timedelta(days=35),
    )
    Invoice.objects.create(
        account=tree["shop"],
        invoice_id="i3",
        issued_on=DAY - datetime.timedelta(days=5),
        amount=Decimal(20),
        is_paid=True,
        paid_on=DAY + datetime.timedelta(days=1),
    )
    metric_values_compute(as_of=DAY)
    assert values("mrr") == {"group": 150, "region": 150, "shop": 50, "solo": 20}
    assert values("arr") == {"group": 1800, "region": 1800, "shop": 600, "solo": 240}
    assert values("days_invoice_open") == {"solo": 12, "shop": 5}
