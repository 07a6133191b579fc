"""The account list's MRR/ARR trend: month-end totals from metric values, each account counted once, scoped to the
accounts the member may see."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.models import Account
from metrics import panels as selectors
from metrics.models import Metric, MetricValue
from metrics.selectors import metric_totals_on
from metrics.services import catalogue_sync

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


def test_company_totals_count_each_account_once(book, manager, csm_a, csm_b, django_assert_num_queries):
    day = datetime.date(2026, 2, 28)
    values_on(book, [day, datetime.date(2026, 2, 27)])

    def total(user):
        with django_assert_num_queries(1):
            return metric_totals_on(
                key="mrr", accounts=account_selectors.accounts_visible_to(user), dates=[day, datetime.date(2026, 1, 31)]
            )

    # Everyone: group (with shop) + solo + top (with middle and leaf); the deleted account is left out.
    assert total(manager) == {day: 1350}
    # A: group and top; leaf is inside top (an ancestor two levels up), so it is not added again.
    assert total(csm_a) == {day: 1300}
    # B: shop and solo; shop's parent is not B's, so shop counts.
    assert total(csm_b) == {day: 150}


def test_revenue_trend_has_a_point_per_month_end_and_now(book, manager):
    ends = selectors.trend_dates(TODAY)
    values_on(book, [*ends[-3:], TODAY], factor=lambda day: 2 if day == TODAY else 1)
    points = selectors.revenue_trend(accounts=account_selectors.accounts_visible_to(manager), today=TODAY)
    assert [day for day, _ in points] == [*ends, TODAY]
    assert [value for _, value in points] == [None] * 9 + [1350, 1350, 1350, 2700]


def test_revenue_trend_falls_back_to_yesterday_before_the_hourly_run(book, manager):
    yesterday = TODAY - datetime.timedelta(days=1)
    values_on(book, [yesterday])
    points = selectors.revenue_trend(accounts=account_selectors.accounts_visible_to(manager), today=TODAY)
    assert points[-1] == (yesterday, 1350) and len(points) == 13


def url(**params):
    return reverse("accounts:list") + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_the_list_shows_the_trend_of_the_members_accounts(client, book, manager, csm_b):
    today = timezone.now().date()
    values_on(book, [*selectors.trend_dates(today)[-2:], today])
    client.force_login(manager)
    body = client.get(url()).content.decode()
    assert "MRR and ARR, past year" in body and 'id="revenue-trend-chart"' in body
    assert "Plotly.newPlot" in body and "plotly/plotly.min.js" in body and "cdn.plot.ly" not in body
    table = body[body.index('data-testid="revenue-trend-table"') :]
    assert "1,350.00" in table and "16,200.00" in table
    # A CSM without "view all accounts" sees the totals of their own accounts only, whatever the view.
    client.force_login(csm_b)
    for view in ("my", "all", "churned"):
        table = client.get(url(view=view)).content.decode()
        table = table[table.index('data-testid="revenue-trend-table"') :]
        assert "150.00" in table and "1,350.00" not in table and "1,300.00" not in table


def test_the_list_without_revenue_says_what_to_do(client, book, manager):
    client.force_login(manager)
    body = client.get(url()).content.decode()
    assert "No MRR yet" in body and 'id="revenue-trend-chart"' not in body


def test_the_list_query_count_is_bounded(client, book, manager, django_assert_max_num_queries):
    today = timezone.now().date()
    values_on(book, [*selectors.trend_dates(today), today])
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        assert client.get(url()).status_code == 200
    response = client.get(url(view="all"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="revenue-trend-chart"' in response.content.decode()
