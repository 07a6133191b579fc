"""Browser test of the List Explorer: build a two-condition list, watch the count, save it, export it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Account, Tier
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def settle(page: Page) -> None:
    """Wait until htmx has no request in flight and has swapped and processed what came back."""
    page.wait_for_timeout(50)
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


def redraw(page: Page, action) -> None:
    """Do something that re-draws a builder row, and wait for the new row to be live."""
    with page.expect_response(lambda response: "/lists/builder/row/" in response.url):
        action()
    settle(page)


def test_build_a_list_see_the_count_save_and_export(live_server, page: Page, manager):
    enterprise = Tier.objects.get_or_create(name="Enterprise", defaults={"order": 0})[0]
    smb = Tier.objects.get_or_create(name="SMB", defaults={"order": 1})[0]
    for n, (tier, score) in enumerate([(enterprise, 90), (enterprise, 70), (enterprise, 20), (smb, 95), (None, 80)]):
        Account.objects.create(account_id=f"E2E-{n}", name=f"Company {n}", tier=tier, csm_score=score)

    log_in(page, live_server.url, manager.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
    page.get_by_role("link", name="New account list").click()
    page.get_by_label("Name").fill("Happy enterprise")
    count = page.get_by_test_id("match-count")
    expect(count).to_have_text("5")

    # First condition: Tier is Enterprise.
    redraw(page, lambda: page.get_by_role("button", name="Add condition").click())
    first = page.get_by_test_id("condition-row").nth(0)
    redraw(page, lambda: first.get_by_label("Field").select_option(label="Tier"))
    expect(first.get_by_label("Value")).to_have_js_property("tagName", "SELECT")
    first.get_by_label("Value").select_option("Enterprise")
    expect(count).to_have_text("3")

    # Second condition: CSM score > 50.
    redraw(page, lambda: page.get_by_role("button", name="Add condition").click())
    second = page.get_by_test_id("condition-row").nth(1)
    redraw(page, lambda: second.get_by_label("Field").select_option(label="CSM score"))
    expect(second.get_by_label("Operator")).to_contain_text("between")
    redraw(page, lambda: second.get_by_label("Operator").select_option(label=">"))
    expect(second.get_by_label("Value")).to_have_attribute("type", "number")
    second.get_by_label("Value").fill("50")
    expect(count).to_have_text("2")

    page.get_by_role("button", name="Save list").click()
    expect(page.get_by_role("heading", name="Happy enterprise")).to_be_visible()
    expect(page.get_by_test_id("result-count")).to_contain_text("2 accounts")
    expect(page.get_by_role("link", name="Company 0")).to_be_visible()
    expect(page.get_by_role("link", name="Company 2")).to_have_count(0)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert re.fullmatch(r"happy-enterprise-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    content = Path(download.path()).read_text(encoding="utf-8")
    assert "Company 0" in content and "Company 1" in content and "Company 2" not in content
