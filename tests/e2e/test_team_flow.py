"""Browser tests of the team flows, in Debian's Chromium."""

import re
import time

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def totp_from_secret(secret: str, steps_ahead: int = 0) -> str:
    import base64

    totp = TOTP(base64.b32decode(secret))
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"


def log_in(page: Page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def log_out(page: Page) -> None:
    page.get_by_test_id("member-menu").click()
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_invite_accept_enable_2fa_and_log_in_with_a_code(live_server, page: Page, manager, mailoutbox):
    base = live_server.url
    log_in(page, base, manager.email)
    expect(page.get_by_test_id("member-menu")).to_contain_text(manager.full_name)

    # Invite a new member as a CSM.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_role("link", name="Invite a member").click()
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Role").select_option(label="CSM")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to newcomer@example.com")).to_be_visible()
    expect(page.get_by_role("cell", name="newcomer@example.com")).to_be_visible()
    log_out(page)

    # Accept it from the emailed link and set a password.
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+(/invitation/\S+/)", mailoutbox[0].body).group(1)
    page.goto(base + link)
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Password", exact=True).fill("a-sturdy-passphrase-9")
    page.get_by_label("Password again").fill("a-sturdy-passphrase-9")
    page.get_by_role("button", name="Join").click()
    expect(page.get_by_text("Welcome to the team, Nia Newcomer.")).to_be_visible()

    # Enable 2FA by reading the secret the page shows.
    page.get_by_test_id("member-menu").click()
    page.get_by_role("link", name="Two-factor authentication", exact=True).click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    secret = page.get_by_test_id("totp-secret").inner_text().strip()
    page.get_by_label("Code from your app").fill(totp_from_secret(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Two-factor authentication is on.")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="I saved them, continue").click()
    log_out(page)

    # Log in again: password, then a code.
    log_in(page, base, "newcomer@example.com", "a-sturdy-passphrase-9")
    expect(page.get_by_role("heading", name="Enter your authentication code")).to_be_visible()
    page.get_by_label("Authentication code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code is not valid")).to_be_visible()
    time.sleep(1.1)  # a wrong code throttles the authenticator for a second
    page.get_by_label("Authentication code").fill(totp_from_secret(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    # CSMs land on the account list, signed in.
    expect(page).to_have_url(re.compile(r"/accounts/$"))
    expect(page.get_by_test_id("member-menu")).to_contain_text("Nia Newcomer")


def test_a_role_that_requires_2fa_sends_members_to_setup(live_server, page: Page, manager, make_member):
    guest = make_member("Guest", email="guest@example.com")
    base = live_server.url
    log_in(page, base, manager.email)
    page.goto(f"{base}/team/roles/")
    page.get_by_role("link", name="Edit Guest").click()
    page.get_by_label("Require two-factor authentication").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Role Guest is saved.")).to_be_visible()
    log_out(page)

    log_in(page, base, guest.email)
    expect(page).to_have_url(re.compile(r"/settings/security/setup/$"))
    expect(page.get_by_text("Your role requires two-factor authentication")).to_be_visible()
    page.goto(f"{base}/team/")
    expect(page).to_have_url(re.compile(r"/settings/security/setup/$"))
