"""The metrics app's unique (account, metric, date) index now carries the value itself (metrics 0003): the lists'
own covering index would only be a second copy to write every day."""

from django.db import migrations


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS seg_metricvalue_window_idx")


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS seg_metricvalue_window_idx "
            "ON metrics_metricvalue (metric_id, account_id, date) INCLUDE (value)"
        )


class Migration(migrations.Migration):
    dependencies = [("segments", "0002_metric_value_covering_index"), ("metrics", "0003_leaner_value_tables")]

    operations = [migrations.RunPython(drop, create)]
