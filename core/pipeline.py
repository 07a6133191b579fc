"""The pipeline runner: runs the ordered steps that settings.PIPELINE names, for one day, and records each step.

The order of the steps lives in natero/pipeline.py (the top of the layers). Each step is a function of `as_of`,
idempotent, returning the rows it wrote (an int, or a dict of counts). A failing step stops the run and is
recorded with its error; the steps before it stay done, and a rerun redoes the day from the start.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
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


def pipeline_run(*, as_of: datetime.date, kind: str = DAILY, triggered_by: str = "") -> PipelineRun:
    """Run every step of `kind` for `as_of`, in order, recording each; raises PipelineFailed on a failing step."""
    with _database_settings():
        return _pipeline_run(as_of=as_of, kind=kind, triggered_by=triggered_by)


def _pipeline_run(*, as_of: datetime.date, kind: str, triggered_by: str) -> PipelineRun:
    run = PipelineRun.objects.create(kind=kind, as_of=as_of, started_at=timezone.now(), triggered_by=triggered_by)
    for position, step in enumerate(pipeline_steps(kind)):
        record = PipelineStepRun.objects.create(run=run, name=step.name, position=position, started_at=timezone.now())
        began = time.perf_counter()
        try:
            result = step.run(as_of=as_of)
        except Exception as exc:
            record.status = PipelineRunStatus.FAILED
            record.duration_seconds = time.perf_counter() - began
            record.error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
            record.detail = {"traceback": traceback.format_exc()[-4000:]}
            record.save()
            run.status = PipelineRunStatus.FAILED
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at"])
            logger.exception("Pipeline step %s failed for %s", step.name, as_of)
            raise PipelineFailed(run, step.name, record.error) from exc
        record.rows, record.detail = _rows(result)
        record.status = PipelineRunStatus.SUCCEEDED
        record.duration_seconds = time.perf_counter() - began
        record.save()
    run.status = PipelineRunStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "finished_at"])
    return run


def pipeline_backfill(*, as_of: datetime.date, days: int, triggered_by: str = "") -> list[PipelineRun]:
    """Run the daily pipeline for the `days` days ending with `as_of`, oldest first."""
    start = as_of - datetime.timedelta(days=days - 1)
    return [
        pipeline_run(as_of=start + datetime.timedelta(days=offset), kind=DAILY, triggered_by=triggered_by)
        for offset in range(days)
    ]
