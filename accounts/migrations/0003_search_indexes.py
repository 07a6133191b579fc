"""Trigram indexes for the account list search (name or account id contains ...), on PostgreSQL only.

Django's icontains compiles to UPPER(col::text) LIKE UPPER(%s); the indexes cover exactly that expression.
SQLite (the embedded default) has no pg_trgm and searches by scanning, which is fine at its scale.
"""

from django.db import migrations

INDEXES = [
    ("acc_name_trgm_idx", "name"),
    ("acc_account_id_trgm_idx", "account_id"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON accounts_account USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_defaults")]

    operations = [migrations.RunPython(create, drop)]
