"""A covering index for list conditions: per-account metric windows become index-only scans on PostgreSQL.

The index lives on the metrics app's table; lists are its heaviest reader. Skipped on SQLite.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS seg_metricvalue_window_idx "
    "ON metrics_metricvalue (metric_id, account_id, date) INCLUDE (value)"
)
DROP = "DROP INDEX IF EXISTS seg_metricvalue_window_idx"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("segments", "0001_initial"), ("metrics", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
