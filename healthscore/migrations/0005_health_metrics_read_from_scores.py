"""The health metrics read from the score history: "health score" comes from the view `healthscore_scorevalue` and
each component's score from `healthscore_componentvalue` (the columns of the metric values) instead of being copied
into the metric values every day. Their copies are dropped and the catalogue points those metrics at the views.

The score view takes the metric's id from a subquery that PostgreSQL runs once per statement, so a reader's
`metric_id = X` is decided once (a one-time filter), not per row."""

from django.db import migrations, models

SCORES = "healthscore_scorevalue"
COMPONENTS = "healthscore_componentvalue"

SCORE_VIEW = f"""
CREATE VIEW {SCORES} AS
SELECT (SELECT id FROM metrics_metric WHERE key = 'health_score') AS metric_id, s.account_id AS account_id,
    s.date AS date, CAST(s.score AS {{double}}) AS value
FROM healthscore_healthscore s WHERE s.score IS NOT NULL
"""

COMPONENT_VIEW = f"""
CREATE VIEW {COMPONENTS} AS
SELECT cm.metric_id AS metric_id, s.account_id AS account_id, s.date AS date,
    CAST({{component}} AS {{double}}) AS value
FROM healthscore_healthscore s
JOIN (SELECT c.id AS component_id, c.configuration_id, m.id AS metric_id FROM healthscore_healthcomponent c
      JOIN metrics_metric m ON m.key = 'health.' || c.key) cm ON cm.configuration_id = s.configuration_id
WHERE {{component}} IS NOT NULL
"""

VENDORS = {
    "postgresql": {"double": "DOUBLE PRECISION", "component": "s.components ->> CAST(cm.component_id AS TEXT)"},
    "sqlite": {"double": "REAL", "component": "json_extract(s.components, '$.\"' || cm.component_id || '\"')"},
}


def forwards(apps, schema_editor):
    vendor = VENDORS["postgresql" if schema_editor.connection.vendor == "postgresql" else "sqlite"]
    schema_editor.execute(SCORE_VIEW.format(**vendor))
    schema_editor.execute(COMPONENT_VIEW.format(**vendor))
    schema_editor.execute(f"UPDATE metrics_metric SET values_table = '{SCORES}' WHERE key = 'health_score'")
    schema_editor.execute(f"UPDATE metrics_metric SET values_table = '{COMPONENTS}' WHERE key LIKE 'health.%%'")
    schema_editor.execute(
        "DELETE FROM metrics_metricvalue WHERE metric_id IN "
        f"(SELECT id FROM metrics_metric WHERE values_table IN ('{SCORES}', '{COMPONENTS}'))"
    )


def backwards(apps, schema_editor):
    # The copies come back with the next backfill of the health scores.
    schema_editor.execute(
        f"UPDATE metrics_metric SET values_table = '' WHERE values_table IN ('{SCORES}', '{COMPONENTS}')"
    )
    schema_editor.execute(f"DROP VIEW {COMPONENTS}")
    schema_editor.execute(f"DROP VIEW {SCORES}")


def value_model(name: str, table: str) -> migrations.CreateModel:
    return migrations.CreateModel(
        name=name,
        fields=[
            (
                "pk",
                models.CompositePrimaryKey(
                    "metric", "account", "date", blank=True, editable=False, primary_key=True, serialize=False
                ),
            ),
            ("date", models.DateField()),
            ("value", models.FloatField()),
        ],
        options={"abstract": False, "db_table": table, "managed": False},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_live_account_search_index"),
        ("metrics", "0007_metric_values_table"),
        ("healthscore", "0004_scores_indexed_by_day_and_configuration"),
    ]

    operations = [
        value_model("HealthComponentValue", COMPONENTS),
        value_model("HealthScoreValue", SCORES),
        migrations.RunPython(forwards, backwards),
    ]
