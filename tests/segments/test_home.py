"""The home page's "Your book": the member's accounts, the MRR of their book, renewals in the next 90 days and
falling usage, each a link to the account list showing exactly what it counts, scoped to what the member may see."""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Account
from metrics.models import Metric, MetricValue
from metrics.selectors import trend_dates
from metrics.services import catalogue_sync, revenue_trend_refresh
from segments.models import Segment


@pytest.fixture
def csm(members):
    return members["CSM"]


@pytest.fixture
def other_csm(make_member):
    return make_member("CSM", full_name="Other Csm")


@pytest.fixture
def book(db, csm, other_csm):
    """The CSM's Alpha (renewing in 30 days, usage down by 90 %, MRR 100), Beta (renewing in 200 days, steady usage,
    MRR 50) and churned Gamma (renewing in 10 days); the other CSM's Omega (renewing in 20 days, usage down)."""
    today = timezone.localdate()
    catalogue_sync()
    session_time, mrr = Metric.objects.get(key="session_time"), Metric.objects.get(key="mrr")

    def make(name, owner, *, renews_in, recent, before, money):
        account = Account.objects.create(account_id=name.upper(), name=name)
        account_services.account_assign_csms(account=account, csms=[owner], by=None)
        Account.objects.filter(pk=account.pk).update(renewal_date=today + datetime.timedelta(days=renews_in))
        MetricValue.objects.bulk_create(
            [
                MetricValue(
                    metric=session_time, account=account, date=today - datetime.timedelta(days=5), value=recent
                ),
                MetricValue(
                    metric=session_time, account=account, date=today - datetime.timedelta(days=40), value=before
                ),
                *[
                    MetricValue(metric=mrr, account=account, date=day, value=money)
                    for day in [*trend_dates(today), today]
                ],
            ]
        )
        return account

    accounts = {
        "Alpha": make("Alpha", csm, renews_in=30, recent=10, before=100, money=100),
        "Beta": make("Beta", csm, renews_in=200, recent=100, before=100, money=50),
        "Gamma": make("Gamma", csm, renews_in=10, recent=1, before=100, money=900),
        "Omega": make("Omega", other_csm, renews_in=20, recent=1, before=100, money=1000),
    }
    account_services.account_churn(account=accounts["Gamma"], churned_on=today, reason="Budget", by=None)
    revenue_trend_refresh(as_of=today)
    return accounts


def block(client) -> str:
    response = client.get(reverse("home_block", args=["book"]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def numbers_of(body: str) -> dict[str, tuple[str, str]]:
    """{key: (shown value, link)} of the block."""
    found = {}
    for key, href, value in re.findall(
        r'href="([^"]*)" data-testid="book-([a-z0-9_]+)">.*?data-testid="book-\2-value">([^<]*)<', body, re.S
    ):
        found[href] = (html.unescape(key), value)
    return {key: (value, link) for key, (link, value) in found.items()}


def listed_count(client, link: str) -> int:
    """How many accounts the account list behind a link shows (the total under the table; 0 when empty)."""
    body = client.get(link).content.decode()
    match = re.search(r"\d+–\d+ of (\d+)", body)
    return int(match.group(1)) if match else 0


def listed_mrr(client, link: str) -> str:
    """The MRR the list's own MRR panel shows for the list behind a link."""
    query = link.split("?", 1)[1]
    body = client.get(f"{reverse('accounts:summary', args=['revenue-trend'])}?{query}").content.decode()
    return re.search(r'data-testid="revenue-totals">.*?MRR</span> <strong>([^<]*)<', body, re.S).group(1)


def test_the_home_page_loads_the_book_on_its_own(client, csm):
    client.force_login(csm)
    body = client.get(reverse("home")).content.decode()
    assert f'hx-get="{reverse("home_block", args=["book"])}" hx-trigger="load"' in body and "Your book" in body


def test_a_csm_sees_their_book_and_each_number_is_its_list(client, csm, book):
    client.force_login(csm)
    numbers = numbers_of(block(client))
    assert {key: value for key, (value, _) in numbers.items()} == {
        "accounts": "2",  # Alpha and Beta; churned Gamma and the other CSM's Omega are not in the book
        "mrr": "$150",
        "renewal_90": "1",  # Alpha
        "usage_down_30": "1",  # Alpha
    }
    for key in ["accounts", "renewal_90", "usage_down_30"]:
        value, link = numbers[key]
        assert listed_count(client, html.unescape(link)) == int(value), key
    value, link = numbers["mrr"]
    assert "sort=-metric_mrr" in link and listed_mrr(client, html.unescape(link)) == value


def test_a_member_who_owns_no_accounts_sees_every_live_account(client, members, book):
    executive = members["Executive"]
    client.force_login(executive)
    body = block(client)
    numbers = numbers_of(body)
    assert "Active accounts" in body
    assert {key: value for key, (value, _) in numbers.items()} == {
        "accounts": "3",
        "mrr": "$1,150",
        "renewal_90": "2",  # Alpha and Omega; churned Gamma is left out
        "usage_down_30": "2",
    }
    for key in ["accounts", "renewal_90", "usage_down_30"]:
        value, link = numbers[key]
        assert listed_count(client, html.unescape(link)) == int(value), key
    assert listed_mrr(client, html.unescape(numbers["mrr"][1])) == "$1,150"


def test_a_deleted_example_list_says_how_to_count_again(client, csm, book):
    Segment.objects.filter(example_key="usage_down_30").delete()
    client.force_login(csm)
    body = block(client)
    assert "Its example list was deleted" in body and "usage_down_30" not in numbers_of(body)


def test_an_empty_book_says_so_without_failing(client, make_member):
    client.force_login(make_member("CSM", full_name="New Csm"))
    body = block(client)
    numbers = numbers_of(body)
    assert numbers["accounts"][0] == "0" and "No MRR yet" in body


def test_the_block_needs_a_login_and_a_known_key(client, csm):
    response = client.get(reverse("home_block", args=["book"]))
    assert response.status_code == 302 and "/login" in response["Location"]
    client.force_login(csm)
    assert client.get(reverse("home_block", args=["nope"])).status_code == 404
