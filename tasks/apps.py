from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = "Tasks"

    def ready(self) -> None:
        from accounts.panels import register_account_panel
        from core.demo import register_seeder
        from core.navigation import NavItem, SettingsLink, register, register_nav_widget, register_settings
        from tasks.demo import seed_tasks

        register(NavItem(key="tasks", label="Tasks", url_name="tasks:mine", order=30))
        register_settings(
            SettingsLink(
                key="notifications",
                label="Notifications",
                url_name="tasks:notification_settings",
                section="You",
                order=3,
            )
        )
        register_nav_widget("notifications", "tasks/bell_slot.html", order=10)
        register_account_panel("tasks", "Tasks", "tasks/account_panel.html", order=15)
        # Late: after the accounts, the pipeline's backfill and the health scores the alerts read.
        register_seeder("tasks", 300, seed_tasks)
