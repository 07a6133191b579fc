"""Revenue history: a subscription changed in place (Account API, CSV import, Stripe) keeps what was in force
before the change's effective date, so closed months keep their MRR movements. Over HTTP."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Account
from integrations.models import SourceKind
from integrations.services import source_create
from revenue.models import MrrMovement, Subscription, SubscriptionHistory
from revenue.mrr import mrr_movements_compute, mrr_on
from revenue.services import subscriptions_bulk_upsert
from tests.integrations.conftest import post_json
from tests.integrations.test_stripe_payloads import event, subscription
from tests.integrations.test_webhooks import stripe_post

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def api_source(db):
    source, key = source_create(name="Product API", kind=SourceKind.API, by=None)
    source.key = key
    return source


@pytest.fixture
def stripe_source(db):
    return source_create(name="Stripe", kind=SourceKind.STRIPE, by=None, webhook_secret="whsec_test_secret")[0]


@pytest.fixture
def acme(db):
    return Account.objects.create(account_id="acme", name="Acme", billing_account_id="cus_acme")


def movement(account, month):
    found = MrrMovement.objects.filter(account=account, month=month).first()
    return (found.kind, float(found.start_mrr), float(found.end_mrr)) if found else None


def close_months(*as_of: datetime.date) -> None:
    for day in as_of:
        mrr_movements_compute(as_of=day)


def api_subscriptions(client, api_source, **record):
    body = {"records": [{"subscription_id": "sub-1", "account_id": "acme", "start_date": "2026-10-05", **record}]}
    return post_json(client, f"/api/v2/subscriptions?api_key={api_source.key}", body).json()


def test_an_upgrade_on_25_november_leaves_octobers_new_79(client, api_source, acme):
    assert api_subscriptions(client, api_source, amount="79", effective_date="2026-10-05")["status_is_ok"]
    close_months(D(2026, 11, 5))
    assert movement(acme, D(2026, 10, 1)) == ("new", 0, 79)
    answer = api_subscriptions(client, api_source, amount="128", effective_date="2026-11-25")
    assert answer["status_is_ok"] and answer["updated"] == 1
    # Recomputing every month since (a backfill) leaves October as it closed and shows November's expansion.
    close_months(D(2026, 11, 5), D(2026, 12, 5))
    assert movement(acme, D(2026, 10, 1)) == ("new", 0, 79)
    assert movement(acme, D(2026, 11, 1)) == ("expansion", 79, 128)
    assert mrr_on(D(2026, 11, 24))[acme.pk] == 79 and mrr_on(D(2026, 11, 25))[acme.pk] == 128
    assert Subscription.objects.get().amount == Decimal("128")


def test_a_change_without_an_effective_date_takes_effect_today(client, api_source, acme):
    api_subscriptions(client, api_source, amount="79")
    api_subscriptions(client, api_source, amount="99", line_items=[{"kind": "discount", "name": "Loyal", "amount": 9}])
    today = timezone.now().date()
    kept = SubscriptionHistory.objects.get()
    assert (kept.until, kept.amount) == (today, Decimal("79"))
    assert mrr_on(today - datetime.timedelta(days=1))[acme.pk] == 79
    assert mrr_on(today)[acme.pk] == 90


def test_a_change_that_leaves_the_mrr_alone_keeps_no_history(client, api_source, acme):
    api_subscriptions(client, api_source, amount="79", plan="Basic")
    api_subscriptions(client, api_source, amount="79", plan="Basic, renamed", renews=False)
    assert not SubscriptionHistory.objects.exists()


@pytest.mark.parametrize("value", ["25/11/2026", "2026-02-30", "soon", 20261125])
def test_a_bad_effective_date_is_refused_naming_the_field(client, api_source, acme, value):
    api_subscriptions(client, api_source, amount="79")
    answer = api_subscriptions(client, api_source, amount="128", effective_date=value)
    assert not answer["status_is_ok"]
    assert "effective_date" in answer["failed_results"][0]["message"]
    assert Subscription.objects.get().amount == Decimal("79") and not SubscriptionHistory.objects.exists()


def test_a_back_dated_change_replaces_what_was_recorded_after_it(acme):
    record = {"subscription_id": "s", "account": acme, "start_date": D(2026, 1, 1)}
    subscriptions_bulk_upsert(records=[{**record, "amount": 100}])
    subscriptions_bulk_upsert(records=[{**record, "amount": 200, "effective_date": D(2026, 6, 1)}])
    subscriptions_bulk_upsert(records=[{**record, "amount": 150, "effective_date": D(2026, 3, 1)}])
    assert [mrr_on(D(2026, m, 15))[acme.pk] for m in (2, 4, 7)] == [100, 150, 150]
    subscriptions_bulk_upsert(records=[{**record, "amount": 300, "effective_date": D(2026, 3, 1)}])
    assert [mrr_on(D(2026, m, 15))[acme.pk] for m in (2, 4, 7)] == [100, 300, 300]
    # A change dated in the future applies from then; today's figure is the one in force now.
    subscriptions_bulk_upsert(records=[{**record, "amount": 50, "effective_date": D(2026, 9, 1)}])
    assert [mrr_on(D(2026, m, 15))[acme.pk] for m in (8, 9)] == [300, 50]


CSV = (
    "subscription_id,account_id,plan,start_date,end_date,amount,currency,cycle_length,cycle_unit,renews,addons,"
    "discounts,effective_date\n"
    "sub-1,acme,Growth,2026-10-05,,{amount},USD,1,month,yes,,,{effective}\n"
)


@pytest.fixture
def csv_source(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    source, key = source_create(name="Nightly export", kind=SourceKind.CSV, by=None)
    source.key = key
    return source


def post_csv(client, source, amount: str, effective: str = ""):
    data = CSV.format(amount=amount, effective=effective).encode()
    return client.generic(
        "POST", f"/api/v2/imports/subscriptions?api_key={source.key}", data, content_type="text/csv"
    ).json()


def test_a_csv_re_import_with_a_new_price_keeps_the_closed_month(client, csv_source, acme):
    assert post_csv(client, csv_source, "79")["created"] == 1
    close_months(D(2026, 11, 5))
    again = post_csv(client, csv_source, "79", "2026-11-25")
    assert again["unchanged"] == 1  # the same file again changes nothing
    assert post_csv(client, csv_source, "128", "2026-11-25")["updated"] == 1
    close_months(D(2026, 11, 5), D(2026, 12, 5))
    assert movement(acme, D(2026, 10, 1)) == ("new", 0, 79)
    assert movement(acme, D(2026, 11, 1)) == ("expansion", 79, 128)
    bad = post_csv(client, csv_source, "150", "25.11.2026")
    assert bad["errors"][0]["field"] == "effective_date"
    assert Subscription.objects.get().amount == Decimal("128")


def test_a_stripe_upgrade_takes_effect_at_the_events_time(client, stripe_source, acme):
    stripe_post(client, stripe_source, event("evt_1", "customer.subscription.created", subscription()))
    close_months(D(2026, 11, 5))
    upgraded = subscription()
    upgraded["items"]["data"][0]["price"].update(unit_amount=12800, unit_amount_decimal="12800")
    response = stripe_post(
        client,
        stripe_source,
        event("evt_2", "customer.subscription.updated", upgraded, created=D(2026, 11, 25)),
    )
    assert response.status_code == 200
    close_months(D(2026, 11, 5), D(2026, 12, 5))
    assert movement(acme, D(2026, 10, 1)) == ("new", 0, 99)
    assert movement(acme, D(2026, 11, 1)) == ("expansion", 99, 128)
