from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage"

    def ready(self) -> None:
        from accounts.panels import register_account_panel, register_contact_column, register_overview_facts
        from core import partitions
        from core.pipeline import register_day_guard
        from usage import retention, selectors

        partitions.register("usage_event", key="occurred_at")
        partitions.register("usage_usagesession", key="date")
        for table in ("account", "contact", "module", "feature"):
            partitions.register(f"usage_{table}usagedaily", key="date")
        partitions.register("usage_activityrank", key="date")
        register_day_guard(retention.day_refusal)

        register_account_panel(
            "usage", "Modules & features", "usage/account_usage.html", selectors.account_usage_context, order=20
        )
        register_overview_facts("activity-rank", selectors.account_activity_facts, order=10)
        register_contact_column("activity-rank", "Activity rank", selectors.contact_activity_ranks, order=10)
