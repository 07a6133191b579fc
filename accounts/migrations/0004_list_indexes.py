"""Indexes for the account list: the Active view's stage counts, and sorting by CSM score.

The CSM-score index needs NULLS LAST, which SQLite cannot declare in an index, so it is PostgreSQL only (SQLite,
the embedded default, sorts its few hundred accounts without it).
"""

from django.db import migrations, models

CSM_SCORE_INDEX = (
    "CREATE INDEX IF NOT EXISTS acc_csm_score_sort_idx ON accounts_account "
    '("csm_score" DESC NULLS LAST, "name", "id") WHERE NOT "is_deleted"'
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CSM_SCORE_INDEX)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS acc_csm_score_sort_idx")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="account",
            index=models.Index(
                condition=models.Q(("churned_on__isnull", True), ("is_deleted", False)),
                fields=["stage"],
                name="acc_active_stage_idx",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
