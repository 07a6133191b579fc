"""Core jobs: the worker heartbeat, email sending, the outbox, the pipeline and partitions made ahead."""

import socket

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone


@shared_task(name="core.jobs.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Record that a worker ran a scheduled job just now; /healthz reads it."""
    from core.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(worker=socket.gethostname(), defaults={"beat_at": timezone.now()})


@shared_task(
    name="core.jobs.send_email", ignore_result=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_email(*, to: list[str], subject: str, body: str, html: str) -> None:
    """Send one rendered email; retried with backoff when the mail server cannot be reached."""
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    message.attach_alternative(html, "text/html")
    message.send()


@shared_task(name="core.jobs.run_pipeline", ignore_result=True)
def run_pipeline(*, kind: str, as_of: str | None = None) -> None:
    """Run the data pipeline: hourly for today so far, daily for the day that just ended (UTC)."""
    import datetime

    from core.pipeline import DAILY, pipeline_run

    if as_of:
        day = datetime.date.fromisoformat(as_of)
    else:
        today = timezone.now().date()
        day = today - datetime.timedelta(days=1) if kind == DAILY else today
    pipeline_run(as_of=day, kind=kind, triggered_by="schedule")


@shared_task(name="core.jobs.outbox_send", ignore_result=True)
def outbox_send(*, limit: int = 500) -> int:
    """Send the outbox rows that are due; started when rows are written and by the periodic sweep."""
    from core.outbox import outbox_send_pending

    return outbox_send_pending(limit=limit)


@shared_task(name="core.jobs.partitions_ahead", ignore_result=True)
def partitions_ahead() -> dict[str, int]:
    """Create the monthly partitions of the partitioned tables for this month and the next ones (PostgreSQL)."""
    from core.partitions import partitions_ahead as ensure

    return ensure(today=timezone.now().date())
