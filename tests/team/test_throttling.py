"""Login throttling counts one email however it is typed, and the flows that prove a mailbox clear a lockout."""

import re

from django.urls import reverse

from team import services

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "another-long-passphrase-42"


def login(client, email, password=PASSWORD):
    return client.post(reverse("login"), {"username": email, "password": password})


def lock_out(client, email_variants, settings):
    for i in range(settings.AXES_FAILURE_LIMIT):
        login(client, email_variants[i % len(email_variants)], "wrong")


def test_case_and_spacing_variants_of_an_email_share_one_count(client, make_member, settings):
    member = make_member("CSM", email="ann@example.com")
    variants = ["Ann@Example.com", "ANN@EXAMPLE.COM", " ann@example.com ", "aNn@example.COM", "ann@EXAMPLE.com"]
    for variant in variants[: settings.AXES_FAILURE_LIMIT - 1]:
        assert login(client, variant, "wrong").status_code == 200
    assert login(client, variants[-1], "wrong").status_code == 429
    # Locked out whatever the spelling, even with the right password.
    assert login(client, member.email).status_code == 429
    assert login(client, "ANN@example.com").status_code == 429


def test_a_password_reset_clears_the_lockout(
    client, make_member, settings, mailoutbox, django_capture_on_commit_callbacks
):
    member = make_member("CSM", email="Bea@Example.com")
    lock_out(client, ["BEA@example.com", "bea@example.com"], settings)
    assert login(client, "bea@example.com").status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": "  BEA@EXAMPLE.COM "})
    assert len(mailoutbox) == 1
    path = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", mailoutbox[0].body).group(1)
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert login(client, "bea@example.com", NEW_PASSWORD).status_code == 302


def test_accepting_an_invitation_clears_a_lockout_of_that_address(client, manager, roles, settings, make_member):
    _, token = services.invitation_create(email=" Cleo@Example.com ", role=roles["CSM"], groups=[], invited_by=manager)
    lock_out(client, ["cleo@example.com"], settings)
    assert login(client, "cleo@example.com", "wrong").status_code == 429
    response = client.post(
        reverse("team:invitation_accept", args=[token]),
        {"full_name": "Cleo", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    client.logout()
    assert login(client, "Cleo@Example.com", NEW_PASSWORD).status_code == 302
