"""The account list's MRR/ARR trend: month-end totals from the precomputed trend, each account counted once, for
the list's view and filters, scoped to the accounts the member may see."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Account
from metrics import panels as selectors
from metrics.models import Metric, MetricValue
from metrics.selectors import revenue_trend_totals
from metrics.services import catalogue_sync, revenue_trend_refresh

TODAY = datetime.date(2026, 3, 15)


@pytest.fixture
def csm_a(make_member):
    return make_member("CSM", full_name="Csm A")


@pytest.fixture
def csm_b(make_member):
    return make_member("CSM", full_name="Csm B")


@pytest.fixture
def book(db, csm_a, csm_b):
    """group (A) > shop (B); solo (B); top (A) > middle (nobody) > leaf (A); gone (deleted).

    MRR rolls up, so group's 300 includes shop's 100 and top's 1000 includes middle's 400 and leaf's 150.
    """

    def make(account_id, mrr, *, parent=None, csms=(), deleted=False):
        account = Account.objects.create(account_id=account_id, name=account_id.title(), parent=parent)
        if csms:
            account_services.account_assign_csms(account=account, csms=list(csms), by=None)
        if deleted:
            Account.objects.filter(pk=account.pk).update(is_deleted=True)
        return account, mrr

    group = make("group", 300, csms=[csm_a])
    top = make("top", 1000, csms=[csm_a])
    middle = make("middle", 400, parent=top[0])
    accounts = [
        group,
        make("shop", 100, parent=group[0], csms=[csm_b]),
        make("solo", 50, csms=[csm_b]),
        top,
        middle,
        make("leaf", 150, parent=middle[0], csms=[csm_a]),
        make("gone", 7000, deleted=True),
    ]
    return accounts


def values_on(book, days, *, factor=lambda day: 1):
    catalogue_sync()
    mrr = Metric.objects.get(key="mrr")
    MetricValue.objects.bulk_create(
        MetricValue(metric=mrr, account=account, date=day, value=value * factor(day))
        for day in days
        for account, value in book
    )


def test_trend_dates_are_the_last_12_month_ends():
    dates = selectors.trend_dates(TODAY)
    assert len(dates) == 12 and dates[0] == datetime.date(2025, 3, 31) and dates[-1] == datetime.date(2026, 2, 28)
    assert datetime.date(2025, 12, 31) in dates and datetime.date(2024, 2, 29) in selectors.trend_dates(
        datetime.date(2025, 1, 10)
    )
    assert selectors.trend_points(TODAY) == [*dates, TODAY]


def test_company_totals_count_each_account_once(book, manager, csm_a, csm_b, django_assert_num_queries):
    day = datetime.date(2026, 2, 28)
    values_on(book, [day, datetime.date(2026, 2, 27)])
    revenue_trend_refresh(as_of=day)

    def total(user):
        with django_assert_num_queries(1):
            as_of, totals = revenue_trend_totals(accounts=account_selectors.accounts_visible_to(user))
        assert as_of == day
        return totals[-1]

    # Everyone: group (with shop) + solo + top (with middle and leaf); the deleted account is left out.
    assert total(manager) == 1350
    # A: group and top; leaf is inside top (an ancestor two levels up), so it is not added again.
    assert total(csm_a) == 1300
    # B: shop and solo; shop's parent is not B's, so shop counts.
    assert total(csm_b) == 150


def test_revenue_trend_has_a_point_per_month_end_and_the_day_it_was_built(book, manager):
    ends = selectors.trend_dates(TODAY)
    values_on(book, [*ends[-3:], TODAY], factor=lambda day: 2 if day == TODAY else 1)
    revenue_trend_refresh(as_of=TODAY)
    points = selectors.revenue_trend(accounts=account_selectors.accounts_visible_to(manager))
    assert [day for day, _ in points] == [*ends, TODAY]
    assert [value for _, value in points] == [None] * 9 + [1350, 1350, 1350, 2700]


def test_the_trend_is_rebuilt_not_added_to(book, manager):
    values_on(book, [TODAY])
    revenue_trend_refresh(as_of=TODAY)
    revenue_trend_refresh(as_of=TODAY)
    assert selectors.revenue_trend(accounts=account_selectors.accounts_visible_to(manager))[-1] == (TODAY, 1350)
    assert selectors.revenue_trend(accounts=Account.objects.none()) == []


def summary_url(**params):
    return reverse("accounts:summary", args=["revenue-trend"]) + (
        "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    )


@pytest.fixture
def trend(book):
    today = timezone.now().date() - datetime.timedelta(days=1)
    values_on(book, [*selectors.trend_dates(today)[-2:], today])
    revenue_trend_refresh(as_of=today)
    return today


def table_of(body):
    return body[body.index('data-testid="revenue-trend-table"') :]


def test_the_trend_panel_shows_the_members_accounts(client, trend, manager, csm_b):
    client.force_login(manager)
    body = client.get(summary_url(view="all")).content.decode()
    assert 'id="revenue-trend-chart"' in body and "data-chart=" in body and "<script" not in body
    assert "1,350.00" in table_of(body) and "16,200.00" in table_of(body)
    # A CSM without "view all accounts" sees the totals of their own accounts only, whatever the view.
    client.force_login(csm_b)
    for view in ("my", "all", "active"):
        table = table_of(client.get(summary_url(view=view)).content.decode())
        assert "150.00" in table and "1,350.00" not in table and "1,300.00" not in table


def test_the_trend_follows_the_view_and_filters(client, trend, manager, book):
    client.force_login(manager)
    solo = Account.objects.get(account_id="solo")
    account_services.account_churn(account=solo, churned_on=trend, reason="Budget", by=manager)
    # Churned: the MRR the churned accounts had (solo's 50); Active leaves it out; All keeps it.
    assert ">$50.00<" in table_of(client.get(summary_url(view="churned")).content.decode())
    assert "1,300.00" in table_of(client.get(summary_url(view="active")).content.decode())
    assert "1,350.00" in table_of(client.get(summary_url(view="all")).content.decode())
    # A search narrows the trend to the accounts it finds.
    assert ">$300.00<" in table_of(client.get(summary_url(view="all", q="group")).content.decode())
    # Deleted accounts were never customers: no summary at all.
    body = client.get(summary_url(view="deleted")).content.decode()
    assert "left out of the summaries" in body and "revenue-trend-chart" not in body


def test_the_panel_without_revenue_says_what_to_do(client, book, manager):
    client.force_login(manager)
    body = client.get(summary_url(view="all")).content.decode()
    assert "No MRR for these accounts yet" in body and 'id="revenue-trend-chart"' not in body


def test_the_panel_query_count_is_bounded(client, trend, manager, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        response = client.get(summary_url(view="all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="revenue-trend-chart"' in response.content.decode()


def test_the_list_loads_its_panels_on_their_own(client, trend, manager, django_assert_max_num_queries):
    client.force_login(manager)
    with django_assert_max_num_queries(16):
        body = client.get(reverse("accounts:list") + "?view=churned&q=so").content.decode()
    # The table does not wait for the panels: each is a placeholder loading its own URL with the list's query.
    assert 'id="revenue-trend-chart"' not in body and "Loading" in body
    assert 'hx-get="/accounts/summary/revenue-trend/?view=churned&amp;q=so"' in body
    assert 'hx-get="/accounts/summary/stages/?view=churned&amp;q=so"' in body
