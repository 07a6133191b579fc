"""Browser test of health scores: edit the Default configuration (a component with two criteria), watch the preview
change, save, read the new score and its breakdown on an account's health tab, and open the calibration report."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account
from healthscore.services import default_configuration_install, health_scores_compute
from metrics.models import Metric, MetricKind, MetricValue
from tests.e2e.test_lists_flow import log_in, settle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = datetime.date(2026, 3, 10)


def test_edit_the_default_watch_the_preview_save_read_the_breakdown_and_calibrate(live_server, page: Page, manager):
    default_configuration_install()
    logins = Metric.objects.create(key="logins", name="Logins", kind=MetricKind.CUSTOM)
    seats = Metric.objects.create(key="seats_used", name="Seats used", kind=MetricKind.CUSTOM)
    acme = Account.objects.create(account_id="E2E-1", name="Acme", join_date=DAY - datetime.timedelta(days=90))
    beta = Account.objects.create(account_id="E2E-2", name="Beta", join_date=DAY - datetime.timedelta(days=90))
    for account, login_count, seat_share in [(acme, 10, 80), (beta, 0, 10)]:
        MetricValue.objects.create(metric=logins, account=account, date=DAY, value=login_count)
        MetricValue.objects.create(metric=seats, account=account, date=DAY, value=seat_share)
    health_scores_compute(as_of=DAY)  # on the Default's built-in metrics alone, both accounts are red

    log_in(page, live_server.url, manager.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Health").click()
    page.get_by_role("link", name="Default").click()
    expect(page.get_by_test_id("preview-red")).to_have_text("2")
    expect(page.get_by_test_id("preview-yellow")).to_have_text("0")

    page.get_by_role("button", name="Add component").click()
    settle(page)
    component = page.get_by_test_id("component").last
    component.get_by_label("Component name").fill("Product fit")
    component.get_by_label("Weight").fill("100")
    component.get_by_label("Value scored").select_option(label="Logins")
    component.get_by_label("Time aggregation").select_option(label="Latest")
    component.get_by_label("X, score 0 at or below").fill("0")
    component.get_by_label("Y, score 100 at or above").fill("10")
    component.get_by_role("button", name="Add criterion").click()
    settle(page)
    component = page.get_by_test_id("component").last
    second = component.get_by_test_id("criterion").nth(1)
    second.get_by_label("Value scored").select_option(label="Seats used")
    second.get_by_label("Time aggregation").select_option(label="Latest")
    second.get_by_label("X, score 0 at or below").fill("0")
    second.get_by_label("Y, score 100 at or above").fill("100")
    second.get_by_label("Y, score 100 at or above").press("Tab")
    # Acme: Product fit round((100 + 80) / 2) = 90 -> (15 x 100 + 100 x 90) / 185 = 57, yellow; Beta stays red.
    expect(page.get_by_test_id("preview-yellow")).to_have_text("1")
    expect(page.get_by_test_id("preview-red")).to_have_text("1")

    page.get_by_role("button", name="Save and rescore").click()
    expect(page.get_by_test_id("saved-offer")).to_contain_text("version 2")

    page.goto(f"{live_server.url}{acme.get_absolute_url()}")
    health = page.locator("#health")
    expect(health.get_by_test_id("health-score")).to_have_text("57")
    expect(health.get_by_test_id("health-band")).to_have_text("Yellow")
    expect(health.get_by_test_id("health-configuration")).to_contain_text("Default, version 2")
    fit = health.get_by_test_id("health-component").filter(has_text="Product fit")
    expect(fit).to_contain_text("90")
    expect(health.get_by_test_id("health-criteria")).to_contain_text("Seats used")
    expect(health.get_by_test_id("health-criteria")).to_contain_text("80.00")

    # One scored day is not a history: the calibration report says what it needs.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Health").click()
    page.get_by_role("link", name="Calibration report").click()
    expect(page.get_by_role("heading", name="Health score calibration")).to_be_visible()
    expect(page.get_by_test_id("calibration-empty")).to_contain_text("Not enough history yet")
