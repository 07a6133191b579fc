"""Browser test of the calibration report: open it from the navigation, change the horizon, try changed weights in
the what-if and put suggested weights in its form."""

from __future__ import annotations

import datetime
import os

import pytest
from playwright.sync_api import Page, expect

from healthscore.models import HealthConfiguration
from healthscore.services import default_configuration_install, health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.e2e.test_lists_flow import log_in, settle
from tests.healthscore.conftest import configure, put

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

D0 = datetime.date(2026, 3, 1)
SHOTS = os.environ.get("NATERO_SCREENSHOTS", "")


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def _history() -> HealthConfiguration:
    default_configuration_install()
    default = HealthConfiguration.objects.get(is_default=True)
    configure(default, [("Usage", 1, [("usage", 0, 100, False)]), ("Noise", 4, [("noise", 0, 100, False)])])
    for i in range(60):
        churn = i % 5 == 0
        account = AccountFactory(churned_on=D0 + datetime.timedelta(days=3 + i % 25) if churn else None)
        for offset in (0, 7, 14):
            day = D0 + datetime.timedelta(days=offset)
            put("usage", account, (5 + i % 30) if churn else (25 + (i * 13) % 75), day)
            put("noise", account, (i * 37 + offset) % 100, day)
    for offset in (0, 7, 14, 44):
        health_scores_compute(as_of=D0 + datetime.timedelta(days=offset))
    return default


def test_open_the_report_try_a_what_if_and_apply_suggested_weights(live_server, page: Page, manager):
    page.set_viewport_size({"width": 1440, "height": 900})
    default = _history()
    log_in(page, live_server.url, manager.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Health").click()
    page.get_by_role("link", name="Calibration report").click()
    expect(page.get_by_role("heading", name="Health score calibration")).to_be_visible()
    expect(page.get_by_test_id("auc")).to_be_visible()
    expect(page.locator("#roc-chart .main-svg").first).to_be_visible()
    expect(page.get_by_test_id("component-table")).to_contain_text("Usage")
    shot(page, "calibration-report")

    page.get_by_label("Horizon: churn within").select_option("60")
    settle(page)
    expect(page.get_by_test_id("calibration-empty")).to_contain_text("needs 61 days of stored scores")
    page.get_by_label("Horizon: churn within").select_option("30")
    settle(page)

    page.get_by_role("link", name=f"What-if: {default.name}").click()
    usage = default.components.get(name="Usage")
    weight = page.get_by_label("Weight of Usage")
    weight.fill("-1")
    page.get_by_test_id("whatif-run").click()
    settle(page)
    expect(page.get_by_test_id("whatif-field-errors")).to_contain_text("A weight must be a positive number")
    weight.fill("10")
    page.get_by_test_id("whatif-run").click()
    settle(page)
    expect(page.get_by_test_id("whatif-auc")).to_be_visible()
    expect(page.locator("#whatif-roc-chart .main-svg").first).to_be_visible()
    shot(page, "calibration-whatif")

    page.get_by_test_id("suggest").click()
    settle(page)
    expect(page.get_by_test_id("suggestion-auc")).to_contain_text("would have been")
    shot(page, "calibration-suggestion")
    page.get_by_test_id("suggestion-apply").click()
    suggested = page.get_by_label("Weight of Usage").input_value()
    assert float(suggested) > float(page.get_by_label("Weight of Noise").input_value())
    usage.refresh_from_db()
    assert usage.weight == 1  # nothing saved
