"""The daily roll-ups and activity ranks partitioned by month of `date` (PostgreSQL; core.partitions), keyed by
(id, date), with their indexes and rows carried over in batches, so a day's rewrite and reads touch the day's
month whatever the history kept. Without effect on SQLite."""

from django.db import migrations

from core import partitions

MODELS = ["AccountUsageDaily", "ContactUsageDaily", "ModuleUsageDaily", "FeatureUsageDaily", "ActivityRank"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        partitions.table_partition(schema_editor, apps.get_model("usage", name), key="date")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in MODELS:
        partitions.table_unpartition(schema_editor, apps.get_model("usage", name)._meta.db_table)


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0007_events_and_sessions_partitioned_by_month"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
