"""The health metrics of the catalogue: "health score", "average child health score" and one per component."""

from __future__ import annotations

from metrics.models import MetricUnit, TimeAggregation
from metrics.registry import (
    OWN_STEP_STAGE,
    BuiltinMetric,
    register_builtin,
    register_builtin_provider,
    register_values_table,
)

HEALTH_SCORE = "health_score"
CHILD_HEALTH_SCORE = "avg_child_health_score"
COMPONENT_PREFIX = "health."
# The views answering the daily values of "health score" and of each component from the score history (migration
# healthscore 0005), so they are read where the scores are kept instead of being copied into the metric values.
SCORE_VALUES = "healthscore_scorevalue"
COMPONENT_VALUES = "healthscore_componentvalue"


def component_metric_key(component_key: str) -> str:
    return f"{COMPONENT_PREFIX}{component_key}"


def _components() -> list[BuiltinMetric]:
    from healthscore.services import component_keys

    return [
        BuiltinMetric(
            component_metric_key(key),
            f"Health: {name}",
            None,
            MetricUnit.SCORE,
            TimeAggregation.LATEST,
            description=f"The account's “{name}” component score (0-100) in the configuration that scores it.",
            stage=OWN_STEP_STAGE,
            values_table=COMPONENT_VALUES,
        )
        for key, name in component_keys()
    ]


def register() -> None:
    from healthscore.services import child_health_score_sql

    register_values_table(SCORE_VALUES)
    register_values_table(COMPONENT_VALUES)
    register_builtin(
        BuiltinMetric(
            HEALTH_SCORE,
            "Health score",
            None,
            MetricUnit.SCORE,
            TimeAggregation.LATEST,
            description="The account's health score (0-100).",
            stage=OWN_STEP_STAGE,
            values_table=SCORE_VALUES,
        )
    )
    register_builtin(
        BuiltinMetric(
            CHILD_HEALTH_SCORE,
            "Average child health score",
            child_health_score_sql,
            MetricUnit.SCORE,
            TimeAggregation.LATEST,
            description="The average health score of the account's direct child accounts.",
            stage=OWN_STEP_STAGE,
        )
    )
    register_builtin_provider(_components)
