"""Notifications to team members about tasks (and, through `notify`, about alerts): an in-app row for the bell,
and an email through core's outbox unless the member switched that event off or chose a daily digest.

Every notification is a row before it has any effect: `Notification` is unique per (recipient, key) and its email
is an outbox row keyed by the notification, so a retried job or two workers produce one notification and send one
email.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.emails import render_email
from core.outbox import OutboxItem, outbox_add_many
from tasks.models import Notification, NotificationEvent, NotificationSettings, Task, TaskStatus
from team.models import User


@dataclass(frozen=True)
class Event:
    """What happened, for whom: `key` identifies the event (with the recipient, it makes a notification unique)."""

    event: str
    key: str
    title: str
    body: str = ""
    url: str = ""
    task: Task | None = None
    account_id: int | None = None


def settings_for(user: User) -> NotificationSettings:
    """The member's notification settings (every email on, no digest, until they change them)."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def notification_settings_save(*, user: User, values: dict[str, bool]) -> NotificationSettings:
    """Store the member's switches (`values` maps field names of NotificationSettings to booleans)."""
    current = settings_for(user)
    for name, value in values.items():
        setattr(current, name, bool(value))
    current.full_clean()
    current.save()
    return current


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


@transaction.atomic
def notify(*, event: Event, recipients: Iterable[User], actor: User | None = None) -> int:
    """Notify each recipient once (the actor is left out: they know); answers how many notifications are new.

    Emails are written to the outbox for recipients who want this event by single email; digest readers get it in
    the next daily digest.
    """
    people = {u.pk: u for u in recipients if u is not None and u.is_active and (actor is None or u.pk != actor.pk)}
    if not people:
        return 0
    already = set(
        Notification.objects.filter(recipient_id__in=people, key=event.key).values_list("recipient_id", flat=True)
    )
    rows = [
        Notification(
            recipient_id=pk,
            event=event.event,
            key=event.key,
            title=event.title[:300],
            body=event.body,
            url=event.url,
            task=event.task,
            account_id=event.account_id or (event.task.account_id if event.task else None),
        )
        for pk in people
        if pk not in already
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    choices = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=people)}
    emails = []
    for row in rows:
        person = people[row.recipient_id]
        prefs = choices.get(person.pk) or NotificationSettings(user=person)
        if prefs.daily_digest or not prefs.wants_email(event.event):
            continue
        context = {
            "recipient": person,
            "title": event.title,
            "body": event.body,
            "link": _absolute(event.url),
            "event": NotificationEvent(event.event).label,
            "site_name": settings.SITE_NAME,
        }
        emails.append(
            OutboxItem(
                "email",
                f"notification:{person.pk}:{event.key}",
                {"to": [person.email], **render_email("notification", context)},
            )
        )
    outbox_add_many(emails)
    return len(rows)


def task_recipients(task: Task) -> list[User]:
    """Who follows a task: its owner, its subscribers and the members of its subscribed group."""
    people: dict[int, User] = {}
    if task.owner_id:
        people[task.owner_id] = task.owner
    if task.pk:
        for user in task.subscribers.all():
            people[user.pk] = user
    if task.subscriber_group_id:
        for user in task.subscriber_group.members.all():
            people[user.pk] = user
    return list(people.values())


def tasks_overdue_notify(*, as_of: datetime.date) -> int:
    """Tell the owner of every task not closed whose due date is before `as_of`, once per task and due date."""
    count = 0
    overdue = (
        Task.objects.exclude(status=TaskStatus.CLOSED)
        .filter(due_date__lt=as_of, owner__isnull=False, owner__is_active=True, account__is_deleted=False)
        .select_related("owner", "account")
        .order_by("id")
    )
    for task in overdue.iterator(chunk_size=500):
        count += notify(
            event=Event(
                event=NotificationEvent.OVERDUE,
                key=f"task-overdue:{task.pk}:{task.due_date.isoformat()}",
                title=f"Overdue since {task.due_date:%d %b %Y}: {task.title} ({task.account.name})",
                url=task.get_absolute_url(),
                task=task,
            ),
            recipients=[task.owner],
        )
    return count


def digests_send(*, as_of: datetime.date) -> int:
    """Email each member who chose the daily digest the notifications of day `as_of` (UTC) they want, in one
    email; once per member and day. Answers how many digests were written."""
    start = datetime.datetime.combine(as_of, datetime.time.min, tzinfo=datetime.UTC)
    end = start + datetime.timedelta(days=1)
    readers = NotificationSettings.objects.filter(daily_digest=True, user__is_active=True).select_related("user")
    items = []
    for prefs in readers:
        wanted = [event for event in NotificationEvent.values if prefs.wants_email(event)]
        notes = list(
            Notification.objects.filter(
                recipient=prefs.user, event__in=wanted, created_at__gte=start, created_at__lt=end
            ).order_by("created_at", "id")[:200]
        )
        if not notes:
            continue
        context = {
            "recipient": prefs.user,
            "day": as_of,
            "notifications": [{"title": n.title, "link": _absolute(n.url)} for n in notes],
            "site_name": settings.SITE_NAME,
        }
        items.append(
            OutboxItem(
                "email",
                f"digest:{prefs.user_id}:{as_of.isoformat()}",
                {"to": [prefs.user.email], **render_email("notification-digest", context)},
            )
        )
    with transaction.atomic():
        return outbox_add_many(items)


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_for(user: User):
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def notifications_mark_read(*, user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the member's notifications read (all unread ones without `ids`); answers how many changed."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(Q(pk__in=list(ids)))
    return qs.update(read_at=timezone.now())
