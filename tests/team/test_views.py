"""Team settings pages: members list (full page and htmx partial), member edit, roles, groups, workspace."""

import datetime

from django.urls import reverse

from team import services
from team.models import Role, TeamGroup, WorkspaceSettings


def test_members_page_lists_members_and_invitations(manager_client, members, manager, roles):
    services.invitation_create(email="invitee@example.com", role=roles["CSM"], groups=[], invited_by=manager)
    response = manager_client.get(reverse("team:members"))
    html = response.content.decode()
    assert "<html" in html and "Team members" in html
    for member in members.values():
        assert member.email in html
    assert "invitee@example.com" in html and "Invited" in html


def test_members_search_answers_htmx_with_just_the_table(manager_client, members):
    csm = members["CSM"]
    response = manager_client.get(reverse("team:members"), {"q": csm.email}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html and 'id="member-table"' in html
    assert csm.email in html and members["Guest"].email not in html


def test_members_status_filter(manager_client, members, manager, roles):
    services.member_deactivate(member=members["Guest"], by=manager)
    services.invitation_create(email="invitee@example.com", role=roles["CSM"], groups=[], invited_by=manager)
    inactive = manager_client.get(reverse("team:members"), {"status": "inactive"}).content.decode()
    assert members["Guest"].email in inactive and members["CSM"].email not in inactive
    assert "invitee@example.com" not in inactive
    pending = manager_client.get(reverse("team:members"), {"status": "pending"}).content.decode()
    assert "invitee@example.com" in pending and members["CSM"].email not in pending
    nobody = manager_client.get(reverse("team:members"), {"q": "zzz-nobody"}).content.decode()
    assert "Nobody matches" in nobody
    # An unknown status is ignored rather than failing.
    assert manager_client.get(reverse("team:members"), {"status": "bogus"}).status_code == 200


def test_member_edit_changes_role_and_groups(manager_client, members, roles):
    group = TeamGroup.objects.create(name="Renewals")
    member = members["CSM"]
    response = manager_client.post(
        reverse("team:member_edit", args=[member.pk]),
        {"full_name": "Renamed", "role": roles["Executive"].pk, "groups": [group.pk]},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.full_name == "Renamed" and member.role == roles["Executive"]
    assert list(member.team_groups.all()) == [group]


def test_a_manager_cannot_remove_their_own_user_management(manager_client, manager, roles):
    response = manager_client.post(
        reverse("team:member_edit", args=[manager.pk]), {"full_name": "Me", "role": roles["Guest"].pk}
    )
    assert response.status_code == 200
    assert "cannot remove your own permission" in response.content.decode()
    manager.refresh_from_db()
    assert manager.role == roles["CSM Manager"]


def test_roles_can_be_created_edited_and_deleted(manager_client, roles):
    response = manager_client.post(
        reverse("team:role_create"),
        {"name": "Support lead", "description": "Sees all", "view_all_accounts": "on", "landing_page": "home"},
    )
    assert response.status_code == 302
    role = Role.objects.get(name="Support lead")
    assert role.view_all_accounts and not role.update_accounts
    manager_client.post(
        reverse("team:role_edit", args=[role.pk]), {"name": "Support lead", "landing_page": "home", "require_2fa": "on"}
    )
    role.refresh_from_db()
    assert role.require_2fa and not role.view_all_accounts
    manager_client.post(reverse("team:role_edit", args=[role.pk]), {"delete": "1"})
    assert not Role.objects.filter(pk=role.pk).exists()


def test_a_role_with_members_cannot_be_deleted(manager_client, members, roles):
    response = manager_client.post(reverse("team:role_edit", args=[roles["CSM"].pk]), {"delete": "1"}, follow=True)
    assert "still has members" in response.content.decode()
    assert Role.objects.filter(name="CSM").exists()


def test_role_form_rejects_a_duplicate_name_and_unknown_landing_page(manager_client, roles):
    response = manager_client.post(reverse("team:role_create"), {"name": "CSM", "landing_page": "nowhere"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "already exists" in html and "Select a valid choice" in html


def test_groups_empty_state_then_create_and_delete(manager_client, members):
    assert "No team groups yet" in manager_client.get(reverse("team:groups")).content.decode()
    response = manager_client.post(
        reverse("team:group_create"), {"name": "Onboarding", "members": [members["CSM"].pk, members["Analyst"].pk]}
    )
    assert response.status_code == 302
    group = TeamGroup.objects.get(name="Onboarding")
    assert set(group.members.all()) == {members["CSM"], members["Analyst"]}
    assert "2 members" in manager_client.get(reverse("team:groups")).content.decode()
    manager_client.post(reverse("team:group_edit", args=[group.pk]), {"delete": "1"})
    assert not TeamGroup.objects.exists()


def test_workspace_settings_are_saved_and_validated(manager_client, members):
    response = manager_client.post(
        reverse("team:workspace"), {"company_name": "Globex", "default_timezone": "America/New_York"}
    )
    assert response.status_code == 302
    assert WorkspaceSettings.load().default_timezone == "America/New_York"
    bad = manager_client.post(reverse("team:workspace"), {"company_name": "", "default_timezone": "Nowhere/City"})
    assert bad.status_code == 200
    assert "This field is required" in bad.content.decode()
    assert WorkspaceSettings.load().company_name == "Globex"


def test_user_text_is_escaped(manager_client, members):
    member = members["Guest"]
    member.full_name = "<script>alert(1)</script>"
    member.save()
    html = manager_client.get(reverse("team:members")).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_dates_show_in_the_members_time_zone(manager_client, manager, roles):
    invitation, _ = services.invitation_create(email="tz@example.com", role=roles["CSM"], groups=[], invited_by=manager)
    invitation.expires_at = datetime.datetime(2099, 1, 1, 20, 0, tzinfo=datetime.UTC)
    invitation.save()
    assert "until 1 Jan" in manager_client.get(reverse("team:members")).content.decode()
    manager.timezone = "Asia/Tokyo"
    manager.save()
    assert "until 2 Jan" in manager_client.get(reverse("team:members")).content.decode()
