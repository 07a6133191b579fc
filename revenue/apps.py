from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "revenue"
    verbose_name = "Revenue"

    def ready(self) -> None:
        from core.navigation import SettingsLink, register_settings
        from team.models import TeamPermission

        register_settings(
            SettingsLink(
                key="revenue-currencies",
                label="Currencies and rates",
                url_name="revenue:currencies",
                section="Data",
                order=60,
                allowed=lambda user: user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS),
            )
        )
