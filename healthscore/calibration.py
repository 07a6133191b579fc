"""Calibration of health scores against what happened: did the score N days before separate the accounts that churned
from those that stayed? Also the what-if of an unsaved configuration over the same history, and weights fitted to it.

Observations. An observation is (account, day) for a scored day `d` whose outcome is known: `d + N` is on or before
the newest scored day. Observation days run back from the newest scored day minus N, one a week (at most
`MAX_OBSERVATION_DAYS`), no earlier than the first scored day. The account must be live on `d` (scored that day,
not deleted since). Its outcome:

- churned: its churn date is after `d` and on or before `d + N`;
- stayed: it is live at `d + N` (no churn date, or one after `d + N`), whether it renewed in between or not.

Figures (the same for the total score and for each component's score):

- churn rate per band: churned observations / observations, per band of the score on `d` (red, yellow, green by the
  installation's cut-offs; observations without a score count under "no data" and are left out of the rest);
- ROC curve: for each threshold t, flagging "score <= t" as at risk, the share of churned observations flagged (true
  positive rate) against the share of stayed ones flagged (false positive rate); AUC is the area under it, the
  chance that a churned observation scored lower than a stayed one (ties count half): 0.5 is no signal, 1 perfect;
- lift of the red band: the red band's churn rate / the churn rate of all scored observations.

Everything is read set-based: one grouped query per figure set, never a row per account in Python. The what-if
recomputes the scores of the stored rows from the raw criterion values they keep (no pipeline run), following the
formulas of `healthscore.scoring` exactly.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import QuerySet

from core.sql import date_param
from healthscore.models import HealthComponent, HealthConfiguration, HealthScore, HealthSettings
from healthscore.services import number_literal

HORIZONS = (30, 60, 90)
OBSERVATION_STEP = 7
MAX_OBSERVATION_DAYS = 13
# The fit reads at most this many observations of each outcome (a deterministic sample).
FIT_SAMPLE = 4000
# A what-if rescoring more observations than this reads a deterministic sample of about this many, spread over
# accounts and days alike (AUC and churn rates move by well under 0.01 at that size).
WHATIF_SAMPLE = 250_000
# Samples pick observations by a multiplicative hash of account and observation day, so they follow no pattern of
# the ids (text for SQL with parameters: `%%` is the modulo).
SAMPLE_HASH = "((s.account_id * 40503 + o.n * 9973) %% 65521)"
NO_DATA = "none"
BANDS = (("red", "Red"), ("yellow", "Yellow"), ("green", "Green"), (NO_DATA, "No data"))


# Figures from counts -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BandFigure:
    band: str
    label: str
    observations: int
    churned: int

    @property
    def rate(self) -> float | None:
        """Churn rate in percent, None without observations."""
        return 100 * self.churned / self.observations if self.observations else None


@dataclass(frozen=True)
class Figures:
    """What one score (the total or a component) says about churn over a set of observations."""

    observations: int  # with a score
    churned: int  # with a score
    no_data: int  # observations without a score
    bands: list[BandFigure]
    roc: list[tuple[float, float]]  # (false positive rate, true positive rate), from (0, 0) to (1, 1)
    auc: float | None
    red_lift: float | None

    @property
    def rate(self) -> float | None:
        return 100 * self.churned / self.observations if self.observations else None

    def band(self, name: str) -> BandFigure:
        return next(b for b in self.bands if b.band == name)


def figures_from_counts(counts: Mapping[int | None, tuple[int, int]], settings: HealthSettings) -> Figures:
    """The figures of a score from `counts`: score (None: no data) -> (churned, stayed) observations."""
    per_band: dict[str, list[int]] = {band: [0, 0] for band, _ in BANDS}
    for score, (churned, stayed) in counts.items():
        band = settings.band(score) or NO_DATA
        per_band[band][0] += churned
        per_band[band][1] += churned + stayed
    bands = [BandFigure(band, label, per_band[band][1], per_band[band][0]) for band, label in BANDS]
    scored = sorted((score, c, s) for score, (c, s) in counts.items() if score is not None)
    total_churned = sum(c for _, c, _ in scored)
    total_stayed = sum(s for _, _, s in scored)
    observations = total_churned + total_stayed
    roc: list[tuple[float, float]] = []
    auc = None
    if total_churned and total_stayed:
        roc.append((0.0, 0.0))
        flagged_churned = flagged_stayed = 0
        pairs = 0.0  # churned-stayed pairs where the churned one scored lower, ties half
        for _, churned, stayed in scored:  # lowest score first: the riskiest are flagged first
            pairs += churned * (total_stayed - flagged_stayed - stayed) + 0.5 * churned * stayed
            flagged_churned += churned
            flagged_stayed += stayed
            roc.append((flagged_stayed / total_stayed, flagged_churned / total_churned))
        auc = pairs / (total_churned * total_stayed)
    red = per_band["red"]
    rate = total_churned / observations if observations else 0
    red_lift = (red[0] / red[1]) / rate if red[1] and rate else None
    return Figures(observations, total_churned, per_band[NO_DATA][1], bands, roc, auc, red_lift)


# Observations --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """The observation days of a horizon over the stored history, and whether they are enough."""

    horizon: int
    first_scored: datetime.date | None
    last_scored: datetime.date | None
    days: list[datetime.date]

    @property
    def needed_days(self) -> int:
        return self.horizon + 1


def observation_window(horizon: int, *, configuration: HealthConfiguration | None = None) -> Window:
    """The observation days for `horizon` (newest scored day minus N, then one a week back)."""
    rows = HealthScore.objects.all()
    if configuration is not None:
        rows = rows.filter(configuration_id=configuration.pk)
    first = rows.order_by("date").values_list("date", flat=True).first()
    last = rows.order_by("-date").values_list("date", flat=True).first()
    days: list[datetime.date] = []
    if first is not None and last is not None:
        day = last - datetime.timedelta(days=horizon)
        while day >= first and len(days) < MAX_OBSERVATION_DAYS:
            days.append(day)
            day -= datetime.timedelta(days=OBSERVATION_STEP)
    return Window(horizon, first, last, sorted(days))


def _observation_days(window: Window) -> tuple[str, list]:
    """The WITH clause of the observation days `o` (day, until: the day plus the horizon, n: its index)."""
    values = ", ".join("(%s, %s, %s)" for _ in window.days)
    params: list = []
    for n, day in enumerate(window.days):
        params += [date_param(day), date_param(day + datetime.timedelta(days=window.horizon)), n]
    return f"WITH o(day, until, n) AS (VALUES {values}) ", params


def _of_accounts(column: str, accounts: QuerySet | None) -> tuple[str, list]:
    """ " AND `column` IN (the ids of `accounts`)" with its parameters, or nothing when `accounts` is None."""
    if accounts is None:
        return "", []
    account_sql, account_params = accounts.values("pk").query.sql_with_params()
    return f" AND {column} IN ({account_sql})", list(account_params)


def _observations_sql(
    window: Window,
    *,
    columns: str,
    accounts: QuerySet | None,
    configuration: HealthConfiguration | None,
    step: int = 1,
) -> tuple[str, list]:
    """FROM/WHERE of the observations: stored rows `s` on observation days `o` (day, until, n) of live accounts `a`,
    with `churned` (1 or 0) among `columns`; every `step`-th observation only when `step` > 1."""
    days, params = _observation_days(window)
    churned = "CASE WHEN a.churned_on IS NOT NULL AND a.churned_on <= o.until THEN 1 ELSE 0 END"
    sql = (
        f"{days}SELECT {columns.replace('{churned}', churned)} FROM healthscore_healthscore s "
        "JOIN o ON s.date = o.day JOIN accounts_account a ON a.id = s.account_id "
        # The days again as constants: a join alone leaves the planner scanning every month of the score history;
        # constants let it read only the observation days' months, each day through the date index.
        f"WHERE s.date IN ({', '.join('%s' for _ in window.days)}) "
        "AND a.is_deleted = %s AND (a.churned_on IS NULL OR a.churned_on > s.date)"
    )
    params += [date_param(day) for day in window.days]
    params.append(False)
    if configuration is not None:
        sql += " AND s.configuration_id = %s"
        params.append(configuration.pk)
    of_accounts, account_params = _of_accounts("s.account_id", accounts)
    sql += of_accounts
    params += account_params
    if step > 1:
        sql += f" AND {SAMPLE_HASH} %% %s = 0"
        params.append(step)
    return sql, params


def _sample_step(window: Window, configuration: HealthConfiguration) -> tuple[int, int]:
    """(step, stored rows) for a what-if of `configuration`: the rows it scored on the observation days, counted from
    the day index, and the step that brings them down to about WHATIF_SAMPLE."""
    rows = HealthScore.objects.filter(date__in=window.days, configuration=configuration).count()
    return max(1, math.ceil(rows / WHATIF_SAMPLE)), rows


def _grouped(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _counts(rows: Iterable[tuple[int | None, int, int]]) -> dict[int | None, tuple[int, int]]:
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0])
    for score, churned, n in rows:
        counts[None if score is None else int(score)][0 if churned else 1] += n
    return {score: (c, s) for score, (c, s) in counts.items()}


# The report ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ComponentFigures:
    key: str
    name: str
    figures: Figures


@dataclass
class Report:
    horizon: int
    window: Window
    score: Figures | None = None
    components: list[ComponentFigures] = field(default_factory=list)

    @property
    def observations(self) -> int:
        return self.score.observations + self.score.no_data if self.score else 0

    @property
    def ready(self) -> bool:
        """Enough history: observation days, and churned and stayed observations with a score."""
        return self.score is not None and self.score.auc is not None

    @property
    def needs(self) -> str:
        """What is missing before the report can say anything."""
        if not self.window.days:
            return (
                f"The {self.horizon}-day report needs {self.window.needed_days} days of stored scores; "
                f"{_history_length(self.window)}."
            )
        if self.score is None or not self.score.churned:
            return (
                f"The {self.horizon}-day report needs at least one account that churned within {self.horizon} days "
                "of a scored day; none did yet."
            )
        return f"Every scored account churned within {self.horizon} days; the report needs some that stayed."


def _history_length(window: Window) -> str:
    if window.first_scored is None:
        return "there are none yet"
    days = (window.last_scored - window.first_scored).days + 1
    return f"there {'is' if days == 1 else 'are'} {days} (from {window.first_scored} to {window.last_scored})"


def _component_value_sql() -> tuple[str, str]:
    """(FROM addition, score expression) reading each component score of a stored row as (component id, score)."""
    if connection.vendor == "postgresql":
        return "CROSS JOIN LATERAL jsonb_each(s.components) e", "CAST(e.value #>> '{}' AS INTEGER)"
    return ", json_each(s.components) e", "CAST(e.value AS INTEGER)"


def calibration_report(
    *, horizon: int, accounts: QuerySet | None = None, settings: HealthSettings | None = None
) -> Report:
    """The calibration report at `horizon` days over the stored scores (of `accounts` only, when given): the total
    score's figures and each component's (components grouped by key across configurations). Two grouped queries."""
    from healthscore.selectors import health_settings
    from healthscore.services import component_keys

    settings = settings or health_settings()
    window = observation_window(horizon)
    report = Report(horizon, window)
    if not window.days:
        return report
    sql, params = _observations_sql(
        window, columns="s.score, {churned} AS churned", accounts=accounts, configuration=None
    )
    report.score = figures_from_counts(
        _counts(_grouped(f"SELECT score, churned, COUNT(*) FROM ({sql}) x GROUP BY score, churned", params)), settings
    )
    if not report.ready:
        return report
    sql, params = _observations_sql(
        window, columns="s.components, s.configuration_id, {churned} AS churned", accounts=accounts, configuration=None
    )
    rows = _grouped(*_component_counts_sql(sql, params))
    per_key: dict[str, list[tuple]] = defaultdict(list)
    for key, score, churned, n in rows:
        per_key[key].append((score, churned, n))
    names = dict(component_keys())
    for key in sorted(per_key, key=lambda k: names.get(k, k)):
        report.components.append(
            ComponentFigures(key, names.get(key, key), figures_from_counts(_counts(per_key[key]), settings))
        )
    return report


def _component_counts_sql(observations: str, params: list) -> tuple[str, list]:
    """(key, score, churned, count) of every component score of the observations. On PostgreSQL each component
    known to the catalogue is read by its id from the row of its configuration (no expansion of every document);
    elsewhere the documents are expanded and joined to their components."""
    if connection.vendor != "postgresql":
        join, value = _component_value_sql()
        return (
            f"SELECT c.key, {value} AS score, s.churned, COUNT(*) FROM ({observations}) s {join} "
            "JOIN healthscore_healthcomponent c ON c.configuration_id = s.configuration_id "
            "AND CAST(c.id AS TEXT) = e.key GROUP BY c.key, score, s.churned",
            params,
        )
    components = list(HealthComponent.objects.values_list("pk", "key", "configuration_id"))
    if not components:
        return "SELECT NULL, NULL, NULL, NULL WHERE 1 = 0", []
    values = ", ".join(
        "(%s, CASE WHEN s.configuration_id = %s THEN CAST(s.components ->> %s AS INTEGER) END)" for _ in components
    )
    extra: list = []
    for pk, key, configuration_id in components:
        extra += [key, configuration_id, str(pk)]
    return (
        f"SELECT v.key, v.score, s.churned, COUNT(*) FROM ({observations}) s "
        f"CROSS JOIN LATERAL (VALUES {values}) v(key, score) WHERE v.score IS NOT NULL "
        "GROUP BY v.key, v.score, s.churned",
        [*params, *extra],
    )


# What-if -------------------------------------------------------------------------------------------------------------


@dataclass
class ProposedCriterion:
    id: int | None  # None: a criterion not saved yet (no stored values)
    label: str
    low: float
    high: float
    inverted: bool = False


@dataclass
class ProposedComponent:
    id: int | None
    name: str
    weight: Decimal
    criteria: list[ProposedCriterion] = field(default_factory=list)


@dataclass
class Proposal:
    """An unsaved configuration: its components' weights and its criteria's bounds."""

    components: list[ProposedComponent]


def proposal_of(configuration: HealthConfiguration) -> Proposal:
    """The saved configuration as a proposal (the starting point of a what-if)."""
    components = []
    for component in configuration.components.prefetch_related("criteria"):
        criteria = [
            ProposedCriterion(c.pk, str(c), float(c.low), float(c.high), bool(c.inverted))
            for c in component.criteria.all()
        ]
        components.append(ProposedComponent(component.pk, component.name, Decimal(component.weight), criteria))
    return Proposal(components)


def _value_column(criterion_id: int) -> str:
    key = int(criterion_id)
    if connection.vendor == "postgresql":
        # The stored JSON number is the value as the scoring step read it into NUMERIC: read back without a detour.
        return f"CAST(s.criteria -> '{key}' -> 0 AS NUMERIC) AS v{key}"
    return f"json_extract(s.criteria, '$.\"{key}\"[0]') AS v{key}"


def _linear_column(criterion: ProposedCriterion, name: str) -> str:
    low, high = number_literal(float(criterion.low)), number_literal(float(criterion.high))
    return f"ROUND(100 * (v{int(criterion.id)} - {low}) / ({high} - {low})) AS l{name}"


def _criterion_column(criterion: ProposedCriterion, name: str) -> str:
    """The criterion's score from its rounded linear value `l<name>` (computed a level below, once per row)."""
    clamped = f"(CASE WHEN l{name} < 0 THEN 0 WHEN l{name} > 100 THEN 100 ELSE l{name} END)"
    return f"{'100 - ' if criterion.inverted else ''}{clamped} AS {name}"


@dataclass(frozen=True)
class _Compiled:
    linear: list[str]  # criterion linear value columns (rounded, not clamped)
    criteria: list[str]  # criterion score columns
    components: list[str]  # component score columns
    total: str  # the total score expression over component columns
    left_out: list[str]


def _compile(proposal: Proposal, prefix: str) -> _Compiled:
    """The columns scoring a stored row under `proposal`, level by level (criterion, component, total)."""
    linear, criteria, components, weighted, valued, left_out = [], [], [], [], [], []
    for j, component in enumerate(proposal.components):
        names = []
        for i, criterion in enumerate(component.criteria):
            if criterion.id is None:
                left_out.append(f"{component.name}: {criterion.label}")
                continue
            name = f"{prefix}c{j}_{i}"
            linear.append(_linear_column(criterion, name))
            criteria.append(_criterion_column(criterion, name))
            names.append(name)
        if not names:
            continue
        total = " + ".join(f"COALESCE({n}, 0)" for n in names)
        count = " + ".join(f"(CASE WHEN {n} IS NULL THEN 0 ELSE 1 END)" for n in names)
        column = f"{prefix}k{j}"
        components.append(f"ROUND({_num(total)} / NULLIF({count}, 0)) AS {column}")
        weight = number_literal(Decimal(component.weight))
        weighted.append(f"COALESCE({weight} * {column}, 0)")
        valued.append(f"(CASE WHEN {column} IS NULL THEN 0 ELSE {weight} END)")
    if not components:
        return _Compiled([], [], [], "CAST(NULL AS INTEGER)", left_out)
    total = f"CAST(ROUND(({' + '.join(weighted)}) / NULLIF({' + '.join(valued)}, 0)) AS INTEGER)"
    return _Compiled(linear, criteria, components, total, left_out)


def _num(expression: str) -> str:
    return f"CAST({expression} AS NUMERIC)" if connection.vendor == "postgresql" else f"({expression})"


@dataclass
class WhatIf:
    """The figures of the saved configuration and of a changed one over the same stored rows."""

    horizon: int
    window: Window
    current: Figures | None = None
    changed: Figures | None = None
    left_out: list[str] = field(default_factory=list)
    sample_step: int = 1  # > 1: every sample_step-th observation was rescored (see WHATIF_SAMPLE)
    stored_rows: int = 0

    @property
    def ready(self) -> bool:
        return self.current is not None and self.current.auc is not None

    @property
    def needs(self) -> str:
        return Report(self.horizon, self.window, self.current).needs


def _rescored_counts(
    configuration: HealthConfiguration,
    proposals: list[Proposal],
    window: Window,
    accounts: QuerySet | None,
    step: int = 1,
) -> tuple[list[dict[int | None, tuple[int, int]]], list[str]]:
    """Counts (score -> churned, stayed) of the stored rows of `configuration` (every `step`-th) rescored under each
    proposal, in one grouped query over the observations."""
    compiled = [_compile(proposal, f"p{n}_") for n, proposal in enumerate(proposals)]
    ids = sorted({c.id for p in proposals for k in p.components for c in k.criteria if c.id is not None})
    values = ", ".join(["{churned} AS churned", *(_value_column(i) for i in ids)])
    sql, params = _observations_sql(window, columns=values, accounts=accounts, configuration=configuration, step=step)
    # OFFSET 0 keeps each level a subquery of its own on PostgreSQL, so every JSON value is read once per row.
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""
    level0 = ", ".join(["churned", *(col for c in compiled for col in c.linear)])
    level1 = ", ".join(["churned", *(col for c in compiled for col in c.criteria)])
    level2 = ", ".join(["churned", *(col for c in compiled for col in c.components)])
    totals = ", ".join(f"{c.total} AS t{n}" for n, c in enumerate(compiled))
    names = ", ".join(f"t{n}" for n in range(len(compiled)))
    statement = (
        f"SELECT {names}, churned, COUNT(*) FROM (SELECT churned, {totals} FROM "
        f"(SELECT {level2} FROM (SELECT {level1} FROM (SELECT {level0} FROM ({sql}{fence}) v{fence}) l{fence}) "
        f"c{fence}) k) t GROUP BY {names}, churned"
    )
    rows = _grouped(statement, params)
    counts = []
    for n in range(len(compiled)):
        merged: dict = defaultdict(int)
        for row in rows:
            merged[(row[n], row[-2])] += row[-1]
        counts.append(_counts((score, churned, count) for (score, churned), count in merged.items()))
    return counts, compiled[-1].left_out if compiled else []


def whatif(
    configuration: HealthConfiguration,
    proposal: Proposal,
    *,
    horizon: int,
    accounts: QuerySet | None = None,
    settings: HealthSettings | None = None,
) -> WhatIf:
    """What the changed configuration `proposal` would have shown at `horizon` days, beside the saved one, over the
    stored rows `configuration` scored (of `accounts` only, when given), both rescored from the stored raw criterion
    values. Criteria not saved yet have no stored values and are left out (listed in `left_out`)."""
    from healthscore.selectors import health_settings

    settings = settings or health_settings()
    window = observation_window(horizon, configuration=configuration)
    result = WhatIf(horizon, window)
    if not window.days:
        return result
    result.sample_step, result.stored_rows = _sample_step(window, configuration)
    (current, changed), left_out = _rescored_counts(
        configuration, [proposal_of(configuration), proposal], window, accounts, result.sample_step
    )
    result.current = figures_from_counts(current, settings)
    result.changed = figures_from_counts(changed, settings)
    result.left_out = left_out
    return result


# Suggested weights ---------------------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    """Weights fitted to the history (component id -> weight, summing to 100), and what they would have shown."""

    weights: dict[int, Decimal]
    samples: int
    whatif: WhatIf | None
    message: str = ""


def _sample(
    configuration: HealthConfiguration, window: Window, accounts: QuerySet | None, component_ids: list[int]
) -> list[tuple[list[float | None], int]]:
    """Up to about FIT_SAMPLE observations of each outcome: (component scores in `component_ids` order, churned).
    Two queries: how many observations of each outcome there can be, from the accounts alone, then one pass over
    the stored scores for the sample of both outcomes with their component scores."""
    sizes = _outcome_sizes(window, accounts)
    if not sizes:
        return []
    scores = [_component_score_column(component_id, n) for n, component_id in enumerate(component_ids)]
    sql, params = _observations_sql(
        window,
        columns=", ".join(["{churned} AS churned", f"{SAMPLE_HASH} AS h", *scores]),
        accounts=accounts,
        configuration=configuration,
    )
    steps = [max(1, math.ceil(sizes.get(outcome, 0) / FIT_SAMPLE)) for outcome in (0, 1)]
    names = ", ".join(f"k{n}" for n in range(len(component_ids)))
    statement = (
        f"SELECT churned, {names} FROM ({sql}) x WHERE (churned = 0 AND h %% %s = 0) OR (churned = 1 AND h %% %s = 0)"
    )
    return [
        ([None if score is None else float(score) for score in row[1:]], int(row[0]))
        for row in _grouped(statement, [*params, *steps])
    ]


def _outcome_sizes(window: Window, accounts: QuerySet | None) -> dict[int, int]:
    """{churned (1 or 0): observations} counted on the accounts alone: the live accounts (of `accounts`) on each
    observation day, whether or not a score is stored for them. At least the stored observations, so the sample
    steps it gives keep each outcome's sample at or under about FIT_SAMPLE, without reading the score history."""
    days, params = _observation_days(window)
    of_accounts, account_params = _of_accounts("a.id", accounts)
    sql = (
        f"{days}SELECT CASE WHEN a.churned_on IS NOT NULL AND a.churned_on <= o.until THEN 1 ELSE 0 END AS churned, "
        "COUNT(*) FROM accounts_account a JOIN o ON a.join_date IS NULL OR a.join_date <= o.day "
        f"WHERE a.is_deleted = %s AND (a.churned_on IS NULL OR a.churned_on > o.day){of_accounts} GROUP BY 1"
    )
    return {int(churned): n for churned, n in _grouped(sql, [*params, False, *account_params])}


def _component_score_column(component_id: int, n: int) -> str:
    key = int(component_id)
    if connection.vendor == "postgresql":
        return f"CAST(s.components ->> '{key}' AS INTEGER) AS k{n}"
    return f"json_extract(s.components, '$.\"{key}\"') AS k{n}"


def _logistic_fit(samples: list[tuple[list[float], int]], *, ridge: float = 1.0, steps: int = 25) -> list[float]:
    """Coefficients (intercept first) of a logistic regression of churn on the features, by Newton's method with a
    small ridge penalty (features on a 0-1 scale). Small and dense: a few thousand rows, a handful of features."""
    width = len(samples[0][0]) + 1
    beta = [0.0] * width
    for _ in range(steps):
        gradient = [0.0] * width
        hessian = [[0.0] * width for _ in range(width)]
        for features, outcome in samples:
            x = [1.0, *features]
            z = sum(b * v for b, v in zip(beta, x, strict=True))
            p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
            w = p * (1 - p)
            for i in range(width):
                gradient[i] += (outcome - p) * x[i]
                row = hessian[i]
                for j in range(i, width):
                    row[j] += w * x[i] * x[j]
        for i in range(width):
            for j in range(i):
                hessian[i][j] = hessian[j][i]
            if i:  # no penalty on the intercept
                gradient[i] -= ridge * beta[i]
                hessian[i][i] += ridge
        step = _solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return beta


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the matrix is small and positive definite)."""
    n = len(vector)
    a = [[*row, vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            for c in range(col, n + 1):
                a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(a[r][r]) < 1e-12:
            continue
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def suggested_weights(
    configuration: HealthConfiguration,
    *,
    horizon: int,
    accounts: QuerySet | None = None,
    settings: HealthSettings | None = None,
) -> Suggestion:
    """Weights for the components of `configuration` fitted to the stored history at `horizon` days: a logistic
    regression of churn on the component scores (a missing score takes the component's mean), each weight the
    coefficient's strength where a higher score means less churn, scaled to sum to 100 (at least 1 each, since a
    weight must be positive). Also the what-if of those weights (bounds unchanged)."""
    window = observation_window(horizon, configuration=configuration)
    proposal = proposal_of(configuration)
    ids = [c.id for c in proposal.components if c.id is not None]
    if not window.days or not ids:
        return Suggestion({}, 0, None, Report(horizon, window).needs if not window.days else "No components to weigh.")
    samples = _sample(configuration, window, accounts, ids)
    outcomes = {outcome for _, outcome in samples}
    if outcomes != {0, 1}:
        return Suggestion({}, len(samples), None, Report(horizon, window).needs)
    means = []
    for i in range(len(ids)):
        valued = [scores[i] for scores, _ in samples if scores[i] is not None]
        means.append(sum(valued) / len(valued) if valued else 50.0)
    filled = [([(m if v is None else v) / 100 for v, m in zip(scores, means, strict=True)], o) for scores, o in samples]
    beta = _logistic_fit(filled)
    strengths = [max(0.0, -b) for b in beta[1:]]
    if not any(strengths):
        return Suggestion({}, len(samples), None, "No component's score is lower before churn; keep the weights.")
    scale = 100 / sum(strengths)
    weights = {
        component_id: max(Decimal(1), Decimal(strength * scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for component_id, strength in zip(ids, strengths, strict=True)
    }
    for component in proposal.components:
        if component.id in weights:
            component.weight = weights[component.id]
    result = whatif(configuration, proposal, horizon=horizon, accounts=accounts, settings=settings)
    return Suggestion(weights, len(samples), result)
