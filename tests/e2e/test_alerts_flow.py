"""Browser test of alerts, from a risk signal to a closed task: create a rule while its preview shows who matches and
why, run it, convert one alert to a task, tick the playbook's checklist, close the task with an outcome and find it in
the task report; snooze a second alert; ask why a third account has no alert."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Account
from playbooks.models import Playbook
from playbooks.services import ItemSpec, playbook_save
from tests.e2e.test_lists_flow import log_in, redraw, settle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rule_preview_run_convert_tick_close_report_snooze_and_why_not(live_server, page: Page, manager):
    for account_id, name, score in [("E2E-1", "Acme", 20), ("E2E-2", "Beta", 35), ("E2E-3", "Gamma", 90)]:
        Account.objects.create(account_id=account_id, name=name, csm_score=score)
    playbook_save(
        playbook=Playbook(name="Save the account"),
        items=[ItemSpec("Call the sponsor", 1), ItemSpec("Agree a recovery plan", 5)],
    )
    snooze_until = timezone.localdate() + datetime.timedelta(days=14)

    log_in(page, live_server.url, manager.email)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="Alert rules").click()
    page.get_by_role("link", name="New rule").click()
    page.get_by_label("Name").fill("Unhappy sponsor")
    page.get_by_label("Type").fill("Churn")
    page.get_by_label("Playbook").select_option(label="Save the account")

    # The preview counts every account until a condition narrows it: CSM score < 50.
    preview = page.get_by_test_id("preview-count")
    expect(preview).to_have_text("3")
    redraw(page, lambda: page.get_by_role("button", name="Add condition").click())
    row = page.get_by_test_id("condition-row").nth(0)
    redraw(page, lambda: row.get_by_label("Field").select_option(label="CSM score"))
    redraw(page, lambda: row.get_by_label("Operator").select_option(label="<"))
    row.get_by_label("Value").fill("50")
    row.get_by_label("Value").press("Tab")
    expect(preview).to_have_text("2")
    matched = page.get_by_test_id("preview-row")
    expect(matched.filter(has_text="Acme")).to_contain_text("20")
    expect(matched.filter(has_text="Gamma")).to_have_count(0)
    page.get_by_role("button", name="Save rule").click()

    # Run now fires one alert per matching account, each with its reasons.
    rule_row = page.get_by_test_id("rule-row").filter(has_text="Unhappy sponsor")
    rule_row.get_by_role("button", name="Run").click()
    expect(page.get_by_role("alert").filter(has_text="is running")).to_be_visible()
    page.get_by_role("link", name="Alerts", exact=True).last.click()
    alerts = page.get_by_test_id("alert-row").filter(has_text="Unhappy sponsor")
    expect(alerts).to_have_count(2)
    acme = alerts.filter(has_text="Acme")
    expect(acme).to_contain_text("CSM score")

    # Convert Acme's alert: the playbook's items become the task's checklist; tick both, close as successful.
    acme.get_by_role("link", name="Convert to task").click()
    page.get_by_label("Priority").select_option(label="High")
    page.get_by_role("button", name="Create the task").click()
    expect(page.get_by_test_id("subtask")).to_have_count(2)
    for title in ["Call the sponsor", "Agree a recovery plan"]:
        with page.expect_response(lambda response: "/checklist/" in response.url):
            page.get_by_role("checkbox", name=title).check()
        settle(page)
    expect(page.get_by_test_id("checklist-progress")).to_have_text("2 of 2 done")
    page.get_by_role("radio", name="Successful", exact=True).check()
    page.get_by_role("button", name="Close task").click()
    expect(page.get_by_test_id("task-status")).to_have_text("Closed · Successful")

    # The task report counts it with its outcome, under its owner and under alerts.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    page.get_by_role("link", name="Task reports").click()
    by_source = page.get_by_test_id("report-source").get_by_test_id("report-row").filter(has_text="Alert")
    expect(by_source.locator("td").nth(3)).to_have_text("1")  # closed
    expect(by_source.locator("td").nth(6)).to_have_text("1")  # successful

    # Snooze Beta's alert for two weeks with a reason.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    beta = page.get_by_test_id("alert-row").filter(has_text="Beta")
    beta.locator("summary", has_text="Snooze").click()
    beta.get_by_label("Until").fill(snooze_until.isoformat())
    beta.get_by_label("Reason").fill("Sponsor on holiday")
    beta.get_by_role("button", name="Snooze").click()
    expect(page.get_by_role("alert").filter(has_text="Alert snoozed until")).to_be_visible()
    expect(page.get_by_test_id("alert-row").filter(has_text="Beta")).to_have_count(0)
    page.get_by_role("link", name="Snoozed").click()
    beta = page.get_by_test_id("alert-row").filter(has_text="Beta")
    expect(beta).to_contain_text(f"until {snooze_until:%Y-%m-%d}: Sponsor on holiday")

    # Why has Gamma no alert? Its CSM score fails the condition, with the value it has.
    page.get_by_role("link", name="Alert rules").click()
    page.get_by_test_id("rule-row").filter(has_text="Unhappy sponsor").get_by_role("link", name="Why not?").click()
    page.get_by_label("Account (id or name)").fill("Gamma")
    page.get_by_role("button", name="Explain").click()
    expect(page.get_by_test_id("why-not")).to_contain_text("does not match the conditions")
    condition = page.get_by_test_id("why-condition")
    expect(condition).to_contain_text("no")
    expect(condition).to_contain_text("90")
