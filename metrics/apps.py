from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "metrics"
    verbose_name = "Metrics"

    def ready(self) -> None:
        from accounts.panels import (
            register_account_chart,
            register_list_columns,
            register_list_summary_panel,
            register_overview_facts,
        )
        from core import partitions
        from core.demo import register_report, register_seeder
        from core.navigation import SettingsLink, register_settings
        from metrics import builtins, charts, columns, importers, panels
        from metrics.demo import report, seed_pipeline
        from team.models import TeamPermission

        partitions.register("metrics_metricvalue", key="date")
        builtins.register()
        importers.register()
        register_seeder("pipeline", 90, seed_pipeline)
        register_report("pipeline", 90, report)
        register_overview_facts("revenue", panels.account_revenue_facts, order=20)
        register_list_columns(columns.metric_columns, columns.metric_column_values)
        register_account_chart(
            "usage", "Product usage, last 90 days", "metrics/chart_usage.html", charts.account_usage_chart, order=10
        )
        register_account_chart("mrr", "MRR, past year", "metrics/chart_mrr.html", charts.account_mrr_chart, order=20)
        register_account_chart(
            "activity-rank", "Activity rank, past year", "metrics/chart_rank.html", charts.account_rank_chart, order=30
        )
        register_list_summary_panel(
            "revenue-trend",
            "MRR and ARR, past year",
            "revenue/list_revenue_trend.html",
            panels.revenue_trend_context,
            order=10,
        )
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
