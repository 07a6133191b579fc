from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = "Alerts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, post_save, pre_save

        from accounts.panels import register_account_panel
        from alerts.demo import seed_alerts
        from alerts.examples import cutoffs_follow, cutoffs_remember, examples_install_after_migrate
        from alerts.services import task_changed
        from core.demo import register_seeder
        from core.navigation import NavItem, register
        from healthscore.models import HealthSettings
        from tasks.services import on_task_change

        register(NavItem(key="alerts", label="Alerts", url_name="alerts:list", order=25))
        register_account_panel("alerts", "Alerts", "alerts/account_panel.html", order=14)
        on_task_change(task_changed)
        # After the pipeline's backfill and the health scores (the rules read their values), and after the tasks.
        register_seeder("alerts", 310, seed_alerts)
        post_migrate.connect(examples_install_after_migrate, sender=self, dispatch_uid="alerts_examples")
        pre_save.connect(cutoffs_remember, sender=HealthSettings, dispatch_uid="alerts_red_cutoff_before")
        post_save.connect(cutoffs_follow, sender=HealthSettings, dispatch_uid="alerts_red_cutoff_follow")
