"""Browser flow of the account list's metric columns and charts: choose the MRR column, sort by it, filter by it and
see the MRR summary follow the filter and stay whole after htmx updates; then open an account and see its usage and
MRR charts drawn."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture
def priced(transactional_db, roles):
    """Big (MRR 3,000, used daily), Mid (1,200) and Small (100), with their stored MRR history and trend."""
    from accounts import services
    from accounts.models import Account
    from metrics.models import Metric, MetricCurrent, MetricValue
    from metrics.selectors import trend_dates
    from metrics.services import catalogue_sync, revenue_trend_refresh
    from tests.team.factories import UserFactory

    services.picklists_install_defaults()
    catalogue_sync()
    today = timezone.localdate()
    metric = {key: Metric.objects.get(key=key) for key in ["mrr", "events", "active_users", "session_time"]}
    days = sorted({*trend_dates(today), *[today - datetime.timedelta(days=n) for n in range(60)]})
    for name, mrr in [("Big", 3000), ("Mid", 1200), ("Small", 100)]:
        account = Account.objects.create(account_id=name.upper(), name=f"{name} Corp")
        MetricCurrent.objects.create(metric=metric["mrr"], account=account, value=mrr, as_of=today)
        MetricValue.objects.bulk_create(
            MetricValue(metric=metric["mrr"], account=account, date=d, value=mrr) for d in days
        )
        if name == "Big":
            MetricValue.objects.bulk_create(
                MetricValue(metric=metric[key], account=account, date=today - datetime.timedelta(days=n), value=value)
                for n in range(30)
                for key, value in [("events", 40 + n), ("active_users", 3), ("session_time", 5400)]
            )
    revenue_trend_refresh(as_of=today)
    return UserFactory(role=roles["CSM Manager"], full_name="Mia Manager")


def _login(page: Page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    page.wait_for_url(re.compile(r".*/(start/|accounts/|)$"))


def _summary_is_whole(page: Page, total: str) -> None:
    """The MRR summary shows `total`, and exactly one chart, drawn, with one legend: nothing of an earlier one."""
    summary = page.locator("#summary-revenue-trend")
    expect(summary.get_by_test_id("revenue-totals")).to_contain_text(total)
    expect(summary.locator(".natero-chart")).to_have_count(1)
    expect(summary.locator(".natero-chart .main-svg").first).to_be_visible()
    expect(summary.locator(".legend")).to_have_count(1)
    expect(page.locator(".list-summary .natero-chart")).to_have_count(2)  # the stage chart beside it


def test_choose_sort_and_filter_by_mrr_then_open_the_account_charts(live_server, page: Page, priced):
    page.set_viewport_size({"width": 1440, "height": 900})
    _login(page, live_server, priced.email)
    page.goto(f"{live_server.url}/accounts/?view=all")

    # Choose the MRR column (and only it besides the name) in the column chooser.
    page.get_by_role("button", name="Columns").click()
    chooser = page.locator("#column-chooser")
    expect(chooser).to_have_class(re.compile(r"\bshow\b"))
    for box in chooser.locator("input[name=columns]").all():
        box.uncheck()
    chooser.get_by_label("MRR", exact=True).check()
    with page.expect_navigation():
        chooser.get_by_role("button", name="Save columns").click()
    table = page.locator("#results table").first
    expect(table.locator("thead")).to_contain_text("MRR")
    expect(table.locator("thead")).not_to_contain_text("ARR")
    _summary_is_whole(page, "$4,300")

    # Sort by MRR, highest first (the second click turns the order round).
    table.get_by_role("link", name=re.compile(r"^MRR")).click()
    expect(table.locator("tbody tr").first).to_contain_text("Small Corp")
    page.locator("#results table").first.get_by_role("link", name=re.compile(r"^MRR")).click()
    rows = page.locator("#results table").first.locator("tbody tr")
    expect(rows.first).to_contain_text("Big Corp")
    expect(rows.first).to_contain_text("$3,000.00")
    expect(rows.nth(2)).to_contain_text("Small Corp")
    _summary_is_whole(page, "$4,300")

    # Filter to MRR of at least 1,000: the list and the summary chart follow, and the chart is still whole.
    page.get_by_label("MRR from").fill("1000")
    page.get_by_label("MRR from").press("Tab")  # the filters apply on change
    expect(page.locator("#results table").first.locator("tbody tr")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"metric_mrr_min=1000"))
    _summary_is_whole(page, "$4,200")
    expect(page.locator("#results table").first.locator("tbody tr").first).to_contain_text("Big Corp")

    # Open the account: its usage and MRR charts arrive on their own and are drawn.
    with page.expect_navigation():
        page.get_by_role("link", name="Big Corp").click()
    expect(page.get_by_role("heading", name="Big Corp", level=1)).to_be_visible()
    usage = page.locator("#trend-usage")
    expect(usage.get_by_test_id("usage-totals")).to_contain_text("Events")
    expect(usage.locator(".natero-chart .main-svg").first).to_be_visible()
    mrr = page.locator("#trend-mrr")
    expect(mrr.get_by_test_id("mrr-latest")).to_have_text("$3,000.00")
    expect(mrr.locator(".natero-chart .main-svg").first).to_be_visible()
    expect(page.locator("#trends [aria-busy=true]")).to_have_count(0)
