from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "revenue"
    verbose_name = "Revenue"

    def ready(self) -> None:
        from accounts.panels import register_account_panel
        from core.demo import register_seeder
        from core.navigation import SettingsLink, register_settings
        from revenue import importers
        from revenue.demo import seed_revenue
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
        register_seeder("revenue", 25, seed_revenue)
        importers.register()
        register_account_panel("revenue", "Subscriptions & invoices", "revenue/account_revenue.html", order=40)
