from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts import importers  # noqa: F401  (registers the CSV import targets)
        from accounts.charts import account_stage_nps_chart
        from accounts.demo import report, seed_accounts
        from accounts.panels import register_account_chart, register_list_summary_panel
        from accounts.views.summary import stage_summary_context
        from core.demo import register_report, register_seeder
        from core.navigation import NavItem, SettingsLink, register, register_settings
        from team.models import TeamPermission

        register_seeder("accounts", 10, seed_accounts)
        register_report("accounts", 10, report)
        register_list_summary_panel(
            "stages", "Accounts by stage", "accounts/list_summary_stages.html", stage_summary_context, order=0
        )
        register_account_chart(
            "stage-nps", "Stage and NPS history", "accounts/chart_stage_nps.html", account_stage_nps_chart, order=40
        )
        register(NavItem(key="accounts", label="Accounts", url_name="accounts:list", order=10))

        def can_configure(user) -> bool:
            return user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS)

        for order, (key, label, url_name) in enumerate(
            [
                ("stages", "Stages", "accounts:settings_stages"),
                ("tiers", "Tiers", "accounts:settings_tiers"),
                ("interaction-types", "Interaction types", "accounts:settings_interaction_types"),
                ("ticket-fields", "Ticket fields", "accounts:settings_ticket_options"),
                ("dimensions", "Custom dimensions", "accounts:settings_dimensions"),
            ]
        ):
            register_settings(
                SettingsLink(
                    key=f"accounts-{key}",
                    label=label,
                    url_name=url_name,
                    section="Accounts",
                    order=30 + order,
                    allowed=can_configure,
                )
            )
