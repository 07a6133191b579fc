"""Only superusers change superusers, and nobody grants a permission (or a role holding one) they lack."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from team import services
from team.models import Invitation, Role, User
from tests.team.factories import UserFactory


@pytest.fixture
def superuser(make_member):
    return make_member("CSM Manager", is_superuser=True, is_staff=True, email="root@example.com")


@pytest.fixture
def limited_admin(roles):
    """A member who manages users but does not see all accounts nor configure connectors."""
    role = Role.objects.create(name="People Admin", manage_users=True, update_accounts=True)
    return UserFactory(role=role)


@pytest.fixture
def admin_client(client, limited_admin):
    client.force_login(limited_admin)
    return client


# Superusers -------------------------------------------------------------------------------------------------------


def test_a_manager_cannot_demote_a_superuser(manager_client, superuser, roles):
    response = manager_client.post(
        reverse("team:member_edit", args=[superuser.pk]), {"full_name": "Demoted", "role": roles["Guest"].pk}
    )
    assert response.status_code == 403
    assert "Only a superuser can change a superuser" in response.content.decode()
    superuser.refresh_from_db()
    assert superuser.role == roles["CSM Manager"] and superuser.full_name != "Demoted"


def test_a_manager_cannot_deactivate_a_superuser(manager_client, superuser):
    response = manager_client.post(reverse("team:member_set_active", args=[superuser.pk]), {"active": "0"})
    assert response.status_code == 403
    superuser.refresh_from_db()
    assert superuser.is_active


def test_a_manager_cannot_reset_a_superusers_2fa(manager_client, superuser):
    device = services.totp_device_start(user=superuser)
    device.confirmed = True
    device.save()
    response = manager_client.post(reverse("team:member_reset_2fa", args=[superuser.pk]))
    assert response.status_code == 403
    assert superuser.has_confirmed_device


def test_a_manager_cannot_open_a_superusers_edit_page(manager_client, superuser):
    response = manager_client.get(reverse("team:member_edit", args=[superuser.pk]))
    assert response.status_code == 403
    listing = manager_client.get(reverse("team:members")).content.decode()
    assert "Only a superuser can change a superuser" in listing
    assert reverse("team:member_edit", args=[superuser.pk]) not in listing


def test_services_refuse_too(manager, superuser, roles):
    with pytest.raises(PermissionDenied):
        services.member_update(member=superuser, full_name="x", role=roles["Guest"], groups=[], by=manager)
    with pytest.raises(PermissionDenied):
        services.member_deactivate(member=superuser, by=manager)
    with pytest.raises(PermissionDenied):
        services.member_twofactor_reset(member=superuser, by=manager)


def test_a_superuser_can_change_another_superuser(client, superuser, make_member, roles):
    other = make_member("CSM Manager", is_superuser=True, email="root2@example.com")
    client.force_login(superuser)
    response = client.post(
        reverse("team:member_edit", args=[other.pk]), {"full_name": "Two", "role": roles["Guest"].pk}
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.role == roles["Guest"]
    assert client.post(reverse("team:member_set_active", args=[other.pk]), {"active": "0"}).status_code == 302
    assert not User.objects.get(pk=other.pk).is_active


# Granting ---------------------------------------------------------------------------------------------------------


def test_a_member_cannot_give_a_role_a_permission_they_lack(admin_client, roles):
    csm = roles["CSM"]
    response = admin_client.post(
        reverse("team:role_edit", args=[csm.pk]),
        {
            "name": "CSM",
            "own_accounts": "on",
            "update_accounts": "on",
            "view_all_accounts": "on",
            "landing_page": "home",
        },
    )
    assert response.status_code == 200
    assert "You cannot grant “View all accounts”" in response.content.decode()
    csm.refresh_from_db()
    assert not csm.view_all_accounts


def test_a_member_cannot_create_a_role_with_a_permission_they_lack(admin_client):
    response = admin_client.post(
        reverse("team:role_create"),
        {"name": "Sneaky", "manage_users": "on", "configure_connectors": "on", "landing_page": "home"},
    )
    assert response.status_code == 200
    assert "You cannot grant “Configure data connectors”" in response.content.decode()
    assert not Role.objects.filter(name="Sneaky").exists()


def test_a_member_may_grant_what_they_hold_and_keep_what_a_role_had(admin_client, roles):
    guest = roles["Guest"]  # holds view all accounts, which the editor lacks: keeping it is not granting
    response = admin_client.post(
        reverse("team:role_edit", args=[guest.pk]),
        {"name": "Guest", "view_all_accounts": "on", "update_accounts": "on", "landing_page": "home"},
    )
    assert response.status_code == 302
    guest.refresh_from_db()
    assert guest.update_accounts and guest.view_all_accounts


def test_a_member_cannot_give_someone_a_role_with_a_permission_they_lack(admin_client, make_member, roles):
    csm = make_member("CSM")
    response = admin_client.post(
        reverse("team:member_edit", args=[csm.pk]), {"full_name": "Promoted", "role": roles["CSM Manager"].pk}
    )
    assert response.status_code == 200
    assert "you do not have" in response.content.decode()
    csm.refresh_from_db()
    assert csm.role == roles["CSM"]


def test_a_member_cannot_invite_with_a_role_holding_a_permission_they_lack(admin_client, roles):
    response = admin_client.post(reverse("team:invite"), {"email": "boss@example.com", "role": roles["Executive"].pk})
    assert response.status_code == 200
    assert "you do not have" in response.content.decode()
    assert not Invitation.objects.exists()
    with pytest.raises(ValidationError):
        services.invitation_create(
            email="x@example.com",
            role=roles["Analyst"],
            groups=[],
            invited_by=User.objects.get(role__name="People Admin"),
        )
