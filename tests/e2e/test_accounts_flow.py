"""Browser flow of the accounts capability: create, contacts, notes, interactions, CSMs, churn, bulk edit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def _login(page: Page, live_server, email: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in|sign in", re.I)).click()
    page.wait_for_url(re.compile(r".*/(start/|accounts/|)$"))


def test_account_lifecycle_and_bulk_edit(transactional_db, live_server, page: Page, roles):
    from accounts import services
    from accounts.models import Account
    from tests.team.factories import UserFactory

    services.picklists_install_defaults()
    manager = UserFactory(role=roles["CSM Manager"], full_name="Mia Manager")
    UserFactory(role=roles["CSM"], full_name="Carl Csm")
    _login(page, live_server, manager.email)

    # Create an account.
    page.goto(f"{live_server.url}/accounts/new/")
    page.get_by_label("Name", exact=True).fill("Playwright Corp")
    page.get_by_label("Account id", exact=True).fill("PW-1")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Playwright Corp", level=1)).to_be_visible()

    # Add a contact.
    page.get_by_role("button", name="Add a contact").click()
    # Bootstrap marks the form "show" once it has finished opening: type and submit only then.
    expect(page.locator("#add-contact")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#contact_name").fill("Ann Example")
    page.locator("#contact_email").fill("ann@playwright.example")
    with page.expect_navigation():
        page.get_by_role("button", name="Add contact").click()
    expect(page.locator("#contacts")).to_contain_text("Ann Example")

    # A note.
    page.locator("#note_body").fill("Great kick-off with the team.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text("Great kick-off with the team.")

    # An interaction with the contact.
    page.get_by_role("button", name="Log an interaction").click()
    expect(page.locator("#add-interaction")).to_have_class(re.compile(r"\bshow\b"))
    page.locator("#interaction_subject").fill("Kick-off call")
    page.locator("#add-interaction").get_by_label("Ann Example").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Log interaction").click()
    expect(page.locator("#timeline")).to_contain_text("Kick-off call")

    # Search the timeline (htmx).
    page.locator("#timeline-search").fill("nothing-like-this")
    expect(page.locator("#timeline")).to_contain_text("No interactions match")
    page.locator("#timeline-search").fill("kick")
    expect(page.locator("#timeline")).to_contain_text("Kick-off call")

    # Assign a CSM.
    page.get_by_role("link", name="Assign CSMs").click()
    page.get_by_label("Carl Csm").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("csms")).to_contain_text("Carl Csm")

    # Churn it, then find it under Churned.
    page.get_by_role("link", name="Churn", exact=True).click()
    page.get_by_label("Churn date").fill("2025-05-01")
    page.get_by_label("Reason").fill("Budget cuts")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Churned on 1 May 2025")).to_be_visible()
    page.goto(f"{live_server.url}/accounts/")
    page.get_by_role("link", name="Churned", exact=True).click()
    expect(page.locator("#results")).to_contain_text("Playwright Corp")
    assert Account.objects.get(account_id="PW-1").churn_reason == "Budget cuts"

    # Bulk-edit the tier of two accounts in the grid.
    services.account_create(by=manager, account_id="PW-2", name="Grid One")
    services.account_create(by=manager, account_id="PW-3", name="Grid Two")
    page.goto(f"{live_server.url}/accounts/bulk-edit/")
    for account_id in ["PW-2", "PW-3"]:
        cell = page.locator(f'tr[data-account="{account_id}"] select[data-field="tier"]')
        with page.expect_response(re.compile(r"/accounts/bulk-edit/\d+/$")):
            cell.select_option(label="Enterprise")
        expect(page.locator(f'tr[data-account="{account_id}"] td.cell-saved')).to_have_count(1)
    assert set(Account.objects.filter(tier__name="Enterprise").values_list("account_id", flat=True)) == {"PW-2", "PW-3"}

    # A bad cell shows its error in place.
    score = page.locator('tr[data-account="PW-2"] input[data-field="csm_score"]')
    score.fill("250")
    with page.expect_response(re.compile(r"/accounts/bulk-edit/\d+/$")):
        score.press("Tab")
    expect(page.locator('tr[data-account="PW-2"]')).to_contain_text("less than or equal to 100")


def test_bulk_action_on_every_matching_account(transactional_db, live_server, page: Page, roles):
    from accounts import services
    from accounts.models import Account
    from tests.team.factories import UserFactory

    services.picklists_install_defaults()
    manager = UserFactory(role=roles["CSM Manager"], full_name="Mia Manager")
    for n in range(27):
        services.account_create(by=manager, account_id=f"BULK-{n}", name=f"Bulk {n:02d}")
    services.account_create(by=manager, account_id="OTHER-1", name="Someone Else")
    services.list_preference_save(user=manager, columns=["tier"], per_page=25)
    _login(page, live_server, manager.email)

    page.goto(f"{live_server.url}/accounts/?view=active&q=Bulk")
    page.get_by_label("Select all on this page").check()
    expect(page.get_by_text("All 25 accounts on this page are selected.")).to_be_visible()
    page.get_by_role("button", name="Select all 27 matching accounts").click()
    expect(page.get_by_text("All 27 matching accounts are selected.")).to_be_visible()
    page.get_by_label("With selected accounts").select_option(label="Change tier")
    page.locator("#bulk-tier").select_option(label="SMB")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Tier changed on 27 accounts.")).to_be_visible()
    assert Account.objects.filter(tier__name="SMB").count() == 27
    assert Account.objects.get(account_id="OTHER-1").tier is None

    # Unticking one account goes back to the ticked ones only.
    page.get_by_label("Select all on this page").check()
    page.get_by_role("button", name="Select all 27 matching accounts").click()
    page.get_by_label("Select Bulk 00").uncheck()
    expect(page.locator("#bulk-all")).to_be_hidden()
    page.get_by_label("With selected accounts").select_option(label="Change tier")
    page.locator("#bulk-tier").select_option(label="Enterprise")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Tier changed on 24 accounts.")).to_be_visible()
