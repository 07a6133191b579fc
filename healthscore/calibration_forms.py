"""Reading a changed configuration (weights, bounds, inverted) from posted form data for the what-if.

Field names, per saved component and criterion of the configuration: `component-<id>-weight`,
`criterion-<id>-low` (X), `criterion-<id>-high` (Y) and `criterion-<id>-inverted` (present when ticked). Fields of
other configurations' components or criteria are ignored; a missing or malformed value is an error naming the field.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

from healthscore.calibration import Proposal, ProposedComponent, ProposedCriterion, proposal_of
from healthscore.models import HealthConfiguration, HealthCriterion

MAX_WEIGHT = Decimal("999999.999")


def weight_field(component_id: int) -> str:
    return f"component-{component_id}-weight"


def bound_field(criterion_id: int, which: str) -> str:
    return f"criterion-{criterion_id}-{which}"


def _weight(raw: Any) -> tuple[Decimal | None, str]:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return None, "Enter a number."
    if not value.is_finite():
        return None, "Enter a number."
    if value <= 0:
        return None, "A weight must be a positive number."
    if value > MAX_WEIGHT or value != value.quantize(Decimal("0.001")):
        return None, "Use at most 6 digits before the point and 3 after it."
    return value, ""


def _bound(raw: Any) -> tuple[float | None, str]:
    try:
        value = float(str(raw).strip())
    except ValueError:
        return None, "Enter a number."
    if not math.isfinite(value) or abs(value) > 1e15:
        return None, "Enter a number between -1e15 and 1e15."
    return value, ""


def proposal_from_data(configuration: HealthConfiguration, data: Any) -> tuple[Proposal, dict[str, str]]:
    """The configuration changed by `data` (a QueryDict or dict), and the errors by field name (empty when valid).
    A field left out keeps the saved value only when `data` has none of the configuration's fields at all."""
    proposal = proposal_of(configuration)
    errors: dict[str, str] = {}
    for component in proposal.components:
        name = weight_field(component.id)
        if name not in data:
            errors[name] = "Give the component's weight."
        else:
            weight, error = _weight(data.get(name))
            if error:
                errors[name] = error
            else:
                component.weight = weight
        for criterion in component.criteria:
            values = {}
            for which in ("low", "high"):
                field = bound_field(criterion.id, which)
                if field not in data:
                    errors[field] = "Give the bound."
                    continue
                value, error = _bound(data.get(field))
                if error:
                    errors[field] = error
                else:
                    values[which] = value
            if len(values) == 2:
                if values["low"] >= values["high"]:
                    errors[bound_field(criterion.id, "high")] = "Y (score 100) must be above X (score 0)."
                else:
                    criterion.low, criterion.high = values["low"], values["high"]
            criterion.inverted = str(data.get(bound_field(criterion.id, "inverted"), "")).lower() in ("on", "1", "true")
    return proposal, errors


def proposal_data(proposal: Proposal) -> dict[str, str]:
    """The form data of a proposal (to show it in the form)."""
    data: dict[str, str] = {}
    for component in proposal.components:
        data[weight_field(component.id)] = format(component.weight.normalize(), "f")
        for criterion in component.criteria:
            data[bound_field(criterion.id, "low")] = _plain(criterion.low)
            data[bound_field(criterion.id, "high")] = _plain(criterion.high)
            if criterion.inverted:
                data[bound_field(criterion.id, "inverted")] = "on"
    return data


def _plain(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def proposal_from_editor(configuration: HealthConfiguration, components: list[dict[str, Any]]) -> Proposal:
    """The proposal of the configuration editor's valid form (`EditorForm.components_data()`). A criterion keeps
    its stored values only when it is saved and still reads the same metric or dimension the same way; otherwise
    (new, or its measure, aggregation or window changed) it has none and the what-if leaves it out."""
    saved = {
        criterion.pk: criterion for criterion in HealthCriterion.objects.filter(component__configuration=configuration)
    }
    proposed = []
    for component in components:
        criteria = []
        for data in component["criteria"]:
            label = data["metric_key"] or data["dimension_key"]
            old = saved.get(data.get("id"))
            same = old is not None and (old.source, old.metric_key, old.dimension_key) == (
                data["source"],
                data["metric_key"],
                data["dimension_key"],
            )
            if same and data["source"] == "metric":
                same = (old.aggregation, old.window_days) == (data["aggregation"], data["window_days"])
            criteria.append(
                ProposedCriterion(
                    old.pk if same else None, label, float(data["low"]), float(data["high"]), bool(data["inverted"])
                )
            )
        weight = Decimal(component["weight"])
        proposed.append(ProposedComponent(component.get("id"), component["name"], weight, criteria))
    return Proposal(proposed)
