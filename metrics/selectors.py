"""Reads of the metric catalogue."""

from __future__ import annotations

from django.db.models import QuerySet

from metrics import formula
from metrics.models import Metric, MetricKind


def catalogue() -> QuerySet[Metric]:
    """Every metric that is not deleted, built-in first."""
    order = {MetricKind.BUILTIN: 0, MetricKind.CUSTOM: 1, MetricKind.COMPUTED: 2}
    metrics = list(Metric.objects.filter(deleted_at=None))
    return sorted(metrics, key=lambda m: (order.get(m.kind, 9), m.name.lower()))


def formula_problem(metric: Metric, known_keys: set[str]) -> str:
    """Why a computed metric's formula cannot be evaluated now (e.g. a metric it uses was deleted), or ""."""
    try:
        formula.validate(metric.formula, known_keys, self_key=metric.key)
    except formula.FormulaError as exc:
        return str(exc)
    return ""


def live_keys() -> set[str]:
    return set(Metric.objects.filter(deleted_at=None).values_list("key", flat=True))
