"""The score history partitioned by month of `date` (PostgreSQL; core.partitions), keyed by (id, date), with its
unique (account, date) constraint, its index and its rows carried over in batches, so a day's rescoring and the
account page's and the calibration's reads touch the months they need whatever the history kept. Without effect on
SQLite."""

from django.db import migrations

from core import partitions


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        partitions.table_partition(schema_editor, apps.get_model("healthscore", "HealthScore"), key="date")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        partitions.table_unpartition(schema_editor, apps.get_model("healthscore", "HealthScore")._meta.db_table)


class Migration(migrations.Migration):
    dependencies = [
        ("healthscore", "0002_default_configuration"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
