"""An index on events' occurred_at for the daily roll-ups: BRIN on PostgreSQL (events arrive roughly in time
order, and a BRIN index costs ingestion almost nothing), a plain index on SQLite."""

from django.db import migrations


def create(apps, schema_editor):
    using = "USING brin " if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX IF NOT EXISTS usage_event_occurred_idx ON usage_event {using}(occurred_at)")


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS usage_event_occurred_idx")


class Migration(migrations.Migration):
    dependencies = [("usage", "0002_rollups")]

    operations = [migrations.RunPython(create, drop)]
