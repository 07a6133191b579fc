"""Install the default stages, tiers, interaction types and ticket picklists; land CSMs on the account list."""

from django.db import migrations

from accounts.constants import (
    DEFAULT_INTERACTION_TYPES,
    DEFAULT_STAGES,
    DEFAULT_TICKET_OPTIONS,
    DEFAULT_TIERS,
    LANDING_ROLES,
)


def install(apps, schema_editor):
    for model_name, names in [
        ("Stage", DEFAULT_STAGES),
        ("Tier", DEFAULT_TIERS),
        ("InteractionType", DEFAULT_INTERACTION_TYPES),
    ]:
        model = apps.get_model("accounts", model_name)
        for order, name in enumerate(names):
            model.objects.get_or_create(name=name, defaults={"order": order})
    TicketOption = apps.get_model("accounts", "TicketOption")
    for kind, options in DEFAULT_TICKET_OPTIONS.items():
        for order, (name, is_closed) in enumerate(options):
            TicketOption.objects.get_or_create(kind=kind, name=name, defaults={"order": order, "is_closed": is_closed})


def land_on_accounts(apps, schema_editor):
    Role = apps.get_model("team", "Role")
    Role.objects.filter(name__in=LANDING_ROLES, landing_page="home").update(landing_page="accounts")


def land_on_home(apps, schema_editor):
    Role = apps.get_model("team", "Role")
    Role.objects.filter(name__in=LANDING_ROLES, landing_page="accounts").update(landing_page="home")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("team", "0002_default_roles"),
    ]

    operations = [
        migrations.RunPython(install, migrations.RunPython.noop),
        migrations.RunPython(land_on_accounts, land_on_home),
    ]
