"""The Default configuration installed with the product: built-in metrics only, so scores exist on day one.

Weights add up to 100. Usage criteria use sums and averages (an account without usage in the window scores 0,
not "no data"); sentiment and touchpoints use the latest value, which an account may not have (then "no data").
"""

from __future__ import annotations

DEFAULT_NAME = "Default"
DEFAULT_DESCRIPTION = "Scores every account that no other configuration takes."

# (name, weight, [(metric key, aggregation, window days, X, Y, inverted)])
DEFAULT_COMPONENTS: list[tuple[str, int, list[tuple[str, str, int, float, float, bool]]]] = [
    (
        "Engagement",
        30,
        [
            ("dau_percent", "average", 30, 2, 30, False),
            ("session_time_per_user", "average", 30, 60, 1800, False),
        ],
    ),
    (
        "Adoption",
        25,
        [
            ("mau_percent", "average", 7, 10, 60, False),
            ("days_active_30", "average", 7, 3, 20, False),
        ],
    ),
    (
        "Support",
        15,
        [
            ("tickets_created", "sum", 30, 0, 5, True),
            ("open_tickets", "average", 7, 0, 3, True),
        ],
    ),
    (
        "Relationship",
        15,
        [
            ("interactions", "sum", 90, 0, 4, False),
            ("days_since_touchpoint", "latest", 30, 14, 90, True),
        ],
    ),
    (
        "Sentiment",
        15,
        [
            ("nps", "latest", 30, 4, 9, False),
            ("csm_score", "latest", 30, 20, 80, False),
        ],
    ),
]


def install_default(configuration_model, component_model, criterion_model, version_model) -> bool:
    """Create the Default configuration unless one exists; returns whether it did. Takes the model classes so the
    data migration can pass its historical ones."""
    if configuration_model.objects.filter(is_default=True).exists():
        return False
    configuration = configuration_model.objects.create(
        name=DEFAULT_NAME, description=DEFAULT_DESCRIPTION, is_default=True, is_active=True, priority=0, version=1
    )
    for order, (name, weight, criteria) in enumerate(DEFAULT_COMPONENTS):
        component = component_model.objects.create(
            configuration=configuration, name=name, key=name.lower(), weight=weight, order=order
        )
        for position, (metric, aggregation, days, low, high, inverted) in enumerate(criteria):
            criterion_model.objects.create(
                component=component,
                source="metric",
                metric_key=metric,
                aggregation=aggregation,
                window_days=days,
                low=low,
                high=high,
                inverted=inverted,
                order=position,
            )
    version_model.objects.create(configuration=configuration, version=1, snapshot=snapshot(configuration))
    return True


def snapshot(configuration) -> dict:
    """What `configuration` is now, as JSON: its components (id, name, key, weight) and their criteria."""
    components = []
    for component in configuration.components.order_by("order", "id"):
        criteria = [
            {
                "id": criterion.pk,
                "source": criterion.source,
                "metric_key": criterion.metric_key,
                "aggregation": criterion.aggregation,
                "window_days": criterion.window_days,
                "dimension_key": criterion.dimension_key,
                "low": criterion.low,
                "high": criterion.high,
                "inverted": criterion.inverted,
            }
            for criterion in component.criteria.order_by("order", "id")
        ]
        components.append(
            {
                "id": component.pk,
                "name": component.name,
                "key": component.key,
                "weight": str(component.weight),
                "criteria": criteria,
            }
        )
    return {"name": configuration.name, "components": components}
