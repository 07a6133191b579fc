"""The health metrics read from the score history: "health score" and each component's score come from the view
`healthscore_healthmetricvalue` (the columns of the metric values) instead of being copied into the metric values
every day. Their copies are dropped and the catalogue points those metrics at the view."""

from django.db import migrations, models

VIEW = "healthscore_healthmetricvalue"

POSTGRESQL = f"""
CREATE VIEW {VIEW} AS
SELECT m.id AS metric_id, s.account_id, s.date, CAST(s.score AS DOUBLE PRECISION) AS value
FROM healthscore_healthscore s JOIN metrics_metric m ON m.key = 'health_score'
WHERE s.score IS NOT NULL
UNION ALL
SELECT m.id, s.account_id, s.date, CAST(s.components ->> CAST(c.id AS TEXT) AS DOUBLE PRECISION)
FROM healthscore_healthscore s
JOIN healthscore_healthcomponent c ON c.configuration_id = s.configuration_id
JOIN metrics_metric m ON m.key = 'health.' || c.key
WHERE s.components ->> CAST(c.id AS TEXT) IS NOT NULL
"""

SQLITE = f"""
CREATE VIEW {VIEW} AS
SELECT m.id AS metric_id, s.account_id AS account_id, s.date AS date, CAST(s.score AS REAL) AS value
FROM healthscore_healthscore s JOIN metrics_metric m ON m.key = 'health_score'
WHERE s.score IS NOT NULL
UNION ALL
SELECT m.id, s.account_id, s.date, CAST(json_extract(s.components, '$."' || c.id || '"') AS REAL)
FROM healthscore_healthscore s
JOIN healthscore_healthcomponent c ON c.configuration_id = s.configuration_id
JOIN metrics_metric m ON m.key = 'health.' || c.key
WHERE json_extract(s.components, '$."' || c.id || '"') IS NOT NULL
"""

HEALTH_METRICS = "key = 'health_score' OR key LIKE 'health.%%'"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    schema_editor.execute(POSTGRESQL if vendor == "postgresql" else SQLITE)
    schema_editor.execute(f"UPDATE metrics_metric SET values_table = '{VIEW}' WHERE {HEALTH_METRICS}")
    schema_editor.execute(
        f"DELETE FROM metrics_metricvalue WHERE metric_id IN (SELECT id FROM metrics_metric WHERE {HEALTH_METRICS})"
    )


def backwards(apps, schema_editor):
    # The copies come back with the next backfill of the health scores.
    schema_editor.execute(f"UPDATE metrics_metric SET values_table = '' WHERE values_table = '{VIEW}'")
    schema_editor.execute(f"DROP VIEW {VIEW}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_live_account_search_index"),
        ("metrics", "0007_metric_values_table"),
        ("healthscore", "0004_scores_indexed_by_day_and_configuration"),
    ]

    operations = [
        migrations.CreateModel(
            name="HealthMetricValue",
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
            options={"db_table": VIEW, "managed": False},
        ),
        migrations.RunPython(forwards, backwards),
    ]
