"""Reads of one account's health breakdown (the account page's health tab): the configuration and version that
scored the newest day, each component's weighted contribution and the score it could still add, each criterion's
raw value and score, what moved the score since a week and a month before, the monthly average trend and each
component's history. A bounded number of queries whatever the history length.

Points of the total: on a day, a component with data contributes weight x score / (sum of the weights with data),
so the contributions add up to the score (before rounding); "could add" is weight x (100 - score) / the same sum.
Components are followed across versions by their key (from the name), with the weights of the version that scored
each day (its snapshot).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Avg
from django.db.models.functions import TruncMonth

from accounts.models import CustomDimension
from healthscore.models import HealthConfiguration, HealthConfigurationVersion, HealthScore
from healthscore.selectors import Health, health_of, health_settings
from metrics.models import Metric, TimeAggregation

HISTORY_DAYS = 180
MONTHS = 12


@dataclass
class CriterionLine:
    label: str
    detail: str
    low: float
    high: float
    inverted: bool
    value: float | None
    score: int | None


@dataclass
class ComponentLine:
    key: str
    name: str
    weight: Decimal
    score: int | None
    contribution: float | None
    could_add: float | None
    criteria: list[CriterionLine] = field(default_factory=list)
    change_week: float | None = None
    change_month: float | None = None


def _components_of(snapshot: dict) -> list[dict]:
    return snapshot.get("components", []) if isinstance(snapshot, dict) else []


def contributions(
    row: HealthScore, snapshot: dict
) -> dict[str, tuple[str, Decimal, int | None, float | None, float | None]]:
    """{component key: (name, weight, score, points of the total, points it could still add)} of a stored day, with
    the weights of the version that scored it."""
    parts = []
    for component in _components_of(snapshot):
        score = (row.components or {}).get(str(component["id"]))
        parts.append((component["key"], component["name"], Decimal(str(component["weight"])), score))
    valued = sum((weight for _, _, weight, score in parts if score is not None), Decimal(0))
    out = {}
    for key, name, weight, score in parts:
        points = float(weight * score / valued) if score is not None and valued else None
        could_add = float(weight * (100 - score) / valued) if score is not None and valued else None
        out[key] = (name, weight, score, points, could_add)
    return out


def _live_snapshot(configuration: HealthConfiguration) -> dict:
    """What the configuration is now, in the shape of a version snapshot (components prefetched with criteria)."""
    return {
        "name": configuration.name,
        "components": [
            {
                "id": component.pk,
                "name": component.name,
                "key": component.key,
                "weight": str(component.weight),
                "criteria": [
                    {
                        "id": c.pk,
                        "source": c.source,
                        "metric_key": c.metric_key,
                        "aggregation": c.aggregation,
                        "window_days": c.window_days,
                        "dimension_key": c.dimension_key,
                        "low": c.low,
                        "high": c.high,
                        "inverted": c.inverted,
                    }
                    for c in component.criteria.all()
                ],
            }
            for component in configuration.components.all()
        ],
    }


def _snapshots(rows: list[HealthScore]) -> dict[tuple[int, int], dict]:
    """The snapshot of each (configuration, version) that scored `rows`; the current version is read from the
    configuration itself, older ones from their stored snapshots (three queries)."""
    pairs = {(row.configuration_id, row.version) for row in rows}
    if not pairs:
        return {}
    current = {
        (c.pk, c.version): c
        for c in HealthConfiguration.objects.filter(pk__in={c for c, _ in pairs}).prefetch_related(
            "components__criteria"
        )
    }
    snapshots = {pair: _live_snapshot(configuration) for pair, configuration in current.items() if pair in pairs}
    older = pairs - set(snapshots)
    if older:
        versions = HealthConfigurationVersion.objects.filter(
            configuration_id__in={c for c, _ in older}, version__in={v for _, v in older}
        )
        snapshots |= {
            (v.configuration_id, v.version): v.snapshot for v in versions if (v.configuration_id, v.version) in older
        }
    return snapshots


def _criterion_labels(snapshot: dict) -> dict[str, str]:
    metric_keys = {c["metric_key"] for comp in _components_of(snapshot) for c in comp["criteria"] if c["metric_key"]}
    dimension_keys = {
        c["dimension_key"] for comp in _components_of(snapshot) for c in comp["criteria"] if c["dimension_key"]
    }
    labels = dict(Metric.objects.filter(key__in=metric_keys).values_list("key", "name"))
    labels |= {
        f"dim:{key}": label
        for key, label in CustomDimension.objects.filter(entity="account", key__in=dimension_keys).values_list(
            "key", "label"
        )
    }
    return labels


def _on_or_before(rows: list[HealthScore], day: datetime.date) -> HealthScore | None:
    return next((row for row in rows if row.date <= day), None)


@dataclass
class Breakdown:
    health: Health
    configuration: HealthConfiguration | None
    version: int
    components: list[ComponentLine]
    week_row: HealthScore | None
    month_row: HealthScore | None
    history: list[HealthScore]
    monthly: list[tuple[datetime.date, float]]
    snapshots: dict[tuple[int, int], dict]

    @property
    def row(self) -> HealthScore:
        return self.health.row


def account_breakdown(account_id: int) -> Breakdown | None:
    """The health breakdown of an account's newest scored day, or None when it was never scored (six queries)."""
    history = list(HealthScore.objects.filter(account_id=account_id).order_by("-date")[:HISTORY_DAYS])  # newest first
    if not history:
        return None
    newest = history[0]
    settings = health_settings()
    snapshots = _snapshots(history)
    snapshot = snapshots.get((newest.configuration_id, newest.version), {})
    configuration = HealthConfiguration.objects.filter(pk=newest.configuration_id).first()
    labels = _criterion_labels(snapshot)
    now = contributions(newest, snapshot)
    week_row = _on_or_before(history, newest.date - datetime.timedelta(days=7))
    month_row = _on_or_before(history, newest.date - datetime.timedelta(days=30))
    week = contributions(week_row, snapshots.get((week_row.configuration_id, week_row.version), {})) if week_row else {}
    month = (
        contributions(month_row, snapshots.get((month_row.configuration_id, month_row.version), {}))
        if month_row
        else {}
    )
    lines = []
    for component in _components_of(snapshot):
        name, weight, score, points, could_add = now[component["key"]]
        line = ComponentLine(component["key"], name, weight, score, points, could_add)
        for criterion in component["criteria"]:
            stored = (newest.criteria or {}).get(str(criterion["id"]))
            if criterion["source"] == "dimension":
                label = labels.get(f"dim:{criterion['dimension_key']}", criterion["dimension_key"])
                detail = "current value"
            else:
                label = labels.get(criterion["metric_key"], criterion["metric_key"])
                aggregation = TimeAggregation(criterion["aggregation"]).label.lower()
                detail = f"{aggregation} over {criterion['window_days']} days"
            line.criteria.append(
                CriterionLine(
                    label,
                    detail,
                    criterion["low"],
                    criterion["high"],
                    criterion["inverted"],
                    stored[0] if stored else None,
                    stored[1] if stored else None,
                )
            )
        line.change_week = _change(points, week, component["key"], week_row)
        line.change_month = _change(points, month, component["key"], month_row)
        lines.append(line)
    monthly = [
        (row["month"], float(row["avg"]))
        for row in HealthScore.objects.filter(
            account_id=account_id,
            score__isnull=False,
            date__gte=(newest.date.replace(day=1) - datetime.timedelta(days=31 * (MONTHS - 1))).replace(day=1),
        )
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(avg=Avg("score"))
        .order_by("month")
    ]
    return Breakdown(
        health_of(newest, settings),
        configuration,
        newest.version,
        lines,
        week_row,
        month_row,
        list(reversed(history)),
        monthly,
        snapshots,
    )


def _change(points: float | None, then: dict, key: str, then_row: HealthScore | None) -> float | None:
    """A component's change in points of the total since `then_row` (a component without data counts 0)."""
    if then_row is None:
        return None
    before = then.get(key, (None, None, None, None, None))[3]
    return (points or 0.0) - (before or 0.0)


def score_change(breakdown: Breakdown, then_row: HealthScore | None) -> int | None:
    if then_row is None or then_row.score is None or breakdown.row.score is None:
        return None
    return breakdown.row.score - then_row.score


# Figures ---------------------------------------------------------------------------------------------------------


def figures(breakdown: Breakdown) -> dict[str, Any]:
    """The tab's charts: monthly average, contributions beside what each component could add, weights, history."""
    names = [line.name for line in breakdown.components]
    valued = [line for line in breakdown.components if line.score is not None]
    monthly = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [month.isoformat() for month, _ in breakdown.monthly],
                "y": [round(avg, 1) for _, avg in breakdown.monthly],
                "name": "Monthly average",
            }
        ],
        "layout": {
            "height": 220,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "yaxis": {"range": [0, 100]},
            "xaxis": {"type": "date", "tickformat": "%b %Y"},
        },
    }
    contribution = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": "Contribution (points)",
                "y": [line.name for line in valued],
                "x": [round(line.contribution or 0, 1) for line in valued],
                "marker": {"color": "#0d6efd"},
            },
            {
                "type": "bar",
                "orientation": "h",
                "name": "Could add (missing score)",
                "y": [line.name for line in valued],
                "x": [round(line.could_add or 0, 1) for line in valued],
                "marker": {"color": "#dee2e6"},
            },
        ],
        "layout": {
            "height": 60 + 40 * max(1, len(valued)),
            "barmode": "stack",
            "margin": {"l": 120, "r": 10, "t": 10, "b": 30},
            "legend": {"orientation": "h", "y": -0.3},
            "yaxis": {"autorange": "reversed"},
        },
    }
    weights = {
        "data": [
            {
                "type": "pie",
                "labels": names,
                "values": [float(line.weight) for line in breakdown.components],
                "hole": 0.4,
                "textinfo": "label+percent",
                "sort": False,
            }
        ],
        "layout": {"height": 240, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "showlegend": False},
    }
    history_traces = []
    snapshots = _snapshots(breakdown.history)
    series: dict[str, dict] = {}
    for row in breakdown.history:
        for key, (name, _, score, _, _) in contributions(
            row, snapshots.get((row.configuration_id, row.version), {})
        ).items():
            trace = series.setdefault(key, {"name": name, "x": [], "y": []})
            trace["x"].append(row.date.isoformat())
            trace["y"].append(score)
    for trace in series.values():
        history_traces.append({"type": "scatter", "mode": "lines+markers", "marker": {"size": 4}, **trace})
    history_traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "name": "Health score",
            "x": [row.date.isoformat() for row in breakdown.history],
            "y": [row.score for row in breakdown.history],
            "line": {"color": "#212529", "width": 3},
        }
    )
    history = {
        "data": history_traces,
        "layout": {
            "height": 280,
            "margin": {"l": 40, "r": 10, "t": 10, "b": 30},
            "yaxis": {"range": [0, 100]},
            "xaxis": {"type": "date"},
            "legend": {"orientation": "h", "y": -0.2},
        },
    }
    return {"monthly": monthly, "contribution": contribution, "weights": weights, "history": history}
