"""Services of health scores: the daily scoring step of the pipeline, backfills, and the Default configuration.

Scoring is set-based: per configuration, one INSERT ... SELECT computes every criterion's value and score, every
component's score and the total for all the accounts the configuration takes, following the formulas of
`healthscore.scoring` exactly (halves round up, on exact decimals on PostgreSQL). A configuration whose list is broken
is skipped (its accounts go to the next configuration that takes them, or the Default) and says why; a criterion
whose metric or dimension is gone is left out (no value) and the configuration says so; the others score on.
"""

from __future__ import annotations

import datetime
import logging
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import CustomDimension, DimensionType
from core.partitions import month_relation, partition_ensure, partitions_ensure
from core.pipeline import big_statements_local, each_object, error_text, on_connections
from core.sql import date_param, statistics_refresh_if_stale
from healthscore import defaults
from healthscore.models import (
    CriterionSource,
    HealthComponent,
    HealthConfiguration,
    HealthConfigurationVersion,
    HealthCriterion,
    HealthScore,
    HealthSettings,
)
from metrics.models import VALUES_TABLE, Metric, TimeAggregation
from metrics.registry import OWN_STEP_STAGE

logger = logging.getLogger(__name__)

# Stage of the metrics registry for metrics this app writes itself, after scoring (see metrics.registry).
HEALTH_STAGE = OWN_STEP_STAGE
# The score history: partitioned by month of `date` on PostgreSQL (core.partitions; migration healthscore 0003).
SCORES = HealthScore._meta.db_table


def settings_get() -> HealthSettings:
    """The band cut-offs (created with the defaults 30 / 70 on first use)."""
    row, _ = HealthSettings.objects.get_or_create(pk=1)
    return row


def default_configuration_install() -> bool:
    """Create the Default configuration unless one exists; returns whether it did."""
    return defaults.install_default(HealthConfiguration, HealthComponent, HealthCriterion, HealthConfigurationVersion)


def default_install_after_migrate(**kwargs: Any) -> None:
    """post_migrate handler: the Default configuration exists after every migrate (and test database flush)."""
    if kwargs.get("using", "default") == "default":
        default_configuration_install()


# Scoring ----------------------------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """One configuration ready to score: its criteria's value SQL and the problems found while planning."""

    configuration: HealthConfiguration
    components: list[HealthComponent]
    criteria: list[tuple[HealthCriterion, str, list, bool]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    # The value of criterion n as SQL over its join's alias ("{alias}.value" when absent), for value queries that
    # answer several criteria's values in columns of one row (see `score_ctes`).
    value_columns: dict[int, str] = field(default_factory=dict)
    # The criterion whose join holds a row for every account it has values for: `scored` then says in `present`
    # whether the account had that row (a preview reading stored scores counts those without one).
    present_from: int | None = None


def _live_accounts(day: datetime.date) -> tuple[str, list]:
    """Accounts that were customers on `day`: not deleted, joined by then, not churned before or on it."""
    d = date_param(day)
    return (
        "SELECT id FROM accounts_account WHERE is_deleted = %s AND (join_date IS NULL OR join_date <= %s) "
        "AND (churned_on IS NULL OR churned_on > %s)",
        [False, d, d],
    )


def _list_sql(configuration: HealthConfiguration, day: datetime.date) -> tuple[str, list]:
    """SQL selecting the ids of the accounts of the configuration's list on `day`; raises ValueError when broken."""
    from segments.selectors import conditions_queryset

    if configuration.segment_id is not None:
        conditions = configuration.segment.conditions
    elif configuration.conditions:
        conditions = configuration.conditions
    else:
        raise ValueError("It applies to no list: choose a saved list or give it conditions.")
    qs = conditions_queryset(user=None, data=conditions, entity="account", as_of=day).values("pk")
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def _window(day: datetime.date, days: int) -> tuple[object, object]:
    return date_param(day - datetime.timedelta(days=days - 1)), date_param(day)


def _metric_value_sql(criterion: HealthCriterion, metric: Metric, day: datetime.date) -> tuple[str, list, bool]:
    """SQL of (account_id, value) for one metric criterion, and whether an account without a row has the value 0
    (sum, count and average of a window without values are 0, as in lists)."""
    start, end = _window(day, criterion.window_days)
    metric_id, values = metric.pk, metric.values_relation
    how = criterion.aggregation
    if how == TimeAggregation.LATEST:
        sql = (
            "SELECT account_id, value FROM (SELECT account_id, value, "
            f"ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY date DESC) AS n FROM {values} "
            "WHERE metric_id = %s AND date BETWEEN %s AND %s) latest WHERE n = 1"
        )
        return sql, [metric_id, start, end], False
    aggregate = {
        TimeAggregation.SUM: "SUM(value)",
        TimeAggregation.AVERAGE: f"SUM(value) / {int(criterion.window_days)}",
        TimeAggregation.COUNT: "COUNT(value)",
        TimeAggregation.MAX: "MAX(value)",
        TimeAggregation.MIN: "MIN(value)",
    }[how]
    sql = (
        f"SELECT account_id, CAST({aggregate} AS DOUBLE PRECISION) AS value FROM {values} "
        "WHERE metric_id = %s AND date BETWEEN %s AND %s GROUP BY account_id"
    )
    return sql, [metric_id, start, end], how not in (TimeAggregation.MAX, TimeAggregation.MIN)


def _dimension_value_sql(dimension_id: int) -> tuple[str, list, bool]:
    return (
        "SELECT account_id, CAST(value_number AS DOUBLE PRECISION) AS value FROM accounts_accountdimensionvalue "
        "WHERE dimension_id = %s AND value_number IS NOT NULL",
        [dimension_id],
        False,
    )


@dataclass
class _Catalogue:
    metrics: dict[str, Metric]
    deleted_metrics: set[str]
    dimensions: dict[str, CustomDimension]

    @classmethod
    def load(cls) -> _Catalogue:
        from metrics.registry import builtin
        from metrics.services import catalogue_sync

        metrics, deleted = {}, set()
        for metric in Metric.objects.all():
            (deleted.add(metric.key) if metric.deleted_at else metrics.__setitem__(metric.key, metric))
        needed = set(HealthCriterion.objects.filter(source=CriterionSource.METRIC).values_list("metric_key", flat=True))
        if any(key not in metrics and key not in deleted and builtin(key) for key in needed):
            catalogue_sync()  # a built-in metric the pipeline has not computed yet
            return cls.load()
        dimensions = {d.key: d for d in CustomDimension.objects.filter(entity="account")}
        return cls(metrics, deleted, dimensions)


def criterion_problem(criterion: HealthCriterion, catalogue: _Catalogue) -> str:
    """What makes a criterion unusable now (a deleted metric, a dimension that is gone or not a number), or ""."""
    if criterion.source == CriterionSource.DIMENSION:
        dimension = catalogue.dimensions.get(criterion.dimension_key)
        if dimension is None:
            return f"the dimension “{criterion.dimension_key}” does not exist (deleted?)"
        if dimension.data_type != DimensionType.NUMBER:
            return f"the dimension “{dimension.label}” is not a number"
        return ""
    if criterion.metric_key in catalogue.deleted_metrics:
        return f"the metric “{criterion.metric_key}” was deleted"
    if criterion.metric_key not in catalogue.metrics:
        return f"the metric “{criterion.metric_key}” does not exist"
    return ""


def _plan(
    configuration: HealthConfiguration,
    catalogue: _Catalogue,
    day: datetime.date,
    components: list[HealthComponent] | None = None,
) -> _Plan:
    """The scoring plan of a configuration: its saved components, or `components` not saved (a preview), whose
    criteria are in their `draft_criteria`."""
    if components is None:
        components = list(configuration.components.prefetch_related("criteria"))
    plan = _Plan(configuration, components)
    for component in components:
        draft = getattr(component, "draft_criteria", None)
        for criterion in draft if draft is not None else component.criteria.all():
            problem = criterion_problem(criterion, catalogue)
            if problem:
                plan.problems.append(f"{component.name}: {problem}; that criterion is left out.")
                continue
            if criterion.source == CriterionSource.DIMENSION:
                value_sql = _dimension_value_sql(catalogue.dimensions[criterion.dimension_key].pk)
            else:
                value_sql = _metric_value_sql(criterion, catalogue.metrics[criterion.metric_key], day)
            plan.criteria.append((criterion, *value_sql))
    return plan


def _numeric(expression: str) -> str:
    return f"CAST({expression} AS NUMERIC)" if connection.vendor == "postgresql" else f"({expression})"


def number_literal(value: float | Decimal) -> str:
    """A bound or weight as SQL text, NUMERIC so that rounding is decimal: a Decimal as it is, a float as its shortest
    decimal text (what `healthscore.scoring` reads it as). Only finite numbers are accepted, so the text is safe."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("bounds and weights must be finite numbers")
        text = format(value, "f")
        return f"CAST('{text}' AS NUMERIC)" if connection.vendor == "postgresql" else f"({text})"
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("bounds and weights must be finite numbers")
    if connection.vendor == "postgresql":
        return f"CAST('{number!r}' AS NUMERIC)"
    return f"({number!r})"


def _json_document(pairs: list[tuple[str, str]]) -> str:
    """A JSON object of the pairs (key text, SQL value) whose value is not NULL."""
    if connection.vendor == "postgresql":
        inner = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"jsonb_strip_nulls(jsonb_build_object({inner}))"
    if not pairs:
        return "'{}'"
    rows = " UNION ALL ".join(f"SELECT '{key}' AS k, {value} AS v" for key, value in pairs)
    return f"(SELECT COALESCE(json_group_object(k, json(v)), '{{}}') FROM ({rows}) WHERE v IS NOT NULL)"


def _json_pair(value: str, score: str) -> str:
    if connection.vendor == "postgresql":
        return f"CASE WHEN {score} IS NOT NULL THEN jsonb_build_array({value}, {score}) END"
    return f"CASE WHEN {score} IS NOT NULL THEN json_array({value}, {score}) END"


def _double(number: float) -> str:
    return f"CAST('{number!r}' AS DOUBLE PRECISION)"


def _linear(value: str, low: float, high: float) -> str:
    """SQL of round(100 x (value - X) / (Y - X)), halves up, on exact decimals (see `healthscore.scoring`): the value
    read as its shortest decimal text (a plain CAST to NUMERIC keeps 15 digits), as the Python reference reads it.

    Decimal arithmetic costs about 0.8 µs a value on PostgreSQL. Double precision gives the same integer unless the
    quotient lies within its error of a half, so there the decimals decide and elsewhere the double is rounded; the
    margin is far above the error of the double arithmetic (about 1e-16 relative to the values and bounds)."""
    x, y = float(low), float(high)
    decimal = f"CAST(CAST({value} AS TEXT) AS NUMERIC)" if connection.vendor == "postgresql" else f"({value})"
    exact = f"ROUND(100 * ({decimal} - {number_literal(low)}) / ({number_literal(high)} - {number_literal(low)}))"
    if connection.vendor != "postgresql" or not (y - x > 1e-200 and max(abs(x), abs(y)) <= 1e290):
        return exact
    # Beyond `limit` the double quotient could overflow (PostgreSQL raises then): the decimals take those values.
    limit = min(1e300, 1e297 * (y - x))
    quotient = f"(100 * ({value} - {_double(x)}) / {_double(y - x)})"
    margin = f"({_double(1e-9)} + {_double(1e-10 / (y - x))} * (ABS({value}) + {_double(abs(x) + abs(y))}))"
    near_half = f"ABS({quotient} - FLOOR({quotient}) - {_double(0.5)}) <= {margin}"
    # The CASE is a double: the decimals' result is bounded first (past 0 and 100 only the clamp to them counts).
    return (
        f"(CASE WHEN ABS({value}) > {_double(limit)} OR {near_half} THEN LEAST(GREATEST({exact}, -1000), 1000) "
        f"ELSE FLOOR({quotient} + {_double(0.5)}) END)"
    )


def _total(weighted: list[tuple[HealthComponent, str, str]], valued: str) -> str:
    """SQL of the account score: sum(weight x component) / sum(weights) over the components with data, rounded half
    up. Weights have at most 3 decimals, so scaled by 1,000 they are whole and the quotient is whole-number arithmetic
    ((2 x sum + weights) div (2 x weights)); weights that are not (an unsaved draft's) take the decimals."""
    if not weighted:
        return "CAST(NULL AS INTEGER)"
    scale = 10 ** HealthComponent._meta.get_field("weight").decimal_places
    scaled = [Decimal(component.weight) * scale for component, _, _ in weighted]
    if any(weight != weight.to_integral_value() for weight in scaled):
        return f"CAST(ROUND(({' + '.join(sql for *_, sql in weighted)}) / NULLIF({valued}, 0)) AS INTEGER)"
    whole = [f"CAST({int(weight)} AS BIGINT)" for weight in scaled]
    total = " + ".join(f"COALESCE({w} * {column}, 0)" for w, (_, column, _) in zip(whole, weighted, strict=True))
    weights = " + ".join(
        f"(CASE WHEN {column} IS NULL THEN 0 ELSE {w} END)" for w, (_, column, _) in zip(whole, weighted, strict=True)
    )
    return f"CAST((2 * ({total}) + ({weights})) / NULLIF(2 * ({weights}), 0) AS INTEGER)"


def score_ctes(plan: _Plan, target: tuple[str, list]) -> tuple[str, list]:
    """The WITH clauses scoring every account of `target` (a SELECT of account ids) with the configuration of `plan`:
    `target`, and `scored`, one row per account: its `score`, `valued` (the weight of its components with data),
    `components` ({component id: score}) and `criteria` ({criterion id: [value, score]}). The scoring statement
    inserts from them; previews aggregate them.

    Set-based and row-wise: each criterion's value is joined to the account's row (one aggregate per criterion over
    the metric values), then criterion, component and total scores are columns of that row, level by level, so no
    step groups by account again."""
    target_sql, target_params = target
    params: list = [*target_params]
    values, joins, aliases = [], [], {}
    carried: list[str] = []
    for n, (_, sql, sql_params, zero_when_missing) in enumerate(plan.criteria):
        # Criteria whose values come from the same query share its join.
        alias = aliases.get((sql, tuple(sql_params)))
        if alias is None:
            alias = aliases[(sql, tuple(sql_params))] = f"c{n}"
            joins.append(f"LEFT JOIN ({sql}) {alias} ON {alias}.account_id = t.id")
            params += sql_params
        if n == plan.present_from:
            carried = [f"({alias}.account_id IS NOT NULL) AS present"]
        column = plan.value_columns.get(n, "{alias}.value").format(alias=alias)
        raw = f"COALESCE({column}, 0)" if zero_when_missing else column
        # Values outside +-1e300 are infinities or NaN: no usable value.
        values.append(f"CASE WHEN {raw} BETWEEN -1e300 AND 1e300 THEN {raw} END AS v{n}")
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""  # each level computed once per row
    linear, scores = [], []
    for n, (criterion, _, _, _) in enumerate(plan.criteria):
        # Rounded before clamping, as SPEC says.
        linear.append(f"{_linear(f'v{n}', criterion.low, criterion.high)} AS l{n}")
        clamped = f"(CASE WHEN l{n} < 0 THEN 0 WHEN l{n} > 100 THEN 100 ELSE l{n} END)"
        scores.append(f"CAST({'100 - ' if criterion.inverted else ''}{clamped} AS INTEGER) AS s{n}")
    components, weighted, valued_weights = [], [], []
    for component in plan.components:
        members = [n for n, (criterion, *_) in enumerate(plan.criteria) if criterion.component_id == component.pk]
        if not members:
            continue
        total = " + ".join(f"COALESCE(s{n}, 0)" for n in members)
        count = " + ".join(f"(CASE WHEN s{n} IS NULL THEN 0 ELSE 1 END)" for n in members)
        column = f"k{component.pk}".replace("-", "m")
        # Scores are whole numbers from 0: the mean rounded half up is (2 x total + count) div (2 x count).
        components.append((component, column, f"(2 * ({total}) + ({count})) / NULLIF(2 * ({count}), 0)"))
        weight = number_literal(Decimal(component.weight))
        weighted.append((component, column, f"COALESCE({weight} * {column}, 0)"))
        valued_weights.append(f"(CASE WHEN {column} IS NULL THEN 0 ELSE {weight} END)")
    kept = ["present"] if carried else []
    level1 = ", ".join(["t.id AS account_id", *carried, *values])
    level2 = ", ".join(["account_id", *kept, *(f"v{n}" for n in range(len(values))), *linear])
    level3 = ", ".join(["account_id", *kept, *(f"v{n}" for n in range(len(values))), *scores])
    level4 = ", ".join(
        [
            "account_id",
            *kept,
            *(f"v{n}, s{n}" for n in range(len(values))),
            *(f"{expression} AS {column}" for _, column, expression in components),
        ]
    )
    valued = " + ".join(valued_weights) if valued_weights else _numeric("0")
    score = _total(weighted, valued)
    component_doc = _json_document([(str(component.pk), column) for component, column, _ in components])
    criterion_doc = _json_document(
        [(str(criterion.pk), _json_pair(f"v{n}", f"s{n}")) for n, (criterion, *_) in enumerate(plan.criteria)]
    )
    sql = (
        f"WITH target AS ({target_sql}), "
        f"scored AS (SELECT account_id, {''.join(f'{c}, ' for c in kept)}{score} AS score, {valued} AS valued, "
        f"{component_doc} AS components, "
        f"{criterion_doc} AS criteria FROM (SELECT {level4} FROM (SELECT {level3} FROM (SELECT {level2} FROM "
        f"(SELECT {level1} FROM target t {' '.join(joins)}{fence}) r{fence}) l{fence}) s{fence}) k) "
    )
    return sql, params


def total_weight_of(plan: _Plan) -> str:
    """The configuration's total weight as text for SQL (1 when it has no component, so nothing divides by 0)."""
    total = sum(component.weight for component in plan.components)
    return str(total) if total else "1"


def _score_statement(plan: _Plan, target: tuple[str, list], day: datetime.date) -> tuple[str, list]:
    """One INSERT ... SELECT scoring every account of `target` with the configuration of `plan`."""
    configuration = plan.configuration
    sql, params = score_ctes(plan, target)
    sql += (
        f"INSERT INTO {SCORES} "
        "(account_id, date, configuration_id, version, score, missing_weight, components, criteria) "
        "SELECT account_id, %s, %s, %s, score, "
        f"CAST(ROUND(100 * ({_numeric('%s')} - valued) / {_numeric('%s')}) AS INTEGER), components, criteria "
        "FROM scored ORDER BY account_id"
    )
    weight = total_weight_of(plan)
    params += [date_param(day), configuration.pk, configuration.version, weight, weight]
    return sql, params


def _targets(plans: list[_Plan], default: _Plan | None, day: datetime.date) -> list[tuple[_Plan, tuple[str, list]]]:
    """Each configuration with the SQL of the accounts it takes on `day`: those of its list that no configuration of
    higher priority takes; the Default takes the rest. A configuration whose list is broken takes none."""
    live_sql, live_params = _live_accounts(day)
    taken: list[tuple[str, list]] = []
    targets = []
    for plan in plans:
        try:
            list_sql, list_params = _list_sql(plan.configuration, day)
        except ValueError as exc:
            plan.problems.insert(0, f"Its list cannot be evaluated ({exc}); its accounts are scored by others.")
            continue
        excluded = "".join(f" AND id NOT IN ({sql})" for sql, _ in taken)
        params = [*live_params, *list_params, *(p for _, ps in taken for p in ps)]
        targets.append((plan, (f"{live_sql} AND id IN ({list_sql}){excluded}", params)))
        taken.append((list_sql, list_params))
    if default is not None:
        excluded = "".join(f" AND id NOT IN ({sql})" for sql, _ in taken)
        targets.append((default, (f"{live_sql}{excluded}", [*live_params, *(p for _, ps in taken for p in ps)])))
    return targets


def _configurations() -> tuple[list[HealthConfiguration], HealthConfiguration | None]:
    configurations = list(HealthConfiguration.objects.select_related("segment").order_by("priority", "id"))
    default = next((c for c in configurations if c.is_default), None)
    others = [c for c in configurations if not c.is_default and c.is_active]
    return others, default


@transaction.atomic
def health_scores_compute(*, as_of: datetime.date) -> dict[str, int]:
    """Score every live account for `as_of` with the configuration that takes it, replacing the day's scores, then
    store the day's "average child health score" ("health score" and each component are read from the scores
    themselves, see `healthscore.metrics`). Returns the accounts scored per configuration. Idempotent; records each
    configuration's problems on it."""
    if not HealthConfiguration.objects.filter(is_default=True).exists():
        default_configuration_install()
    catalogue = _Catalogue.load()
    others, default = _configurations()
    plans = [_plan(configuration, catalogue, as_of) for configuration in others]
    default_plan = _plan(default, catalogue, as_of) if default else None
    big_statements_local()
    partition_ensure(SCORES, as_of)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {SCORES} WHERE date = %s", [date_param(as_of)])

    def score(item: tuple[_Plan, tuple[str, list]]) -> int:
        plan, target = item
        try:
            sql, params = _score_statement(plan, target, as_of)
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return max(cursor.rowcount, 0)
        except Exception as exc:
            plan.problems.append(f"Scoring failed: {error_text(exc)}"[:300])
            raise

    # One configuration that fails is rolled back alone and recorded (on itself and on the pipeline run); its accounts
    # stay unscored for the day, and the other configurations score on.
    done = each_object(
        _targets(plans, default_plan, as_of),
        score,
        name=lambda item: f"health configuration {item[0].configuration.name}",
        record_on=lambda item: None,
    )
    written = {plan.configuration.name: rows for (plan, _), rows in done}
    for plan in [*plans, *([default_plan] if default_plan else [])]:
        _problems_record(plan.configuration, plan.problems)
    statistics_refresh_if_stale(month_relation(SCORES, as_of), written=sum(written.values()))
    _health_metrics_store(as_of)
    return written


def _problems_record(configuration: HealthConfiguration, problems: list[str]) -> None:
    problem = " ".join(problems)[:500]
    if problem != configuration.problem:
        HealthConfiguration.objects.filter(pk=configuration.pk).update(
            problem=problem, problem_at=timezone.now() if problem else None
        )
        configuration.problem = problem


def _health_metrics_store(day: datetime.date) -> None:
    from metrics.services import metric_values_compute

    metric_values_compute(as_of=day, stage=HEALTH_STAGE)


def health_scores_backfill(
    *,
    first_day: datetime.date,
    last_day: datetime.date,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rescore every day from `first_day` to `last_day`, each as the daily step would, oldest first and
    `HEALTH_BACKFILL_CONNECTIONS` days at a time (each on its own connection; days do not read each other's
    scores); then point the current values at the newest day. Calls `progress(days_done)` after each day. Returns
    the days scored; the first day that fails stops the backfill and raises."""
    from metrics.services import current_values_refresh

    days = [first_day + datetime.timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    if not days:
        return 0
    # Made before the days run at once: two days of a month without a partition would both try to create it.
    for table in (SCORES, VALUES_TABLE):
        partitions_ensure(table, first=first_day, last=last_day)
    lock = threading.Lock()
    done = 0

    def score_days(taken: Iterator[datetime.date]) -> list[datetime.date]:
        nonlocal done
        scored = []
        for day in taken:
            health_scores_compute(as_of=day)
            scored.append(day)
            with lock:  # the count only goes up, whichever day ends first
                done += 1
                if progress:
                    progress(done)
        return scored

    scored = on_connections(days, score_days, connections=settings.HEALTH_BACKFILL_CONNECTIONS)
    current_values_refresh(as_of=last_day)
    return len(scored)


# Health metrics (registered with the metrics registry) --------------------------------------------------------------


def child_health_score_sql(day: datetime.date) -> tuple[str, list]:
    """The average score of an account's direct children scored that day."""
    return (
        "SELECT a.parent_id AS account_id, AVG(s.score) AS value FROM healthscore_healthscore s "
        "JOIN accounts_account a ON a.id = s.account_id "
        "WHERE s.date = %s AND s.score IS NOT NULL AND a.parent_id IS NOT NULL AND a.is_deleted = %s "
        "GROUP BY a.parent_id",
        [date_param(day), False],
    )


def component_keys() -> list[tuple[str, str]]:
    """(key, name) of every component of a configuration, one per key."""
    seen: dict[str, str] = {}
    for key, name in HealthComponent.objects.order_by("configuration__priority", "order").values_list("key", "name"):
        seen.setdefault(key, name)
    return sorted(seen.items())


def health_scores_rescore(*, as_of: datetime.date) -> int:
    """Rescore one day at once (after a configuration changed) and point the current values at it; returns the
    accounts scored."""
    from metrics.services import current_values_refresh

    written = health_scores_compute(as_of=as_of)
    current_values_refresh(as_of=as_of)
    return sum(written.values())


def health_backfill_run(*, backfill_id: int) -> None:
    """Run a HealthBackfill: rescore its days oldest first, saving the days done after each; failed with its error
    when a day cannot be scored."""
    from healthscore.models import BackfillStatus, HealthBackfill

    backfill = HealthBackfill.objects.filter(pk=backfill_id).first()
    if backfill is None or backfill.status not in (BackfillStatus.QUEUED, BackfillStatus.RUNNING):
        return
    HealthBackfill.objects.filter(pk=backfill.pk).update(status=BackfillStatus.RUNNING, days_done=0)

    def progress(done: int) -> None:
        HealthBackfill.objects.filter(pk=backfill.pk).update(days_done=done, updated_at=timezone.now())

    try:
        health_scores_backfill(first_day=backfill.first_day, last_day=backfill.last_day, progress=progress)
    except Exception as exc:
        logger.exception("Health backfill %s failed", backfill.pk)
        HealthBackfill.objects.filter(pk=backfill.pk).update(status=BackfillStatus.FAILED, error=str(exc)[:500])
        raise
    HealthBackfill.objects.filter(pk=backfill.pk).update(status=BackfillStatus.SUCCEEDED)
