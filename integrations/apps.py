from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from core.navigation import SettingsLink, register_settings
        from team.models import TeamPermission

        register_settings(
            SettingsLink(
                key="integrations-sources",
                label="Data sources",
                url_name="integrations:sources",
                section="Data",
                order=50,
                allowed=lambda user: user.has_team_perm(TeamPermission.CONFIGURE_CONNECTORS),
            )
        )
