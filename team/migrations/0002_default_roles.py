from django.db import migrations


def install_default_roles(apps, schema_editor):
    from team.constants import DEFAULT_ROLES

    Role = apps.get_model("team", "Role")
    for spec in DEFAULT_ROLES:
        Role.objects.get_or_create(name=spec["name"], defaults={**spec, "is_builtin": True})


class Migration(migrations.Migration):
    dependencies = [("team", "0001_initial")]

    operations = [migrations.RunPython(install_default_roles, migrations.RunPython.noop)]
