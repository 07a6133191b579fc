"""The editor's live preview: how an unsaved configuration would score the newest day, set-based like the daily
step (one statement over the accounts it would take), without writing anything."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection, transaction

from core.pipeline import big_statements_local
from healthscore import services
from healthscore.editing import scoring_day
from healthscore.models import HealthComponent, HealthConfiguration, HealthCriterion, HealthScore
from healthscore.selectors import health_settings


def draft_components(configuration: HealthConfiguration, components: list[dict[str, Any]]) -> list[HealthComponent]:
    """Unsaved components and criteria (negative ids) from the editor's data, for a scoring plan."""
    made = []
    for n, data in enumerate(components, start=1):
        component = HealthComponent(
            pk=-n, configuration=configuration, name=data["name"], key=data["key"], weight=data["weight"]
        )
        component.draft_criteria = [
            HealthCriterion(
                pk=-(1000 * n + k),
                component=component,
                source=spec["source"],
                metric_key=spec["metric_key"],
                dimension_key=spec["dimension_key"],
                aggregation=spec["aggregation"],
                window_days=spec["window_days"],
                low=spec["low"],
                high=spec["high"],
                inverted=spec["inverted"],
            )
            for k, spec in enumerate(data["criteria"])
        ]
        made.append(component)
    return made


def configuration_preview(
    *, configuration: HealthConfiguration, components: list[dict[str, Any]], day: datetime.date | None = None
) -> dict[str, Any]:
    """What `configuration` with `components` (neither saved) would give on `day` (the newest scored day by default):
    accounts it takes, per band, with no data and on thin data, beside the same figures of the stored scores of the
    configuration that day. An inactive configuration is previewed as if active. Answers {"error": ...} when its
    list cannot be evaluated."""
    day = day or scoring_day()
    catalogue = services._Catalogue.load()
    draft = services._plan(configuration, catalogue, day, components=draft_components(configuration, components))
    others, default = services._configurations()
    if configuration.is_default:
        plans = [services._plan(c, catalogue, day) for c in others]
        default_plan = draft
    else:
        saved = [c for c in others if c.pk != configuration.pk]
        plans = [services._plan(c, catalogue, day) for c in saved]
        plans.append(draft)
        plans.sort(key=lambda plan: (plan.configuration.priority, plan.configuration.pk or 0))
        default_plan = services._plan(default, catalogue, day) if default else None
    target = next((t for plan, t in services._targets(plans, default_plan, day) if plan is draft), None)
    if target is None:
        return {"error": draft.problems[0] if draft.problems else "Its list cannot be evaluated.", "day": day}
    settings = health_settings()
    ctes, params = services.score_ctes(draft, target)
    weight = services.total_weight_of(draft)
    n = services._numeric
    sql = (
        f"{ctes}SELECT COUNT(*), "
        "SUM(CASE WHEN total.score IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN total.score <= %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN total.score > %s AND total.score <= %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN total.score > %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN total.score IS NOT NULL AND 100 * ({n('%s')} - total.valued) > 50 * {n('%s')} "
        "THEN 1 ELSE 0 END) "
        "FROM scored total"
    )
    params += [settings.red_max, settings.red_max, settings.yellow_max, settings.yellow_max, weight, weight]
    with transaction.atomic(), connection.cursor() as cursor:
        big_statements_local()
        cursor.execute(sql, params)
        accounts, no_data, red, yellow, green, thin = (int(v or 0) for v in cursor.fetchone())
    return {
        "day": day,
        "accounts": accounts,
        "no_data": no_data,
        "thin": thin,
        "bands": {"red": red, "yellow": yellow, "green": green},
        "now": stored_distribution(configuration, day) if configuration.pk else None,
        "problems": draft.problems,
        "settings": settings,
    }


def stored_distribution(configuration: HealthConfiguration, day: datetime.date) -> dict[str, Any]:
    """The stored scores of `configuration` on `day`: accounts, per band, with no data (one query)."""
    from django.db.models import Count, Q

    settings = health_settings()
    rows = HealthScore.objects.filter(date=day, configuration_id=configuration.pk).aggregate(
        accounts=Count("*"),
        no_data=Count("pk", filter=Q(score=None)),
        red=Count("pk", filter=Q(score__lte=settings.red_max)),
        yellow=Count("pk", filter=Q(score__gt=settings.red_max, score__lte=settings.yellow_max)),
        green=Count("pk", filter=Q(score__gt=settings.yellow_max)),
    )
    return {
        "accounts": rows["accounts"],
        "no_data": rows["no_data"],
        "bands": {"red": rows["red"], "yellow": rows["yellow"], "green": rows["green"]},
    }


BAND_COLOURS = {"red": "#dc3545", "yellow": "#ffc107", "green": "#198754"}


def bands_figure(preview: dict[str, Any]) -> dict:
    """A bar chart of accounts per band, the preview beside the stored scores."""
    bands = ["red", "yellow", "green"]
    labels = ["Red", "Yellow", "Green"]
    data = [
        {
            "type": "bar",
            "name": "With these changes",
            "x": labels,
            "y": [preview["bands"][b] for b in bands],
            "marker": {"color": [BAND_COLOURS[b] for b in bands]},
        }
    ]
    if preview.get("now"):
        data.append(
            {
                "type": "bar",
                "name": "Stored now",
                "x": labels,
                "y": [preview["now"]["bands"][b] for b in bands],
                "marker": {"color": "#adb5bd"},
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 220,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "barmode": "group",
            "showlegend": bool(preview.get("now")),
            "legend": {"orientation": "h", "y": -0.2},
        },
    }


def weights_figure(weights: list[tuple[str, float]]) -> dict:
    """The components' weights as a pie."""
    return {
        "data": [
            {
                "type": "pie",
                "labels": [name for name, _ in weights],
                "values": [weight for _, weight in weights],
                "hole": 0.4,
                "textinfo": "label+percent",
                "sort": False,
            }
        ],
        "layout": {"height": 220, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "showlegend": False},
    }
