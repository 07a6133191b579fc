from django.db import migrations


def install(apps, schema_editor):
    from healthscore.defaults import install_default

    install_default(
        apps.get_model("healthscore", "HealthConfiguration"),
        apps.get_model("healthscore", "HealthComponent"),
        apps.get_model("healthscore", "HealthCriterion"),
        apps.get_model("healthscore", "HealthConfigurationVersion"),
    )
    apps.get_model("healthscore", "HealthSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("healthscore", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
