"""Signing in: passwords, throttling, two-factor authentication, password reset and deactivation."""

import base64
import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from team import services

PASSWORD = "correct-horse-battery-staple"


def login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


@pytest.fixture
def with_2fa(make_member):
    """A CSM with a confirmed authenticator and backup codes."""
    member = make_member("CSM")
    device = services.totp_device_start(user=member)
    codes = services.totp_device_confirm(device=device, token=totp_code(device))
    return member, device, codes


def test_it_logs_in_by_email_and_lands_on_the_role_page(client, make_member):
    member = make_member("CSM", email="Case@Example.com")
    response = login(client, "case@example.com")
    assert response.status_code == 302 and response["Location"] == reverse("team:landing")
    assert client.get(reverse("team:landing"))["Location"] == reverse("accounts:list")
    assert client.get(reverse("home")).context["user"] == member
    client.logout()
    make_member("Guest", email="guest@example.com")
    login(client, "guest@example.com")
    assert client.get(reverse("team:landing"))["Location"] == reverse("home")


def test_a_wrong_password_is_refused_with_a_clear_message(client, make_member):
    member = make_member("CSM")
    response = login(client, member.email, "wrong")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_wrong_passwords_are_throttled_after_a_few_tries(client, make_member, settings):
    member = make_member("CSM")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, member.email, "wrong").status_code == 200
    locked = login(client, member.email, "wrong")
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    # Even the right password is refused while locked out.
    assert login(client, member.email).status_code == 429
    assert client.get(reverse("home")).status_code == 302


def test_a_deactivated_member_cannot_log_in_and_loses_their_session(manager_client, make_member):
    member = make_member("CSM")
    client = Client()
    client.force_login(member)
    assert client.get(reverse("home")).status_code == 200
    manager_client.post(reverse("team:member_set_active", args=[member.pk]), {"active": "0"})
    member.refresh_from_db()
    assert not member.is_active and member.deactivated_at is not None
    assert client.get(reverse("home")).status_code == 302
    client.logout()
    assert "do not match" in login(client, member.email).content.decode()
    manager_client.post(reverse("team:member_set_active", args=[member.pk]), {"active": "1"})
    assert login(client, member.email).status_code == 302


def test_a_manager_cannot_deactivate_themselves(manager_client, manager):
    response = manager_client.post(reverse("team:member_set_active", args=[manager.pk]), {"active": "0"}, follow=True)
    manager.refresh_from_db()
    assert manager.is_active
    assert "cannot deactivate yourself" in response.content.decode()


def test_a_member_with_2fa_must_enter_a_code_after_the_password(client, with_2fa):
    member, device, _ = with_2fa
    login(client, member.email)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("team:verify"))
    response = client.post(reverse("team:verify"), {"token": totp_code(device, steps_ahead=1), "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200


def test_wrong_totp_codes_do_not_lock_out_backup_codes(client, with_2fa, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    member, device, codes = with_2fa
    login(client, member.email)
    wrong = "000000" if totp_code(device, 1) != "000000" else "111111"
    for _ in range(3):
        response = client.post(reverse("team:verify"), {"token": wrong})
        assert response.status_code == 200 and "not valid" in response.content.decode()
    # The authenticator is now throttled: even its right code is refused for a while...
    response = client.post(reverse("team:verify"), {"token": totp_code(device, steps_ahead=1)})
    assert response.status_code == 200
    # ...but the backup codes are not.
    response = client.post(reverse("team:verify"), {"token": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_a_backup_code_works_once(client, with_2fa):
    member, _, codes = with_2fa
    login(client, member.email)
    assert client.post(reverse("team:verify"), {"token": codes[1].upper()}).status_code == 302
    client.post(reverse("logout"))
    login(client, member.email)
    response = client.post(reverse("team:verify"), {"token": codes[1]})
    assert response.status_code == 200 and "not valid" in response.content.decode()


def test_setting_up_2fa_shows_a_qr_code_and_backup_codes(client, make_member):
    member = make_member("Guest")
    client.force_login(member)
    page = client.get(reverse("team:twofactor_setup"))
    html = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in html
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7=]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=member, confirmed=False)
    assert base64.b32decode(secret) == device.bin_key
    wrong = client.post(reverse("team:twofactor_setup"), {"token": "123456" if totp_code(device) != "123456" else "1"})
    assert "does not match" in wrong.content.decode()
    time.sleep(1.1)  # a wrong code throttles the device for a second
    response = client.post(reverse("team:twofactor_setup"), {"token": totp_code(device)}, follow=True)
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", response.content.decode())
    assert len(codes) == 10
    assert member.has_confirmed_device
    # Codes are shown once only.
    assert client.get(reverse("team:backup_codes")).status_code == 302


def test_a_role_that_requires_2fa_sends_members_to_setup_first(client, make_member, roles):
    roles["Executive"].require_2fa = True
    roles["Executive"].save()
    member = make_member("Executive")
    login(client, member.email)
    for url in [reverse("home"), reverse("team:profile"), reverse("admin:index")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == reverse("team:twofactor_setup"), url
    assert client.get(reverse("team:twofactor_setup")).status_code == 200
    # Turning 2FA off is refused while the role requires it.
    client.post(reverse("team:twofactor_disable"))
    assert client.get(reverse("home"))["Location"] == reverse("team:twofactor_setup")


def test_an_admin_can_reset_a_members_2fa(manager_client, with_2fa):
    member, _, _ = with_2fa
    client = Client()
    response = manager_client.get(reverse("team:member_edit", args=[member.pk]))
    assert "Reset 2FA" in response.content.decode()
    manager_client.post(reverse("team:member_reset_2fa", args=[member.pk]))
    assert not member.has_confirmed_device
    login(client, member.email)
    assert client.get(reverse("home")).status_code == 200


def test_password_reset_emails_a_working_link(client, make_member, mailoutbox, django_capture_on_commit_callbacks):
    member = make_member("CSM")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": member.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    path = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    new = "another-long-passphrase-42"
    response = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)
    # The link is spent.
    assert "no longer valid" in client.get(path, follow=True).content.decode()


def test_password_reset_for_an_unknown_address_reveals_nothing(client, mailoutbox, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert "If that address belongs to a team member" in response.content.decode()
    assert mailoutbox == []


def test_a_member_can_change_their_password(client, make_member):
    member = make_member("Guest")
    client.force_login(member)
    new = "brand-new-passphrase-77"
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)


def test_a_member_updates_their_name_and_time_zone(client, make_member):
    member = make_member("Guest")
    client.force_login(member)
    response = client.post(reverse("team:profile"), {"full_name": "New Name", "timezone": "Europe/Paris"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.full_name, member.timezone) == ("New Name", "Europe/Paris")
    bad = client.post(reverse("team:profile"), {"full_name": "X", "timezone": "Mars/Olympus"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
