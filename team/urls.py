from django.urls import path

from team import views

app_name = "team"

urlpatterns = [
    path("start/", views.landing, name="landing"),
    path("login/verify/", views.verify, name="verify"),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("settings/profile/", views.profile, name="profile"),
    path("settings/security/", views.security, name="security"),
    path("settings/security/setup/", views.twofactor_setup, name="twofactor_setup"),
    path("settings/security/backup-codes/", views.backup_codes, name="backup_codes"),
    path("settings/security/disable/", views.twofactor_disable, name="twofactor_disable"),
    path("settings/workspace/", views.workspace, name="workspace"),
    path("team/", views.members, name="members"),
    path("team/invite/", views.invite, name="invite"),
    path("team/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path("team/invitations/<int:pk>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("team/members/<int:pk>/", views.member_edit, name="member_edit"),
    path("team/members/<int:pk>/active/", views.member_set_active, name="member_set_active"),
    path("team/members/<int:pk>/reset-2fa/", views.member_reset_2fa, name="member_reset_2fa"),
    path("team/roles/", views.roles, name="roles"),
    path("team/roles/new/", views.role_edit, name="role_create"),
    path("team/roles/<int:pk>/", views.role_edit, name="role_edit"),
    path("team/groups/", views.groups, name="groups"),
    path("team/groups/new/", views.group_edit, name="group_create"),
    path("team/groups/<int:pk>/", views.group_edit, name="group_edit"),
]
