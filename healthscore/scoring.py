"""The health score formulas (SPEC section 5), in Python: the reference the SQL of the pipeline follows, and what
previews and what-if reports use over values already in memory.

criterion score = clamp(round(100 x (v - X) / (Y - X)), 0, 100); inverted: 100 minus that.
component score = round(mean of its valued criteria); a component without a valued criterion has no data.
account score = round(sum(weight x component) / sum(weights)) over the components with data.
Rounding is to the nearest integer, halves up (47.5 -> 48), done on exact decimals so that 0.1 + 0.2 style float
error never moves a score by a point.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def _decimal(value: float | int | Decimal) -> Decimal:
    if isinstance(value, Decimal):
        return value
    # repr of a float is the shortest text that reads back as the same float: 0.1 stays 0.1.
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def criterion_score(value: float | None, low: float, high: float, inverted: bool = False) -> int | None:
    """0 at or below X (`low`), 100 at or above Y (`high`), linear and rounded in between; None without a value."""
    if value is None:
        return None
    x, y, v = _decimal(low), _decimal(high), _decimal(value)
    score = min(100, max(0, round_half_up(100 * (v - x) / (y - x))))
    return 100 - score if inverted else score


def component_score(criterion_scores: Iterable[int | None]) -> int | None:
    """The rounded mean of the criteria that have a score; None ("no data") when none has."""
    scores = [s for s in criterion_scores if s is not None]
    if not scores:
        return None
    return round_half_up(Decimal(sum(scores)) / len(scores))


def total_score(components: Sequence[tuple[float | Decimal, int | None]]) -> int | None:
    """sum(weight x score) / sum(weights) over (weight, score) pairs that have a score, rounded; None if none has."""
    valued = [(_decimal(weight), score) for weight, score in components if score is not None]
    if not valued:
        return None
    weights = sum(weight for weight, _ in valued)
    return round_half_up(sum(weight * score for weight, score in valued) / weights)


def missing_weight(components: Sequence[tuple[float | Decimal, int | None]]) -> int:
    """The percent of the total weight on components without data (rounded)."""
    total = sum(_decimal(weight) for weight, _ in components)
    if not total:
        return 0
    missing = sum(_decimal(weight) for weight, score in components if score is None)
    return round_half_up(100 * missing / total)


@dataclass(frozen=True)
class CriterionSpec:
    key: int | str
    low: float
    high: float
    inverted: bool = False


@dataclass(frozen=True)
class ComponentSpec:
    key: int | str
    weight: float | Decimal
    criteria: tuple[CriterionSpec, ...]


@dataclass(frozen=True)
class Scored:
    score: int | None
    missing_weight: int
    components: dict
    criteria: dict


def score_account(components: Sequence[ComponentSpec], values: Mapping[int | str, float | None]) -> Scored:
    """Score one account from its criteria's raw `values` (criterion key -> value or None)."""
    component_scores: dict = {}
    criteria: dict = {}
    for component in components:
        scores = []
        for criterion in component.criteria:
            value = values.get(criterion.key)
            score = criterion_score(value, criterion.low, criterion.high, criterion.inverted)
            if score is not None:
                criteria[criterion.key] = [value, score]
            scores.append(score)
        component_scores[component.key] = component_score(scores)
    pairs = [(c.weight, component_scores[c.key]) for c in components]
    return Scored(total_score(pairs), missing_weight(pairs), component_scores, criteria)
