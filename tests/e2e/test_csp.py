"""Browser walk under the Content-Security-Policy: the main pages load in Chromium with no policy violation and
no script error, and what their scripts do still works (charts drawn, htmx filters, the list builder)."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import Page, expect

from accounts import services
from accounts.models import Account, Stage
from segments.models import ListSizeHistory, Segment, Visibility
from segments.services import segment_save
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Registered before any page script runs: every violation the browser reports is kept for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline") +
    " at " + event.sourceFile + ":" + event.lineNumber + " " + (event.sample || ""));
});
"""


class Watch:
    """Collects CSP violations (events and console reports) and script errors of a page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    def check(self, where: str) -> None:
        violations = self.page.evaluate("() => window.__cspViolations || []")
        problems = self.problems + [f"violation: {v}" for v in violations]
        self.problems = []
        assert not problems, f"{where}: " + "\n".join(problems)


def settle(page: Page) -> None:
    page.wait_for_timeout(50)
    busy = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"
    page.wait_for_function(f"() => !document.querySelector('{busy}')")


def visit(page: Page, watch: Watch, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    page.wait_for_load_state("networkidle")
    watch.check(url)


def test_the_main_pages_work_under_the_policy(live_server, page: Page, manager):
    base = live_server.url
    services.picklists_install_defaults()  # an earlier transactional test may have flushed them
    stages = list(Stage.objects.order_by("order")[:2])
    alpha = Account.objects.create(account_id="CSP-1", name="Alpha Corp", stage=stages[0])
    Account.objects.create(account_id="CSP-2", name="Beta Ltd", stage=stages[-1])
    listed = segment_save(
        segment=Segment(name="Everyone", owner=manager, visibility=Visibility.SHARED),
        conditions={"version": 1, "root": {"type": "group", "match": "all", "children": []}},
        columns=["field:tier"],
    )
    today = datetime.date.today()
    for days, size in [(2, 1), (1, 2), (0, 2)]:
        ListSizeHistory.objects.create(segment=listed, date=today - datetime.timedelta(days=days), size=size)

    watch = Watch(page)
    page.goto(f"{base}/login/")
    watch.check("login page")
    page.get_by_label("Email").fill(manager.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    watch.check("after login")

    # Account list: the stage chart is drawn by the static chart script, and the htmx search filters the table.
    visit(page, watch, f"{base}/accounts/?view=all")
    expect(page.locator("#stage-chart .main-svg").first).to_be_visible()
    with page.expect_response(lambda r: "/accounts/" in r.url and "q=Beta" in r.url):
        page.get_by_label("Search", exact=True).fill("Beta")
    settle(page)
    expect(page.get_by_role("link", name="Beta Ltd")).to_be_visible()
    expect(page.get_by_role("link", name="Alpha Corp")).to_have_count(0)
    # After an htmx swap, the charts of the new fragment are drawn too.
    expect(page.locator("[data-chart]:not([data-chart-drawn])")).to_have_count(0)
    # The bulk selection script (a static file) still ticks every row.
    select_all = page.locator("[data-select-all]").first
    if select_all.count():
        select_all.check()
        expect(page.locator("input.bulk-id").first).to_be_checked()
    watch.check("account list after filtering")

    # Account page, with whatever charts it draws.
    visit(page, watch, f"{base}/accounts/{alpha.pk}/")
    expect(page.get_by_role("heading", name="Alpha Corp").first).to_be_visible()
    expect(page.locator("[data-chart]:not([data-chart-drawn])")).to_have_count(0)

    # Lists and a list's page with its size chart.
    visit(page, watch, f"{base}/lists/")
    visit(page, watch, f"{base}/lists/{listed.pk}/")
    expect(page.get_by_test_id("size-chart").locator(".main-svg").first).to_be_visible()

    # The list builder: add a condition, see the count, remove it again (a static script, no hx-on).
    visit(page, watch, f"{base}/lists/new/")
    count = page.get_by_test_id("match-count")
    expect(count).to_have_text("2")
    with page.expect_response(lambda r: "/lists/builder/row/" in r.url):
        page.get_by_role("button", name="Add condition").click()
    settle(page)
    expect(page.get_by_test_id("condition-row")).to_have_count(1)
    with page.expect_response(lambda r: "/lists/builder/count/" in r.url):
        page.get_by_role("button", name="Remove condition").click()
    expect(page.get_by_test_id("condition-row")).to_have_count(0)
    expect(count).to_have_text("2")
    watch.check("list builder")

    # Import page and settings pages.
    for path in [
        "/accounts/import/",
        "/accounts/settings/stages/",
        "/accounts/settings/dimensions/",
        "/settings/profile/",
        "/settings/security/",
        "/settings/security/setup/",
        "/settings/metrics/",
        "/team/",
    ]:
        visit(page, watch, base + path)
    # The two-factor QR code is a data: image, which the policy allows.
    visit(page, watch, f"{base}/settings/security/setup/")
    expect(page.get_by_alt_text("QR code holding your authenticator secret")).to_have_js_property("complete", True)
    assert page.get_by_alt_text("QR code holding your authenticator secret").evaluate("i => i.naturalWidth") > 0

    # The API docs page runs Swagger UI from our static files.
    visit(page, watch, f"{base}/api/docs")
    expect(page.locator(".swagger-ui .information-container")).to_be_visible()
    watch.check("api docs")
