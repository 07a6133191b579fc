"""The pipeline runner: runs the ordered steps that settings.PIPELINE names, for one day, and records each step.

The order of the steps lives in natero/pipeline.py (the top of the layers). Each step is a function of `as_of`,
idempotent, returning the rows it wrote (an int, or a dict of counts). A failing step stops the run and is
recorded with its error; the steps before it stay done, and a rerun redoes the day from the start.

A step that loops over configuration objects (metrics, lists, rules) runs each through `each_object`: one object
that fails is rolled back to its savepoint, recorded on itself (`pipeline_error`) and on the step, and the others
and the later steps run. Such a step, and its run, end "partial".
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
import logging
import queue
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.models import PipelineRun, PipelineRunStatus, PipelineStepRun

logger = logging.getLogger(__name__)

HOURLY = "hourly"
DAILY = "daily"


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[..., object]
    kinds: tuple[str, ...] = (DAILY,)


class PipelineFailed(Exception):
    def __init__(self, run: PipelineRun, step: str, error: str):
        super().__init__(f"Step {step} failed: {error}")
        self.run = run


T = TypeVar("T")
R = TypeVar("R")
MAX_ERROR = 2000
MAX_FAILURES_KEPT = 100


@dataclass(frozen=True)
class ObjectFailure:
    """One configuration object a step skipped: what it is (e.g. "metric ratio") and why."""

    name: str
    error: str


_failures: contextvars.ContextVar[list[ObjectFailure] | None] = contextvars.ContextVar("failures", default=None)


def error_text(exc: BaseException) -> str:
    """An exception as one short line for people: its type and message, bounded."""
    return "".join(traceback.format_exception_only(exc)).strip()[:MAX_ERROR]


def _note_on(target: models.Model | None, error: str) -> None:
    if target is None or not hasattr(target, "pipeline_error") or target.pk is None:
        return
    if not error and not target.pipeline_error:
        return
    target.pipeline_error, target.pipeline_error_at = error, timezone.now() if error else None
    type(target)._base_manager.filter(pk=target.pk).update(
        pipeline_error=target.pipeline_error, pipeline_error_at=target.pipeline_error_at
    )


def each_object(
    items: Iterable[T],
    work: Callable[[T], R],
    *,
    name: Callable[[T], str] = str,
    record_on: Callable[[T], models.Model | None] | None = None,
) -> list[tuple[T, R]]:
    """Run `work` on each item in its own savepoint; returns (item, result) for those that succeeded.

    An item whose work raises is rolled back alone, logged, added to the running step's failures (the run ends
    "partial") and its error stored on the model `record_on(item)` returns (the item itself by default) when that
    has a `pipeline_error` field; a success empties that field. Outside a pipeline run the failures are only
    logged and stored.
    """
    done: list[tuple[T, R]] = []
    for item in items:
        target = record_on(item) if record_on else (item if isinstance(item, models.Model) else None)
        try:
            with transaction.atomic():
                result = work(item)
        except Exception as exc:
            error = error_text(exc)
            logger.exception("Pipeline: %s failed", name(item))
            failures = _failures.get()
            if failures is not None:
                failures.append(ObjectFailure(name(item)[:200], error))
            _note_on(target, error)
            continue
        _note_on(target, "")
        done.append((item, result))
    return done


def on_connections(items: Iterable[T], work: Callable[[Iterator[T]], list[R]], *, connections: int) -> list[R]:
    """Share `items` among `connections` threads, each on its own database connection: each thread runs `work` on
    an iterator that hands it the next item of one shared queue (so a slow item does not hold up a share of the
    others) and closes its connection at the end; answers the concatenated results. `work` runs its own
    transactions: what it commits is visible to the others.

    When a thread's `work` raises, the queue is emptied (the others stop after their current item) and the error is
    raised once they have. Runs `work` once on this thread instead on SQLite, with one connection, or inside a
    transaction (other connections would not see what it has written). Each thread runs in a copy of this context,
    so a pipeline run's record of failures receives theirs."""
    items = list(items)
    workers = min(connections, len(items))
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return work(iter(items))
    pending: queue.SimpleQueue[T] = queue.SimpleQueue()
    for item in items:
        pending.put(item)

    def taken() -> Iterator[T]:
        while True:
            try:
                yield pending.get_nowait()
            except queue.Empty:
                return

    def run() -> list[R]:
        try:
            return work(taken())
        except BaseException:
            with contextlib.suppress(queue.Empty):
                while True:
                    pending.get_nowait()
            raise
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="connection") as pool:
        futures = [pool.submit(contextvars.copy_context().run, run) for _ in range(workers)]
        return [result for future in futures for result in future.result()]


class PipelineRefused(ValueError):
    """A day the pipeline cannot compute (its message says why, and which days can be)."""


# Functions of a day returning why it cannot be computed (or None); apps register theirs (the raw events kept).
_day_guards: list[Callable[[datetime.date], str | None]] = []


def register_day_guard(guard: Callable[[datetime.date], str | None]) -> None:
    if guard not in _day_guards:
        _day_guards.append(guard)


def pipeline_day_check(day: datetime.date) -> None:
    """Raise PipelineRefused when `day` (or any later day of a backfill starting there) cannot be computed."""
    for guard in _day_guards:
        refusal = guard(day)
        if refusal:
            raise PipelineRefused(refusal)


def pipeline_steps(kind: str) -> list[Step]:
    return [step for step in import_string(settings.PIPELINE)() if kind in step.kinds]


def _rows(result: object) -> tuple[int | None, dict]:
    if isinstance(result, int):
        return result, {}
    if isinstance(result, dict):
        counts = {str(k): v for k, v in result.items() if isinstance(v, int | float)}
        return int(sum(counts.values())), counts
    return None, {}


@contextlib.contextmanager
def _database_settings() -> Iterator[None]:
    """PostgreSQL settings for the pipeline's big set-based statements, restored afterwards: room for aggregates
    (work_mem, PIPELINE_WORK_MEM) so they hash in memory instead of spilling to disk, and no JIT compilation, which
    costs about half a second per large statement and gains nothing on scans that are bound by reading rows."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        if settings.PIPELINE_WORK_MEM:
            cursor.execute("SELECT set_config('work_mem', %s, false)", [settings.PIPELINE_WORK_MEM])
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
            cursor.execute("RESET jit")


def big_statements_local() -> None:
    """The settings of `_database_settings` for the rest of the current transaction only: for a big set-based
    statement run outside the pipeline (a rescoring after an edit, a backfill day, a preview). PostgreSQL only."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if settings.PIPELINE_WORK_MEM:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.PIPELINE_WORK_MEM])
        cursor.execute("SELECT set_config('jit', 'off', true)")


def pipeline_run(*, as_of: datetime.date, kind: str = DAILY, triggered_by: str = "") -> PipelineRun:
    """Run every step of `kind` for `as_of`, in order, recording each; raises PipelineFailed on a failing step.

    Objects a step skipped (see `each_object`) leave the run "partial", not failed: every later step still ran.
    A day that cannot be computed (see `pipeline_day_check`) raises PipelineRefused before anything is written."""
    pipeline_day_check(as_of)
    with _database_settings():
        return _pipeline_run(as_of=as_of, kind=kind, triggered_by=triggered_by)


def _pipeline_run(*, as_of: datetime.date, kind: str, triggered_by: str) -> PipelineRun:
    run = PipelineRun.objects.create(kind=kind, as_of=as_of, started_at=timezone.now(), triggered_by=triggered_by)
    for position, step in enumerate(pipeline_steps(kind)):
        record = PipelineStepRun.objects.create(run=run, name=step.name, position=position, started_at=timezone.now())
        began = time.perf_counter()
        failures: list[ObjectFailure] = []
        token = _failures.set(failures)
        try:
            result = step.run(as_of=as_of)
        except Exception as exc:
            _failures.reset(token)
            record.status = PipelineRunStatus.FAILED
            record.duration_seconds = time.perf_counter() - began
            record.error = error_text(exc)
            record.detail = {"traceback": traceback.format_exc()[-4000:]}
            record.save()
            run.status = PipelineRunStatus.FAILED
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at"])
            logger.exception("Pipeline step %s failed for %s", step.name, as_of)
            raise PipelineFailed(run, step.name, record.error) from exc
        _failures.reset(token)
        record.rows, record.detail = _rows(result)
        record.status = PipelineRunStatus.SUCCEEDED
        if failures:
            record.status = PipelineRunStatus.PARTIAL
            record.error = f"{len(failures)} failed: " + "; ".join(f"{f.name}: {f.error}" for f in failures[:5])
            record.error = record.error[:MAX_ERROR]
            record.detail = {
                **record.detail,
                "failures": [{"object": f.name, "error": f.error} for f in failures[:MAX_FAILURES_KEPT]],
            }
        record.duration_seconds = time.perf_counter() - began
        record.save()
    partial = run.steps.filter(status=PipelineRunStatus.PARTIAL).exists()
    run.status = PipelineRunStatus.PARTIAL if partial else PipelineRunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def pipeline_backfill(*, as_of: datetime.date, days: int, triggered_by: str = "") -> list[PipelineRun]:
    """Run the daily pipeline for the `days` days ending with `as_of`, oldest first; refused (PipelineRefused) before
    any day runs when the first cannot be computed."""
    start = as_of - datetime.timedelta(days=days - 1)
    pipeline_day_check(start)
    return [
        pipeline_run(as_of=start + datetime.timedelta(days=offset), kind=DAILY, triggered_by=triggered_by)
        for offset in range(days)
    ]
