"""Celery jobs of the accounts app: thin wrappers that re-fetch an import job by id and call the engine."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction


def enqueue(phase: str, job_id: int) -> None:
    """Queue the check or commit of an import once the current transaction commits.

    ACCOUNTS_IMPORT_QUEUE (a setting) picks the Celery queue; by default the app's default queue.
    """
    task = import_check_job if phase == "check" else import_commit_job
    options = import_queue_options()
    transaction.on_commit(lambda: task.apply_async(args=[job_id], **options))


def import_queue_options() -> dict[str, str]:
    """The Celery options that put a job of an import on ACCOUNTS_IMPORT_QUEUE, when that setting names one."""
    queue = getattr(settings, "ACCOUNTS_IMPORT_QUEUE", None)
    return {"queue": queue} if queue else {}


@shared_task(name="accounts.jobs.import_check", ignore_result=True)
def import_check_job(job_id: int) -> None:
    """Check a large uploaded CSV file and store its preview."""
    from accounts.imports import import_check
    from accounts.models import ImportJob, ImportStatus

    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.VALIDATING).first()
    if job is None:
        return
    import_check(job=job)


@shared_task(name="accounts.jobs.import_commit", ignore_result=True)
def import_commit_job(job_id: int) -> None:
    """Write the valid rows of a previewed large CSV file in one transaction."""
    from accounts.imports import import_commit
    from accounts.models import ImportJob, ImportStatus

    job = ImportJob.objects.filter(pk=job_id, status=ImportStatus.COMMITTING).first()
    if job is None:
        return
    import_commit(job=job)


@shared_task(name="accounts.jobs.purge_deleted_accounts", ignore_result=True)
def purge_deleted_accounts_job(days: int = 30) -> int:
    """Purge accounts soft-deleted more than `days` ago (to be scheduled in natero/celery.py)."""
    import datetime

    from django.utils import timezone

    from accounts.services import accounts_purge_deleted

    return accounts_purge_deleted(before=timezone.now() - datetime.timedelta(days=days))
