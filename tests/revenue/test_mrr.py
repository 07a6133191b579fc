"""MRR, MRR movements (with the 3-day rule) and renewal dates, with hand-computed expectations."""

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account
from revenue.models import Currency, ExchangeRate, MrrMovement, RevenueSettings, Subscription, SubscriptionLineItem
from revenue.mrr import mrr_movements_compute, mrr_on, renewal_dates_refresh

D = datetime.date


@pytest.fixture
def acme(db):
    return Account.objects.create(account_id="acme", name="Acme")


def sub(account, start, end=None, amount="100", unit="month", length=1, currency="USD", renews=True, **kw):
    return Subscription.objects.create(
        account=account,
        subscription_id=f"{account.account_id}-{Subscription.objects.count()}",
        start_date=start,
        end_date=end,
        amount=Decimal(amount),
        cycle_unit=unit,
        cycle_length=length,
        currency=currency,
        renews=renews,
        **kw,
    )


def movement(account, month):
    found = MrrMovement.objects.filter(account=account, month=month).first()
    return (found.kind, float(found.start_mrr), float(found.end_mrr)) if found else None


def test_mrr_normalises_cycles_and_counts_add_ons_and_discounts(acme):
    yearly = sub(acme, D(2026, 1, 1), amount="1200", unit="year")
    SubscriptionLineItem.objects.create(subscription=yearly, kind="addon", name="Seats", amount=Decimal("240"))
    SubscriptionLineItem.objects.create(subscription=yearly, kind="discount", name="Promo", amount=Decimal("-120"))
    sub(acme, D(2026, 1, 1), amount="300", unit="month", length=3)  # quarterly
    sub(acme, D(2026, 1, 1), amount="12", unit="week")
    # (1200 + 240 - 120) / 12 = 110; 300 / 3 = 100; 12 x 52 / 12 = 52.
    assert mrr_on(D(2026, 2, 1))[acme.pk] == pytest.approx(262)


def test_mrr_counts_only_subscriptions_active_that_day(acme):
    sub(acme, D(2026, 3, 1), D(2026, 3, 31), amount="100")
    assert acme.pk not in mrr_on(D(2026, 2, 28))
    assert mrr_on(D(2026, 3, 1))[acme.pk] == 100
    assert mrr_on(D(2026, 3, 31))[acme.pk] == 100
    assert acme.pk not in mrr_on(D(2026, 4, 1))


def test_mrr_converts_at_the_rate_in_force_that_day(acme):
    Currency.objects.create(code="EUR")
    ExchangeRate.objects.create(currency_id="EUR", date=D(2026, 1, 1), rate=Decimal("1.10"))
    ExchangeRate.objects.create(currency_id="EUR", date=D(2026, 3, 1), rate=Decimal("1.20"))
    sub(acme, D(2026, 1, 1), amount="100", currency="EUR")
    assert mrr_on(D(2026, 2, 15))[acme.pk] == pytest.approx(110)
    assert mrr_on(D(2026, 3, 1))[acme.pk] == pytest.approx(120)


def test_a_rate_from_later_is_used_when_none_is_older(acme):
    Currency.objects.create(code="GBP")
    ExchangeRate.objects.create(currency_id="GBP", date=D(2026, 6, 1), rate=Decimal("1.25"))
    sub(acme, D(2026, 1, 1), amount="100", currency="GBP")
    assert mrr_on(D(2026, 2, 1))[acme.pk] == pytest.approx(125)


def test_the_base_currency_setting_changes_what_needs_converting(acme):
    RevenueSettings.objects.update_or_create(pk=1, defaults={"base_currency": "EUR"})
    Currency.objects.create(code="USD")
    ExchangeRate.objects.create(currency_id="USD", date=D(2026, 1, 1), rate=Decimal("0.5"))
    sub(acme, D(2026, 1, 1), amount="100", currency="USD")
    sub(acme, D(2026, 1, 1), amount="10", currency="EUR")
    assert mrr_on(D(2026, 2, 1))[acme.pk] == pytest.approx(60)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        # New: nothing at the end of February, 100 at the end of March.
        (lambda a: sub(a, D(2026, 3, 10)), ("new", 0, 100)),
        # Expansion: an add-on subscription starts in March.
        (lambda a: (sub(a, D(2026, 1, 1)), sub(a, D(2026, 3, 15), amount="50")), ("expansion", 100, 150)),
        # Contraction: one of two subscriptions ends in mid-March.
        (
            lambda a: (sub(a, D(2026, 1, 1)), sub(a, D(2026, 1, 1), D(2026, 3, 15), amount="40")),
            ("contraction", 140, 100),
        ),
        # Lost: the only subscription ends in mid-March.
        (lambda a: sub(a, D(2026, 1, 1), D(2026, 3, 20)), ("lost", 100, 0)),
        # Flat: no movement row.
        (lambda a: sub(a, D(2026, 1, 1)), None),
    ],
)
def test_each_movement_kind(acme, setup, expected):
    setup(acme)
    mrr_movements_compute(as_of=D(2026, 4, 5))
    assert movement(acme, D(2026, 3, 1)) == expected


def test_a_renewal_within_3_days_of_the_month_end_cancels_the_loss(acme):
    sub(acme, D(2026, 1, 1), D(2026, 3, 30))  # ends the day before the month's last day
    sub(acme, D(2026, 4, 2))  # renewed two days after the month end
    mrr_movements_compute(as_of=D(2026, 4, 5))
    assert movement(acme, D(2026, 3, 1)) is None
    assert movement(acme, D(2026, 4, 1)) is None


def test_a_renewal_after_3_days_is_a_loss_then_new(acme):
    sub(acme, D(2026, 1, 1), D(2026, 3, 30))
    sub(acme, D(2026, 4, 5))  # five days after the month end
    mrr_movements_compute(as_of=D(2026, 4, 10))
    assert movement(acme, D(2026, 3, 1)) == ("lost", 100, 0)
    mrr_movements_compute(as_of=D(2026, 4, 30))
    assert movement(acme, D(2026, 4, 1)) == ("new", 0, 100)


def test_a_cheaper_renewal_within_3_days_is_a_contraction_not_a_loss(acme):
    sub(acme, D(2026, 1, 1), D(2026, 3, 30))
    sub(acme, D(2026, 4, 2), amount="60")
    mrr_movements_compute(as_of=D(2026, 4, 3))
    assert movement(acme, D(2026, 3, 1)) == ("contraction", 100, 60)


def test_a_loss_waits_while_the_3_days_are_open(acme):
    sub(acme, D(2026, 1, 1), D(2026, 3, 30))
    mrr_movements_compute(as_of=D(2026, 4, 1))
    assert movement(acme, D(2026, 3, 1)) == ("lost", 100, 0)  # provisional
    sub(acme, D(2026, 4, 2))  # the renewal arrives on the 2nd
    mrr_movements_compute(as_of=D(2026, 4, 2))
    assert movement(acme, D(2026, 3, 1)) is None


def test_movements_are_idempotent(acme):
    sub(acme, D(2026, 3, 10))
    for _ in range(3):
        mrr_movements_compute(as_of=D(2026, 3, 31))
    assert MrrMovement.objects.count() == 1


def test_a_subscription_ending_on_the_last_day_is_gone_at_that_months_end(acme):
    sub(acme, D(2026, 1, 1), D(2026, 3, 31))  # the end date is the last day covered
    assert mrr_on(D(2026, 3, 31))[acme.pk] == 100 and acme.pk not in mrr_on(D(2026, 4, 1))
    mrr_movements_compute(as_of=D(2026, 4, 30))
    # MRR at March's end is what is in force as April begins: nothing.
    assert movement(acme, D(2026, 3, 1)) == ("lost", 100, 0)
    assert movement(acme, D(2026, 4, 1)) is None


def test_a_renewal_starting_the_next_morning_is_no_movement(acme):
    sub(acme, D(2026, 1, 1), D(2026, 3, 31))
    sub(acme, D(2026, 4, 1), D(2026, 4, 30))
    sub(acme, D(2026, 5, 1))
    mrr_movements_compute(as_of=D(2026, 4, 30))
    mrr_movements_compute(as_of=D(2026, 5, 31))
    assert not MrrMovement.objects.exists()


@pytest.mark.parametrize("lapse_days", [2, 3, 4, 10])
@pytest.mark.parametrize("last_day_covered", [D(2026, 3, 31), D(2026, 3, 30), D(2026, 3, 29)])
def test_a_lapse_across_a_month_end_counts_after_3_days(acme, lapse_days, last_day_covered):
    """N days without a subscription in force, April 1st among them (when the lapse starts on it or before)."""
    renewal = last_day_covered + datetime.timedelta(days=lapse_days + 1)
    if last_day_covered + datetime.timedelta(days=lapse_days) < D(2026, 4, 1):
        pytest.skip("the lapse is over before the month ends")
    sub(acme, D(2026, 1, 1), last_day_covered)
    sub(acme, renewal)
    mrr_movements_compute(as_of=D(2026, 4, 30))
    if lapse_days <= 3:
        assert movement(acme, D(2026, 3, 1)) is None
        assert movement(acme, D(2026, 4, 1)) is None
    else:
        assert movement(acme, D(2026, 3, 1)) == ("lost", 100, 0)
        assert movement(acme, D(2026, 4, 1)) == ("new", 0, 100)


@pytest.mark.parametrize(("lapse_days", "lost"), [(2, False), (3, False), (4, True), (10, True)])
def test_a_lapse_at_the_end_of_a_short_month(acme, lapse_days, lost):
    sub(acme, D(2026, 1, 1), D(2026, 2, 28))
    sub(acme, D(2026, 3, 1) + datetime.timedelta(days=lapse_days))
    mrr_movements_compute(as_of=D(2026, 3, 31))
    assert movement(acme, D(2026, 2, 1)) == (("lost", 100, 0) if lost else None)
    assert movement(acme, D(2026, 3, 1)) == (("new", 0, 100) if lost else None)


def test_renewal_date_is_the_nearest_end_of_a_renewing_subscription(acme):
    other = Account.objects.create(account_id="other", name="Other", renewal_date=D(2027, 1, 1))
    sub(acme, D(2026, 1, 1), D(2026, 12, 31))
    sub(acme, D(2026, 1, 1), D(2026, 9, 30))
    sub(acme, D(2026, 1, 1), D(2026, 6, 30), renews=False)  # does not renew: not a renewal date
    sub(acme, D(2025, 1, 1), D(2025, 12, 31))  # already over
    renewal_dates_refresh(as_of=D(2026, 5, 1))
    acme.refresh_from_db()
    other.refresh_from_db()
    assert acme.renewal_date == D(2026, 9, 30)
    assert other.renewal_date == D(2027, 1, 1)  # no subscription: kept
