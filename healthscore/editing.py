"""Services of the configuration editor: save a configuration with its components and criteria (a new version),
delete one, change the band cut-offs, and request a backfill of past days. Saving and deleting rescore the newest
day at once (a job enqueued after the commit)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from healthscore import defaults
from healthscore.models import (
    BackfillStatus,
    HealthBackfill,
    HealthComponent,
    HealthConfiguration,
    HealthConfigurationVersion,
    HealthCriterion,
    HealthScore,
    HealthSettings,
)

MAX_BACKFILL_DAYS = 730


def scoring_day() -> datetime.date:
    """The day a change rescores at once: the newest scored day, else the day that just ended (UTC)."""
    newest = HealthScore.objects.aggregate(day=Max("date"))["day"]
    return newest or timezone.now().date() - datetime.timedelta(days=1)


def _rescore_after_commit(day: datetime.date) -> None:
    from healthscore.jobs import score_day

    transaction.on_commit(lambda: score_day.delay(day.isoformat()))


def _check_components(components: list[dict[str, Any]]) -> None:
    if not components:
        raise ValidationError("A configuration needs at least one component.")
    keys = set()
    for component in components:
        if component["weight"] is None or component["weight"] <= 0:
            raise ValidationError({"weight": "The weight must be a positive number (above 0)."})
        if component["key"] in keys:
            raise ValidationError({"name": f"Two components are named “{component['name']}”."})
        keys.add(component["key"])
        if not component["criteria"]:
            raise ValidationError(f"The component “{component['name']}” needs at least one criterion.")
        for criterion in component["criteria"]:
            if criterion["low"] >= criterion["high"]:
                raise ValidationError({"high": "Y must be above X."})


@transaction.atomic
def configuration_save(
    *, configuration: HealthConfiguration, components: list[dict[str, Any]], by: Any = None
) -> HealthConfiguration:
    """Save `configuration` (already carrying its edited fields) with exactly `components` (dicts of name, key,
    weight, id and criteria as `EditorForm.components_data` gives them): existing ids are updated, the rest created,
    the missing deleted. Raises its version by one (a new configuration starts at 1) and keeps the new version's
    snapshot; enqueues the rescoring of the newest day after the commit. The Default stays active and default."""
    _check_components(components)
    if configuration.is_default:
        configuration.is_active = True
    elif configuration.segment_id is None and not configuration.conditions:
        raise ValidationError({"segment": "Choose a saved list or give the configuration conditions of its own."})
    if configuration.pk:
        configuration.version = (
            HealthConfiguration.objects.select_for_update().values_list("version", flat=True).get(pk=configuration.pk)
            + 1
        )
    configuration.full_clean(exclude=["segment"])
    configuration.problem = ""
    configuration.problem_at = None
    configuration.save()
    existing = {component.pk: component for component in configuration.components.all()}
    kept_ids = [data["id"] for data in components if data.get("id") in existing]
    HealthComponent.objects.filter(configuration=configuration).exclude(pk__in=kept_ids).delete()
    # Keys are unique per configuration: park the kept ones first, so that two components can swap names.
    for pk in kept_ids:
        HealthComponent.objects.filter(pk=pk).update(key=f"~{pk}")
    for order, data in enumerate(components):
        component = existing.get(data["id"]) if data.get("id") in kept_ids else None
        component = component or HealthComponent(configuration=configuration)
        component.name, component.key, component.weight = data["name"], data["key"], data["weight"]
        component.order = order
        component.save()
        criteria = {criterion.pk: criterion for criterion in component.criteria.all()}
        kept: list[int] = []
        for position, spec in enumerate(data["criteria"]):
            criterion = criteria.get(spec.get("id")) if spec.get("id") else None
            criterion = criterion or HealthCriterion(component=component)
            for name in ("source", "metric_key", "dimension_key", "aggregation", "window_days", "low", "high"):
                setattr(criterion, name, spec[name])
            criterion.inverted = bool(spec["inverted"])
            criterion.order = position
            criterion.full_clean(exclude=["component"])
            criterion.save()
            kept.append(criterion.pk)
        component.criteria.exclude(pk__in=kept).delete()
    HealthConfigurationVersion.objects.update_or_create(
        configuration=configuration,
        version=configuration.version,
        defaults={"snapshot": defaults.snapshot(configuration)},
    )
    _rescore_after_commit(scoring_day())
    return configuration


@transaction.atomic
def configuration_delete(*, configuration: HealthConfiguration) -> None:
    """Delete a configuration other than the Default; its accounts are rescored by the others at once."""
    if configuration.is_default:
        raise ValidationError("The Default configuration cannot be deleted.")
    configuration.delete()
    _rescore_after_commit(scoring_day())


def settings_update(*, red_max: int, yellow_max: int) -> HealthSettings:
    """Change the band cut-offs (red 0 to `red_max`, yellow up to `yellow_max`); bands are read with the scores, so
    nothing needs rescoring."""
    if not 0 <= red_max < yellow_max < 100:
        raise ValidationError({"yellow_max": "Cut-offs must rise: 0 ≤ red < yellow < 100."})
    settings, _ = HealthSettings.objects.update_or_create(pk=1, defaults={"red_max": red_max, "yellow_max": yellow_max})
    return settings


@transaction.atomic
def backfill_request(*, configuration: HealthConfiguration | None, days: int, by: Any = None) -> HealthBackfill:
    """Ask for the `days` days up to the newest scored day to be rescored in the background (the backfill job,
    enqueued after the commit). While one is queued or running, that one is answered instead of a second."""
    if not 1 <= days <= MAX_BACKFILL_DAYS:
        raise ValidationError({"days": f"Backfill between 1 and {MAX_BACKFILL_DAYS} days."})
    pending = (
        HealthBackfill.objects.select_for_update()
        .filter(status__in=[BackfillStatus.QUEUED, BackfillStatus.RUNNING])
        .first()
    )
    if pending is not None:
        return pending
    last = scoring_day()
    backfill = HealthBackfill.objects.create(
        requested_by=by if getattr(by, "pk", None) else None,
        configuration=configuration,
        first_day=last - datetime.timedelta(days=days - 1),
        last_day=last,
    )
    from healthscore.jobs import backfill as backfill_job

    transaction.on_commit(lambda: backfill_job.delay(backfill.pk))
    return backfill
