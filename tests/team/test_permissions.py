"""The permission matrix: for each default role, what it may and may not see and change."""

import pytest
from django.urls import reverse

from team.models import TeamPermission, WorkspaceSettings

P = TeamPermission
# SPEC: CSM owns accounts; CSM Manager owns, manages users and settings, sees all; Executive views and updates all;
# Guest is read only; Analyst has everything but owning accounts.
EXPECTED = {
    "CSM": {P.OWN_ACCOUNTS, P.UPDATE_ACCOUNTS},
    "CSM Manager": set(P),
    "Executive": {P.VIEW_ALL_ACCOUNTS, P.UPDATE_ACCOUNTS},
    "Guest": {P.VIEW_ALL_ACCOUNTS},
    "Analyst": set(P) - {P.OWN_ACCOUNTS},
}

# Pages of the team settings and who may open them.
PAGES = {
    "team:members": P.MANAGE_USERS,
    "team:invite": P.MANAGE_USERS,
    "team:roles": P.MANAGE_USERS,
    "team:role_create": P.MANAGE_USERS,
    "team:groups": P.MANAGE_USERS,
    "team:group_create": P.MANAGE_USERS,
    "team:workspace": P.CONFIGURE_SETTINGS,
    "home": None,
    "team:profile": None,
    "team:security": None,
    "password_change": None,
}


@pytest.mark.parametrize("role_name", EXPECTED)
def test_default_roles_grant_what_spec_says(roles, role_name):
    role = roles[role_name]
    granted = {p for p in P if role.has_perm(p)}
    assert granted == EXPECTED[role_name]


@pytest.mark.parametrize("role_name", EXPECTED)
@pytest.mark.parametrize(("url_name", "permission"), PAGES.items())
def test_each_role_sees_only_the_pages_it_may(client, make_member, role_name, url_name, permission):
    client.force_login(make_member(role_name))
    response = client.get(reverse(url_name))
    allowed = permission is None or permission in EXPECTED[role_name]
    assert response.status_code == (200 if allowed else 403)


@pytest.mark.parametrize("role_name", EXPECTED)
def test_only_roles_that_configure_settings_can_change_the_workspace(client, make_member, role_name):
    client.force_login(make_member(role_name))
    response = client.post(reverse("team:workspace"), {"company_name": "Changed Inc", "default_timezone": "UTC"})
    may = P.CONFIGURE_SETTINGS in EXPECTED[role_name]
    assert response.status_code == (302 if may else 403)
    assert (WorkspaceSettings.load().company_name == "Changed Inc") is may


@pytest.mark.parametrize("role_name", EXPECTED)
def test_only_roles_that_manage_users_can_invite(
    client, make_member, role_name, roles, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(make_member(role_name))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("team:invite"), {"email": "newbie@example.com", "role": roles["Guest"].pk})
    may = P.MANAGE_USERS in EXPECTED[role_name]
    assert response.status_code == (302 if may else 403)
    assert len(mailoutbox) == (1 if may else 0)


@pytest.mark.parametrize("role_name", EXPECTED)
def test_navigation_shows_team_only_to_user_managers(client, make_member, role_name):
    client.force_login(make_member(role_name))
    html = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("team:members")}"' in html) is (P.MANAGE_USERS in EXPECTED[role_name])


def test_editing_a_role_changes_what_its_members_may_do(client, make_member, roles):
    guest = make_member("Guest")
    client.force_login(guest)
    assert client.get(reverse("team:workspace")).status_code == 403
    roles["Guest"].configure_settings = True
    roles["Guest"].save()
    assert client.get(reverse("team:workspace")).status_code == 200


def test_a_member_without_role_has_no_permissions(client, make_member):
    member = make_member(None)
    client.force_login(member)
    assert not any(member.has_team_perm(p) for p in P)
    assert client.get(reverse("team:members")).status_code == 403
    assert client.get(reverse("home")).status_code == 200


def test_admin_is_only_for_staff(client, manager):
    client.force_login(manager)
    assert client.get(reverse("admin:index")).status_code == 302
    manager.is_staff = manager.is_superuser = True
    manager.save()
    client.force_login(manager)
    assert client.get(reverse("admin:index")).status_code == 200
