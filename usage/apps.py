from django.apps import AppConfig


class UsageConfig(AppConfig):
    name = "usage"
    verbose_name = "Usage"

    def ready(self) -> None:
        from accounts.panels import register_account_panel, register_contact_column, register_overview_facts
        from usage import selectors

        register_account_panel(
            "usage", "Modules & features", "usage/account_usage.html", selectors.account_usage_context, order=20
        )
        register_overview_facts("activity-rank", selectors.account_activity_facts, order=10)
        register_contact_column("activity-rank", "Activity rank", selectors.contact_activity_ranks, order=10)
