"""Task jobs: the daily overdue notices and the daily digest emails."""

import datetime

from celery import shared_task
from django.utils import timezone


@shared_task(name="tasks.jobs.notify_overdue", ignore_result=True)
def notify_overdue(*, as_of: str | None = None) -> int:
    """Tell owners about tasks past their due date (once per task and due date)."""
    from tasks.notifications import tasks_overdue_notify

    day = datetime.date.fromisoformat(as_of) if as_of else timezone.now().date()
    return tasks_overdue_notify(as_of=day)


@shared_task(name="tasks.jobs.send_digests", ignore_result=True)
def send_digests(*, as_of: str | None = None) -> int:
    """Email yesterday's notifications (UTC) to members who chose the daily digest."""
    from tasks.notifications import digests_send

    day = datetime.date.fromisoformat(as_of) if as_of else timezone.now().date() - datetime.timedelta(days=1)
    return digests_send(as_of=day)
