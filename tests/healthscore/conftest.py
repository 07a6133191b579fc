"""Helpers of the health score tests: metrics with hand-set daily values and configurations built from tuples."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from healthscore.models import HealthComponent, HealthConfiguration, HealthCriterion
from healthscore.services import default_configuration_install
from metrics.models import Metric, MetricKind, MetricValue
from tests.book import client_for  # noqa: F401  (fixture)

DAY = datetime.date(2026, 3, 10)


@pytest.fixture(autouse=True)
def _default_configuration(request):
    """The Default configuration (a transactional test's flush removes the one the migration installed)."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            default_configuration_install()
            return


def metric(key: str) -> Metric:
    return Metric.objects.get_or_create(key=key, defaults={"name": key.title(), "kind": MetricKind.CUSTOM})[0]


def put(key: str, account, value: float, day: datetime.date = DAY) -> None:
    MetricValue.objects.update_or_create(metric=metric(key), account=account, date=day, defaults={"value": value})


def configure(configuration: HealthConfiguration, components: list) -> dict[str, object]:
    """Replace the components of `configuration` by `components`: [(name, weight, [criterion, ...])], each criterion
    (metric key or "dim:key", X, Y, inverted[, aggregation, window days]). Answers components and criteria by name
    ("Engagement", "Engagement.0")."""
    configuration.components.all().delete()
    made: dict[str, object] = {}
    for order, (name, weight, criteria) in enumerate(components):
        component = HealthComponent.objects.create(
            configuration=configuration, name=name, key=name.lower(), weight=Decimal(str(weight)), order=order
        )
        made[name] = component
        for position, spec in enumerate(criteria):
            source, low, high, inverted, *rest = spec
            aggregation, window = ([*rest, "latest", 1])[:2] if rest else ("latest", 1)
            fields = (
                {"dimension_key": source[4:], "source": "dimension"}
                if source.startswith("dim:")
                else {
                    "metric_key": source,
                    "source": "metric",
                }
            )
            made[f"{name}.{position}"] = HealthCriterion.objects.create(
                component=component,
                low=low,
                high=high,
                inverted=inverted,
                aggregation=aggregation,
                window_days=window,
                order=position,
                **fields,
            )
    return made


@pytest.fixture
def default(db) -> HealthConfiguration:
    return HealthConfiguration.objects.get(is_default=True)
