from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from core.navigation import SettingsLink, register_settings
        from metrics import builtins
        from team.models import TeamPermission

        builtins.register()
        register_settings(
            SettingsLink(
                key="metrics",
                label="Metrics",
                url_name="metrics:catalogue",
                section="Product",
                order=30,
                allowed=lambda user: user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS),
            )
        )
