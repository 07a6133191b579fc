"""Raw events partitioned by month of `occurred_at`, sessions by month of `date` (PostgreSQL; core.partitions),
and the record of how far back raw events are kept.

A partitioned table's unique indexes must hold its partition key: events are keyed by (id, occurred_at) and stored
once per (source, event id, time); sessions are keyed by (id, date). Ids keep their sequence, so the cursors of
the jobs that read new events by id stay valid. An existing installation keeps its rows: each old table is renamed,
the new one created with its months, the rows copied in batches (with progress on the console) and the old table
dropped, all in the migration's transaction. On SQLite only the events' unique constraint changes.
"""

import datetime

from django.db import migrations, models

from core import partitions

# Table, partition key, key columns, the BRIN index on the partition key, the unique constraint (name, columns).
TABLES = [
    (
        "usage_event",
        "occurred_at",
        ("id", "occurred_at"),
        "usage_event_occurred_idx",
        ("usage_event_unique_at", ("source_id", "event_id", "occurred_at")),
    ),
    ("usage_usagesession", "date", ("id", "date"), "usage_usagesession_day", None),
]
OLD_UNIQUE = ("usage_event_unique_id", ("source_id", "event_id"))
MODELS = {"usage_event": "Event", "usage_usagesession": "UsageSession"}


def _columns(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND NOT attisdropped "
        "ORDER BY attnum",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def _set_aside(schema_editor, table: str, brin: str, unique: tuple | None) -> str:
    """Rename `table` to `<table>_old`, with its key and sequence; drop the indexes the copy does not need."""
    quote = schema_editor.quote_name
    old = f"{table}_old"
    schema_editor.execute(f"DROP INDEX IF EXISTS {quote(brin)}")
    for name in (OLD_UNIQUE[0], unique[0] if unique else None):
        if name:
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(name)}")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        sequence = cursor.fetchone()[0]
    schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
    schema_editor.execute(f"ALTER INDEX IF EXISTS {quote(table + '_pkey')} RENAME TO {quote(old + '_pkey')}")
    if sequence:
        schema_editor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {quote(old + '_id_seq')}")
    return old


def _copy_back(schema_editor, table: str, old: str, key: str) -> None:
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        partitions.rows_copy(
            cursor,
            source=quote(old),
            target=quote(table),
            columns=[quote(c) for c in _columns(cursor, old)],
            order_by="id",
            report=partitions.progress_printer(table),
        )
        cursor.execute(f"SELECT MAX(id) FROM {quote(old)}")
        (last,) = cursor.fetchone()
        if last:
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, last])
    schema_editor.execute(f"DROP TABLE {quote(old)}")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        # The unique constraint of the state (source, event id, time) replaces the old one: SQLite rebuilds the table.
        model = apps.get_model("usage", "Event")
        schema_editor.remove_constraint(model, models.UniqueConstraint(fields=OLD_UNIQUE[1], name=OLD_UNIQUE[0]))
        # The rebuilt table has the indexes of the model only: the time index of migration 0003 comes back.
        schema_editor.execute("CREATE INDEX IF NOT EXISTS usage_event_occurred_idx ON usage_event (occurred_at)")
        return
    quote = schema_editor.quote_name
    today = datetime.datetime.now(datetime.UTC).date()
    ahead = partitions.next_month(partitions.next_month(today))
    for table, key, primary_key, brin, unique in TABLES:
        model = apps.get_model("usage", MODELS[table])
        old = _set_aside(schema_editor, table, brin, unique)
        partitions.partitioned_table_create(schema_editor, model, key=key, primary_key=primary_key)
        if unique:
            name, columns = unique
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE ({', '.join(map(quote, columns))})"
            )
        schema_editor.execute(f"CREATE INDEX {quote(brin)} ON {quote(table)} USING brin ({quote(key)})")
        # The months that hold rows (one pass over the table), then this month and the next ones.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"SELECT DISTINCT CAST(date_trunc('month', {quote(key)}) AS date) FROM {quote(old)}")
            months = [row[0] for row in cursor.fetchall()]
        for month in months:
            partitions.partition_ensure(table, month, key=key)
        partitions.partitions_ensure(table, first=today, last=ahead, key=key)
        _copy_back(schema_editor, table, old, key)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    for table, key, _, brin, unique in TABLES:
        old = f"{table}_old"
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(brin)}")
        if unique:
            schema_editor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT IF EXISTS {quote(unique[0])}")
        schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(old)}")
        schema_editor.execute(f"ALTER INDEX IF EXISTS {quote(table + '_pkey')} RENAME TO {quote(old + '_pkey')}")
        schema_editor.execute(f"ALTER SEQUENCE IF EXISTS {quote(table + '_id_seq')} RENAME TO {quote(old + '_id_seq')}")
        schema_editor.execute(
            f"CREATE TABLE {quote(table)} (LIKE {quote(old)} INCLUDING DEFAULTS INCLUDING IDENTITY, PRIMARY KEY (id))"
        )
        if unique:
            name, columns = OLD_UNIQUE
            schema_editor.execute(
                f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} UNIQUE ({', '.join(map(quote, columns))})"
            )
        schema_editor.execute(f"CREATE INDEX {quote(brin)} ON {quote(table)} USING brin ({quote(key)})")
        _copy_back(schema_editor, table, old, key)


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0006_rollups_indexed_by_day"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventRetention",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("events_from", models.DateField()),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(model_name="event", name="usage_event_unique_id"),
                migrations.AddConstraint(
                    model_name="event",
                    constraint=models.UniqueConstraint(
                        fields=("source_id", "event_id", "occurred_at"), name="usage_event_unique_at"
                    ),
                ),
            ]
        ),
        migrations.RunPython(forwards, backwards),
    ]
