import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from team import services
from team.models import Invitation, InvitationStatus, User
from tests.team.factories import TeamGroupFactory

PASSWORD = "a-long-and-unusual-passphrase"


def _link_from(mail) -> str:
    match = re.search(r"http://[^\s\"]+/invitation/[^\s\"/]+/", mail.body)
    assert match, mail.body
    return "/" + match.group(0).split("://", 1)[1].split("/", 1)[1]


def test_it_emails_an_invitation_and_stores_only_a_hash(
    manager_client, roles, mailoutbox, django_capture_on_commit_callbacks
):
    group = TeamGroupFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("team:invite"), {"email": "New.Person@Example.com", "role": roles["CSM"].pk, "groups": [group.pk]}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.email == "new.person@example.com"
    assert invitation.status == InvitationStatus.PENDING
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.person@example.com"]
    token = _link_from(mailoutbox[0]).rstrip("/").rsplit("/", 1)[1]
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert "CSM" in mailoutbox[0].body
    # The team page lists the pending invitation.
    assert "new.person@example.com" in manager_client.get(reverse("team:members")).content.decode()


def test_accepting_creates_a_member_with_role_and_groups(client, manager, roles):
    group = TeamGroupFactory()
    invitation, token = services.invitation_create(
        email="joiner@example.com", role=roles["Analyst"], groups=[group], invited_by=manager
    )
    page = client.get(reverse("team:invitation_accept", args=[token]))
    assert page.status_code == 200 and "joiner@example.com" in page.content.decode()
    response = client.post(
        reverse("team:invitation_accept", args=[token]),
        {"full_name": "Jo Iner", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert response.status_code == 302
    user = User.objects.get(email="joiner@example.com")
    assert user.role == roles["Analyst"] and list(user.team_groups.all()) == [group]
    assert user.check_password(PASSWORD)
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ACCEPTED and invitation.accepted_user == user
    # Logged in straight away.
    assert client.get(reverse("home")).status_code == 200


def test_a_used_link_shows_a_clear_page(client, manager, roles):
    _, token = services.invitation_create(email="once@example.com", role=roles["CSM"], groups=[], invited_by=manager)
    services.invitation_accept(token=token, full_name="Once", password=PASSWORD)
    client.logout()
    response = client.get(reverse("team:invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "already accepted" in response.content.decode()
    response = client.post(
        reverse("team:invitation_accept", args=[token]),
        {"full_name": "Twice", "password": PASSWORD, "password_confirm": PASSWORD},
    )
    assert response.status_code == 410
    assert User.objects.filter(email="once@example.com").count() == 1


def test_an_expired_link_shows_a_clear_page(client, manager, roles):
    invitation, token = services.invitation_create(
        email="late@example.com", role=roles["CSM"], groups=[], invited_by=manager
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.get(reverse("team:invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert not User.objects.filter(email="late@example.com").exists()


def test_an_unknown_or_revoked_link_shows_a_clear_page(client, manager, roles):
    assert client.get(reverse("team:invitation_accept", args=["nonsense"])).status_code == 410
    invitation, token = services.invitation_create(
        email="gone@example.com", role=roles["CSM"], groups=[], invited_by=manager
    )
    services.invitation_revoke(invitation=invitation)
    response = client.get(reverse("team:invitation_accept", args=[token]))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()


def test_resending_replaces_the_link_and_renews_the_expiry(
    manager_client, manager, roles, mailoutbox, django_capture_on_commit_callbacks
):
    invitation, old_token = services.invitation_create(
        email="again@example.com", role=roles["CSM"], groups=[], invited_by=manager
    )
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("team:invitation_resend", args=[invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING
    assert len(mailoutbox) == 1
    assert manager_client.get(reverse("team:invitation_accept", args=[old_token])).status_code == 410


def test_password_rules_and_mismatch_are_reported_on_the_form(client, manager, roles):
    _, token = services.invitation_create(email="weak@example.com", role=roles["CSM"], groups=[], invited_by=manager)
    url = reverse("team:invitation_accept", args=[token])
    response = client.post(url, {"full_name": "Weak", "password": "123", "password_confirm": "123"})
    assert response.status_code == 200 and "too short" in response.content.decode()
    response = client.post(url, {"full_name": "Weak", "password": PASSWORD, "password_confirm": PASSWORD + "x"})
    assert "do not match" in response.content.decode()
    assert not User.objects.filter(email="weak@example.com").exists()


def test_inviting_an_existing_member_is_refused_on_the_form(manager_client, manager, roles):
    response = manager_client.post(reverse("team:invite"), {"email": manager.email.upper(), "role": roles["CSM"].pk})
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_new_invitation_revokes_the_open_one_for_the_same_address(manager, roles):
    first, _ = services.invitation_create(email="dup@example.com", role=roles["CSM"], groups=[], invited_by=manager)
    services.invitation_create(email="dup@example.com", role=roles["Guest"], groups=[], invited_by=manager)
    first.refresh_from_db()
    assert first.status == InvitationStatus.REVOKED
    assert Invitation.objects.filter(email="dup@example.com", revoked_at=None).get().role == roles["Guest"]


def test_an_accepted_invitation_cannot_be_revoked(manager, roles):
    invitation, token = services.invitation_create(
        email="kept@example.com", role=roles["CSM"], groups=[], invited_by=manager
    )
    services.invitation_accept(token=token, full_name="Kept", password=PASSWORD)
    invitation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.invitation_revoke(invitation=invitation)
