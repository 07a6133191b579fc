"""Services of the metrics engine: the catalogue, and the pipeline steps that store daily and current values.

Every step is a function of `as_of` (a UTC date), set-based (one INSERT ... SELECT per metric) and idempotent: it
replaces that day's rows, so running it twice leaves the same table.
"""

from __future__ import annotations

import datetime
import re

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from core.partitions import is_partitioned, partition_ensure, partition_name
from core.pipeline import each_object
from core.sql import date_param, day_bounds, statistics_refresh, statistics_refresh_if_stale
from metrics import formula
from metrics.models import TREND_POINTS, Metric, MetricKind
from metrics.registry import OWN_STEP_STAGE, all_values_sql, builtins, day_values_sql
from metrics.selectors import trend_points
from usage.models import CustomMetricValue


def catalogue_sync() -> int:
    """Create or update the Metric rows of every registered built-in metric, and mark deleted the built-in rows no
    longer registered (a health component that was removed); returns how many exist."""
    specs = builtins()
    Metric.objects.filter(kind=MetricKind.BUILTIN, deleted_at=None).exclude(key__in=[s.key for s in specs]).update(
        deleted_at=timezone.now()
    )
    for spec in specs:
        Metric.objects.update_or_create(
            key=spec.key,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "kind": MetricKind.BUILTIN,
                "unit": spec.unit,
                "granularity": spec.granularity,
                "time_aggregation": spec.time_aggregation,
                "values_table": spec.values_table,
                "deleted_at": None,
            },
        )
    return len(specs)


def _replace_day(metric_id: int, day: datetime.date, select_sql: str, params: list) -> int:
    """Replace one metric's values on `day` with the rows of `select_sql` (columns `account_id` and `value`), in the
    partition of the day's month (created first if it does not exist yet)."""
    partition_ensure("metrics_metricvalue", day)
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM metrics_metricvalue WHERE metric_id = %s AND date = %s", [metric_id, date_param(day)]
        )
        cursor.execute(
            "INSERT INTO metrics_metricvalue (metric_id, account_id, date, value) "
            # In account order: the unique (metric, account, date) index takes the day's values in one sweep.
            f"SELECT %s, src.account_id, %s, src.value FROM ({select_sql}) src WHERE src.value IS NOT NULL "
            "ORDER BY src.account_id",
            [metric_id, date_param(day), *params],
        )
        return cursor.rowcount


@transaction.atomic
def metric_values_compute(*, as_of: datetime.date, stage: int | None = None) -> dict[str, int]:
    """Store the day's value of every built-in metric (of one `stage`, or all those before OWN_STEP_STAGE, which
    their own pipeline step writes) for every account; a metric that fails is skipped and says why (`each_object`)."""
    specs = [
        spec
        for spec in builtins(stage)
        if (stage is not None or spec.stage < OWN_STEP_STAGE) and not spec.values_table  # kept by their app
    ]
    rows = {m.key: m for m in Metric.objects.filter(kind=MetricKind.BUILTIN)}
    if any(spec.key not in rows for spec in specs):
        catalogue_sync()
        rows = {m.key: m for m in Metric.objects.filter(kind=MetricKind.BUILTIN)}

    def compute(spec) -> int:
        sql, params = spec.sql(as_of)
        return _replace_day(rows[spec.key].id, as_of, sql, params)

    done = each_object(specs, compute, name=lambda spec: f"metric {spec.key}", record_on=lambda spec: rows[spec.key])
    return {spec.key: count for spec, count in done}


def custom_key(name: str) -> str:
    """The catalogue key of a custom metric pushed under `name` ("Seats Purchased" -> "seats_purchased")."""
    key = re.sub(r"[^a-z0-9_.]+", "_", name.strip().lower()).strip("_.") or "metric"
    return key if key[0].isalpha() else f"m_{key}"


@transaction.atomic
def custom_values_compute(*, as_of: datetime.date) -> dict[str, int]:
    """Store the day's value of every custom metric pushed through the API or CSV: per account, the last value
    pushed during the day. A name seen for the first time joins the catalogue as a custom metric."""
    start, end = day_bounds(as_of)
    day_start = datetime.datetime.combine(as_of, datetime.time(), tzinfo=datetime.UTC)
    names = list(
        CustomMetricValue.objects.filter(timestamp__gte=day_start, timestamp__lt=day_start + datetime.timedelta(days=1))
        .values_list("metric", flat=True)
        .distinct()
    )

    def compute(name: str) -> int | None:
        metric, _ = Metric.objects.get_or_create(
            key=custom_key(name), defaults={"name": name, "kind": MetricKind.CUSTOM, "time_aggregation": "latest"}
        )
        if metric.kind != MetricKind.CUSTOM or metric.deleted_at:
            return None
        select = (
            "SELECT a.id AS account_id, v.value AS value FROM usage_custommetricvalue v "
            "JOIN accounts_account a ON a.account_id = v.account_id AND a.is_deleted = %s "
            "WHERE v.metric = %s AND v.timestamp >= %s AND v.timestamp < %s AND v.timestamp = ("
            "SELECT MAX(w.timestamp) FROM usage_custommetricvalue w WHERE w.metric = v.metric "
            "AND w.account_id = v.account_id AND w.timestamp >= %s AND w.timestamp < %s)"
        )
        return _replace_day(metric.id, as_of, select, [False, name, start, end, start, end])

    def record_on(name: str) -> Metric | None:
        return Metric.objects.filter(key=custom_key(name), kind=MetricKind.CUSTOM).first()

    done = each_object(names, compute, name=lambda name: f"custom metric {name[:100]}", record_on=record_on)
    return {custom_key(name): count for name, count in done if count is not None}


def custom_history_refresh(*, days: list[datetime.date]) -> int:
    """Bring the history up to date for days that received custom metric values after the pipeline ran (a CSV of
    past values): per day, oldest first, the custom and computed metrics and the current values. Returns the values
    written."""
    written = 0
    for day in sorted(set(days)):
        written += sum(custom_values_compute(as_of=day).values())
        written += sum(computed_values_compute(as_of=day).values())
        written += current_values_refresh(as_of=day)
    return written


def _computed_order(metrics: list[Metric]) -> list[tuple[Metric, formula.Node]]:
    """Computed metrics ordered so that each comes after the computed metrics its formula uses; raises FormulaError
    for a formula that does not parse or a circle."""
    parsed = {m.key: (m, formula.parse(m.formula)) for m in metrics}
    ordered: list[tuple[Metric, formula.Node]] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(key: str) -> None:
        if key in placed or key not in parsed:
            return
        if key in visiting:
            raise formula.FormulaError(f"Computed metrics refer to each other in a circle through “{key}”")
        visiting.add(key)
        for dep in formula.metric_keys(parsed[key][1]):
            place(dep)
        visiting.discard(key)
        placed.add(key)
        ordered.append(parsed[key])

    for key in parsed:
        place(key)
    return ordered


@transaction.atomic
def computed_values_compute(*, as_of: datetime.date) -> dict[str, int]:
    """Store the day's value of every computed metric, evaluated per account in SQL from the day's values. A metric
    whose formula fails (it no longer parses, refers in a circle, or its SQL fails) is skipped and says why."""
    computed = list(Metric.objects.filter(kind=MetricKind.COMPUTED, is_active=True, deleted_at=None))
    ids = dict(Metric.objects.filter(deleted_at=None).values_list("key", "id"))
    ordered, errors = _computed_plan(computed)

    def compute(item: tuple[Metric, formula.Node | None]) -> int | None:
        metric, node = item
        if node is None:
            raise errors[metric.key]
        keys = formula.metric_keys(node)
        if any(key not in ids for key in keys):
            return None  # a metric it uses was deleted: the catalogue page shows the formula as broken
        return _replace_day(metric.id, as_of, *_computed_select(node, keys, ids, as_of))

    queue = [*ordered, *((m, None) for m in computed if m.key in errors)]
    done = each_object(queue, compute, name=lambda item: f"metric {item[0].key}", record_on=lambda item: item[0])
    return {metric.key: count for (metric, _), count in done if count is not None}


def _computed_plan(
    metrics: list[Metric],
) -> tuple[list[tuple[Metric, formula.Node]], dict[str, formula.FormulaError]]:
    """Like `_computed_order`, but a formula that does not parse, or a circle, leaves out those metrics alone (with
    their error) instead of stopping the others; a metric that uses a left-out one is left out too."""
    parsed: dict[str, tuple[Metric, formula.Node]] = {}
    errors: dict[str, formula.FormulaError] = {}
    for metric in metrics:
        try:
            parsed[metric.key] = (metric, formula.parse(metric.formula))
        except formula.FormulaError as exc:
            errors[metric.key] = exc
    ordered: list[tuple[Metric, formula.Node]] = []
    placed: set[str] = set()
    visiting: list[str] = []

    def place(key: str) -> bool:
        if key in placed:
            return True
        if key in errors:
            return False
        if key not in parsed:
            return True  # not a computed metric: its values are already there (or missing, handled later)
        if key in visiting:
            circle = formula.FormulaError(f"Computed metrics refer to each other in a circle through “{key}”")
            for member in visiting[visiting.index(key) :]:
                errors[member] = circle
            return False
        visiting.append(key)
        ok = True
        for dep in formula.metric_keys(parsed[key][1]):
            if not place(dep):
                ok = False
                errors.setdefault(key, formula.FormulaError(f"It uses “{dep}”, which cannot be computed"))
        visiting.pop()
        if ok and key not in errors:
            placed.add(key)
            ordered.append(parsed[key])
        return ok and key not in errors

    for key in parsed:
        place(key)
    return ordered, errors


def _computed_select(
    node: formula.Node, keys: list[str], ids: dict[str, int], as_of: datetime.date
) -> tuple[str, list]:
    """The SELECT (account_id, value) of one computed metric on one day.

    The arithmetic runs in NUMERIC (metric values are cast to it), which holds any intermediate result, and only the
    result becomes a float: one past what a float holds gives no value, one too close to 0 gives 0, so no account's
    data can make the statement fail."""
    columns = {key: f"m{i}" for i, key in enumerate(keys)}
    pivot = ", ".join(f"MAX(CASE WHEN v.metric_id = %s THEN v.value END) AS {column}" for column in columns.values())
    expression, expr_params = formula.to_sql(node, lambda key: f"CAST(p.{columns[key]} AS NUMERIC)")
    select = (
        "SELECT r.account_id, CASE WHEN ABS(r.raw) >= 1e300 THEN NULL WHEN ABS(r.raw) < 1e-300 THEN 0 "
        "ELSE CAST(r.raw AS DOUBLE PRECISION) END AS value FROM ("
        f"SELECT p.account_id AS account_id, {expression} AS raw FROM ("
        f"SELECT v.account_id, {pivot} FROM {all_values_sql()} v "
        f"WHERE v.date = %s AND v.metric_id IN ({', '.join(['%s'] * len(keys))}) GROUP BY v.account_id) p) r"
    )
    key_ids = [ids[key] for key in keys]
    # Placeholders in order: the expression's numbers, the pivot's metric ids, the day, the id list.
    return select, [*expr_params, *key_ids, date_param(as_of), *key_ids]


def metric_statistics_refresh(*, as_of: datetime.date) -> int:
    """Refresh the planner's statistics of the daily values (PostgreSQL) once a run has written its day.

    Lists, charts and later pipeline stages read windows of days; until the statistics know the new day, the
    planner believes it empty and may read a window through the (metric, date) index for every account instead of
    each account's own range. On PostgreSQL only the partition of the day's month is sampled (the planner reads each
    partition's own statistics), so the cost stays that of one month whatever the history kept. Returns 0 (rows
    written).
    """
    if is_partitioned("metrics_metricvalue"):
        partition_ensure("metrics_metricvalue", as_of)
        statistics_refresh(partition_name("metrics_metricvalue", as_of))
    else:
        statistics_refresh("metrics_metricvalue")
    return 0


@transaction.atomic
def current_values_refresh(*, as_of: datetime.date) -> int:
    """Point each (metric, account) current value at its latest daily value on or before `as_of`, incrementally.

    The day's values replace older current values; a current value that came from this day but is gone from it (a
    rerun after the source changed) falls back to the latest older daily value. Runs over the days in order (the
    pipeline and its backfills do) keep the table equal to a full rebuild.
    """
    day = date_param(as_of)
    day_values, uses = day_values_sql()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO metrics_metriccurrent (metric_id, account_id, value, as_of) "
            f"SELECT metric_id, account_id, value, date FROM ({day_values}) v "
            # In the order of the (metric, account) key the conflicts are looked up in.
            "ORDER BY metric_id, account_id "
            "ON CONFLICT (metric_id, account_id) DO UPDATE SET value = excluded.value, as_of = excluded.as_of "
            "WHERE metrics_metriccurrent.as_of < excluded.as_of "
            "OR (metrics_metriccurrent.as_of = excluded.as_of AND metrics_metriccurrent.value <> excluded.value)",
            [day] * uses,
        )
        written = max(cursor.rowcount, 0)
        statistics_refresh_if_stale("metrics_metriccurrent", written=written)
        # Set-based (EXCEPT hashes both sides once): the planner's estimate of the rows dated the new day is stale
        # until the table is analyzed again, and on that estimate a NOT EXISTS probes an index per current value.
        cursor.execute(
            "DELETE FROM metrics_metriccurrent WHERE as_of = %s AND (metric_id, account_id) IN ("
            "SELECT metric_id, account_id FROM metrics_metriccurrent WHERE as_of = %s EXCEPT "
            f"SELECT metric_id, account_id FROM ({day_values}) v) RETURNING metric_id, account_id",
            [day, day, *[day] * uses],
        )
        gone = cursor.fetchall()
        for chunk in range(0, len(gone), 500):
            pairs = gone[chunk : chunk + 500]
            match = " OR ".join(["(v.metric_id = %s AND v.account_id = %s)"] * len(pairs))
            cursor.execute(
                "INSERT INTO metrics_metriccurrent (metric_id, account_id, value, as_of) "
                "SELECT metric_id, account_id, value, date FROM (SELECT v.metric_id, v.account_id, v.value, v.date, "
                "ROW_NUMBER() OVER (PARTITION BY v.metric_id, v.account_id ORDER BY v.date DESC) AS n "
                f"FROM {all_values_sql()} v WHERE v.date < %s AND ({match})) older WHERE n = 1",
                [day, *(value for pair in pairs for value in pair)],
            )
            written += max(cursor.rowcount, 0)
    return written


@transaction.atomic
def current_values_expire(*, as_of: datetime.date) -> int:
    """Drop the current values of built-in and computed metrics that the day `as_of` (a complete day) did not
    confirm; returns how many went.

    Those metrics are computed for every account every day, so an account without a value on the last complete day
    has none now: an ended subscription leaves no MRR, a cleared CSM score no score. Values from a later day (the
    hourly run of today) stay. Custom metrics keep their latest pushed value, however old.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM metrics_metriccurrent WHERE as_of < %s AND metric_id IN "
            "(SELECT id FROM metrics_metric WHERE kind IN (%s, %s))",
            [date_param(as_of), MetricKind.BUILTIN, MetricKind.COMPUTED],
        )
        return max(cursor.rowcount, 0)


@transaction.atomic
def metric_save_computed(*, metric: Metric) -> Metric:
    """Validate a computed metric's formula against the catalogue, then save it."""
    metric.kind = MetricKind.COMPUTED
    known = Metric.objects.filter(deleted_at=None).exclude(pk=metric.pk).values_list("key", flat=True)
    try:
        formula.validate(metric.formula, known, self_key=metric.key)
        others = list(Metric.objects.filter(kind=MetricKind.COMPUTED, deleted_at=None).exclude(pk=metric.pk))
        _computed_order([*others, metric])
    except formula.FormulaError as exc:
        raise ValidationError({"formula": str(exc)}) from exc
    metric.full_clean()
    metric.save()
    return metric


@transaction.atomic
def metric_delete(*, metric: Metric) -> None:
    """Soft-delete a custom or computed metric: its history stays, lists and formulas using it show what broke."""
    if metric.kind == MetricKind.BUILTIN:
        raise ValidationError("Built-in metrics cannot be deleted.")
    metric.deleted_at = timezone.now()
    metric.is_active = False
    metric.save(update_fields=["deleted_at", "is_active", "updated_at"])


REVENUE_TREND_CLIMB_LIMIT = 20


@transaction.atomic
def revenue_trend_refresh(*, as_of: datetime.date) -> int:
    """Rebuild the account list's revenue trend for `as_of` from the stored daily MRR: one row per live account with
    its MRR on each of `trend_points(as_of)`, and the ancestors of every live account with a parent (so a total
    counts each account once). Replaces the whole trend; returns how many accounts have a row."""
    mrr_id = Metric.objects.filter(key="mrr").values_list("id", flat=True).first()
    days = trend_points(as_of)
    columns = ", ".join(f"mrr_{i:02d}" for i in range(TREND_POINTS))
    pivot = ", ".join("MAX(CASE WHEN v.date = %s THEN v.value END)" for _ in days)
    placeholders = ", ".join(["%s"] * len(days))
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM metrics_revenuetrend")
        cursor.execute("DELETE FROM metrics_revenuetrendcover")
        written = 0
        if mrr_id is not None:
            cursor.execute(
                f"INSERT INTO metrics_revenuetrend (account_id, as_of, {columns}) "
                f"SELECT v.account_id, %s, {pivot} FROM metrics_metricvalue v "
                "JOIN accounts_account a ON a.id = v.account_id AND a.is_deleted = %s "
                f"WHERE v.metric_id = %s AND v.date IN ({placeholders}) GROUP BY v.account_id",
                [date_param(as_of), *(date_param(day) for day in days), False, mrr_id, *(date_param(d) for d in days)],
            )
            written = max(cursor.rowcount, 0)
        cursor.execute(
            "INSERT INTO metrics_revenuetrendcover (account_id, ancestor_id) "
            "WITH RECURSIVE climb(account_id, ancestor_id, depth) AS ("
            "SELECT id, parent_id, 1 FROM accounts_account WHERE parent_id IS NOT NULL AND is_deleted = %s "
            "UNION ALL SELECT c.account_id, p.parent_id, c.depth + 1 FROM climb c "
            "JOIN accounts_account p ON p.id = c.ancestor_id WHERE p.parent_id IS NOT NULL AND c.depth < %s) "
            "SELECT DISTINCT account_id, ancestor_id FROM climb",
            [False, REVENUE_TREND_CLIMB_LIMIT],
        )
    statistics_refresh("metrics_revenuetrend", "metrics_revenuetrendcover")
    return written
