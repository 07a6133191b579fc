"""Core jobs: the worker heartbeat and email sending."""

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
