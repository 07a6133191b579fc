from django.apps import AppConfig


class HealthscoreConfig(AppConfig):
    name = "healthscore"
    verbose_name = "Health scores"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from healthscore import metrics
        from healthscore.services import default_install_after_migrate

        metrics.register()
        post_migrate.connect(default_install_after_migrate, sender=self, dispatch_uid="healthscore_default")
