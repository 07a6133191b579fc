from django.apps import AppConfig


class HealthscoreConfig(AppConfig):
    name = "healthscore"
    verbose_name = "Health scores"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts.panels import (
            register_account_panel,
            register_list_columns,
            register_list_summary_panel,
            register_overview_facts,
        )
        from core import partitions
        from core.demo import register_report
        from core.navigation import NavItem, register
        from healthscore import columns, metrics, panels
        from healthscore.demo import report
        from healthscore.services import default_install_after_migrate

        partitions.register("healthscore_healthscore", key="date")
        metrics.register()
        register(NavItem(key="health", label="Health", url_name="healthscore:configurations", order=35))
        register_report("health scores", 92, report)
        register_overview_facts("health", panels.account_health_facts, order=5)
        register_account_panel("health", "Health", "healthscore/account_panel.html", order=2)
        register_list_columns(columns.health_columns, columns.health_column_values)
        register_list_summary_panel(
            "health-bands",
            "Accounts and MRR by health band",
            "healthscore/list_summary_bands.html",
            columns.band_summary_context,
            order=5,
        )
        post_migrate.connect(default_install_after_migrate, sender=self, dispatch_uid="healthscore_default")
