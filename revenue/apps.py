from django.apps import AppConfig


class RevenueConfig(AppConfig):
    name = "revenue"
    verbose_name = "Revenue"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from accounts.panels import register_account_panel
        from core.demo import register_report, register_seeder
        from core.formatting import forget_default_currency, register_default_currency
        from core.navigation import SettingsLink, register_settings
        from revenue import importers
        from revenue.demo import report, seed_revenue
        from revenue.models import RevenueSettings
        from revenue.selectors import base_currency
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
        register_report("revenue", 25, report)
        register_default_currency(base_currency)
        post_save.connect(
            lambda **kwargs: forget_default_currency(), sender=RevenueSettings, weak=False, dispatch_uid="currency"
        )
        importers.register()
        register_account_panel("revenue", "Subscriptions & invoices", "revenue/account_revenue.html", order=40)
