from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from core.demo import register_report, register_seeder
        from core.navigation import SettingsLink, register_settings
        from integrations.demo import report, seed_events
        from team.models import TeamPermission

        register_seeder("product events", 20, seed_events)
        register_report("product events", 20, report)

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
