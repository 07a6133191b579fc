"""The editor's live preview: how an unsaved configuration would score the newest day, set-based like the daily
step (one statement over the accounts it would take), without writing anything.

Most edits change weights and bounds, not what a criterion reads. A criterion the edit left as saved (same measure,
aggregation and window) takes its raw values from the scores stored for that day, when the current version of the
configuration wrote them, instead of aggregating its window of metric values again. The same statement counts the
accounts it takes that have no stored score; when there is one, the preview is computed again from the metric
values, so it never depends on what is stored."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from django.db import connection, transaction

from core.pipeline import big_statements_local
from core.sql import date_param
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
        for criterion, spec in zip(component.draft_criteria, data["criteria"], strict=True):
            criterion.saved_id = spec.get("id")
        made.append(component)
    return made


def _reads(criterion: HealthCriterion) -> tuple:
    """What a criterion's raw value depends on (not its bounds, its inversion or its component's weight)."""
    return (
        criterion.source,
        criterion.metric_key,
        criterion.dimension_key,
        criterion.aggregation,
        criterion.window_days,
    )


def _stored_values_sql(criterion_ids: list[int], configuration_id: int, day: datetime.date) -> tuple[str, list]:
    """(account_id, s<id> for each of `criterion_ids`) from the scores stored on `day`, where each criterion's
    [value, score] is kept by criterion id (absent when it had no value): every value extracted once per row, in
    the subquery, so the scoring join carries only the numbers."""
    if connection.vendor == "postgresql":
        columns = [f"CAST(criteria -> '{int(i)}' ->> 0 AS DOUBLE PRECISION) AS s{int(i)}" for i in criterion_ids]
    else:
        columns = [f"CAST(json_extract(criteria, '$.\"{int(i)}\"[0]') AS REAL) AS s{int(i)}" for i in criterion_ids]
    # OFFSET 0 keeps the subquery from being pulled up into the join, which would extract above it instead.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT account_id, {', '.join(columns)} FROM {services.SCORES} "
        f"WHERE date = %s AND configuration_id = %s{fence}"
    )
    return sql, [date_param(day), configuration_id]


def _with_stored_values(plan: services._Plan, day: datetime.date) -> services._Plan | None:
    """`plan` with the criteria the edit did not change reading the values stored on `day` (one join for all of
    them), or None when nothing can be read there: a new configuration, no criterion left as saved, or stored
    scores of another version."""
    configuration = plan.configuration
    if configuration.pk is None:
        return None
    saved = {
        criterion.pk: _reads(criterion)
        for criterion in HealthCriterion.objects.filter(component__configuration_id=configuration.pk)
    }
    reused = {
        n: criterion.saved_id
        for n, (criterion, *_) in enumerate(plan.criteria)
        if getattr(criterion, "saved_id", None) in saved and saved[criterion.saved_id] == _reads(criterion)
    }
    if not reused:
        return None
    version = HealthConfiguration.objects.filter(pk=configuration.pk).values_list("version", flat=True).first()
    stored = HealthScore.objects.filter(date=day, configuration_id=configuration.pk)
    if version is None or not stored.exists() or stored.exclude(version=version).exists():
        return None
    sql, params = _stored_values_sql(sorted(set(reused.values())), configuration.pk, day)
    criteria = [
        (criterion, sql, params, False) if n in reused else (criterion, *rest)
        for n, (criterion, *rest) in enumerate(plan.criteria)
    ]
    columns = {n: f"{{alias}}.s{int(saved_id)}" for n, saved_id in reused.items()}
    return replace(plan, criteria=criteria, value_columns=columns, present_from=min(reused))


def configuration_preview(
    *,
    configuration: HealthConfiguration,
    components: list[dict[str, Any]],
    day: datetime.date | None = None,
    stored_values: bool = True,
) -> dict[str, Any]:
    """What `configuration` with `components` (neither saved) would give on `day` (the newest scored day by default):
    accounts it takes, per band, with no data and on thin data, beside the same figures of the stored scores of the
    configuration that day. An inactive configuration is previewed as if active. Answers {"error": ...} when its
    list cannot be evaluated. With `stored_values` False, every criterion is computed from the metric values."""
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
    counts = None
    reading = _with_stored_values(draft, day) if stored_values else None
    if reading is not None:
        counts = _distribution(reading, target, settings)
    if counts is None:
        counts = _distribution(draft, target, settings)
    accounts, no_data, red, yellow, green, thin = counts
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


def _distribution(plan: services._Plan, target: tuple[str, list], settings) -> tuple[int, ...] | None:
    """(accounts, no data, red, yellow, green, thin) of `plan` over `target`, in one statement. For a plan reading
    stored values, None when an account of the target has no score stored that day."""
    ctes, params = services.score_ctes(plan, target)
    weight = services.total_weight_of(plan)
    n = services._numeric
    # A plan reading stored values joins the day's stored scores of its configuration: `present` says which
    # accounts had one.
    unstored = "SUM(CASE WHEN total.present THEN 0 ELSE 1 END)" if plan.present_from is not None else "0"
    sql = (
        f"{ctes}SELECT COUNT(*), "
        "SUM(CASE WHEN total.score IS NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN total.score <= %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN total.score > %s AND total.score <= %s THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN total.score > %s THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN total.score IS NOT NULL AND 100 * ({n('%s')} - total.valued) > 50 * {n('%s')} "
        f"THEN 1 ELSE 0 END), {unstored} "
        # Fenced: each row's score is computed once, not once for every band it is compared with.
        f"FROM (SELECT {'present, ' if plan.present_from is not None else ''}score, valued FROM scored"
        f"{' OFFSET 0' if connection.vendor == 'postgresql' else ''}) total"
    )
    params += [settings.red_max, settings.red_max, settings.yellow_max, settings.yellow_max, weight, weight]
    with transaction.atomic(), connection.cursor() as cursor:
        big_statements_local()
        cursor.execute(sql, params)
        *counts, missing = (int(v or 0) for v in cursor.fetchone())
    return None if missing else tuple(counts)


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
