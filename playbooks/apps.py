from django.apps import AppConfig


class PlaybooksConfig(AppConfig):
    name = "playbooks"
    verbose_name = "Playbooks"

    def ready(self) -> None:
        from accounts.panels import register_account_panel
        from team.models import TeamPermission

        register_account_panel(
            "playbooks",
            "Playbooks",
            "playbooks/account_panel.html",
            order=16,
            allowed=lambda user: user is not None and user.has_team_perm(TeamPermission.UPDATE_ACCOUNTS),
        )
