"""Services that change tasks: create, update, reassign, close, reopen, bulk actions and the checklist.

Every change that someone else should hear about notifies the task's followers (tasks.notifications), in the same
transaction, through rows. Apps above tasks (alerts) hear about closed and deleted tasks through `on_task_change`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from accounts.models import Account, Document
from tasks.models import NotificationEvent, Subtask, Task, TaskOutcome, TaskPriority, TaskSource, TaskStatus
from tasks.notifications import Event, notify, task_recipients
from team.models import TeamGroup, User

_change_hooks: list[Callable[[str, Task, User | None], None]] = []


def on_task_change(hook: Callable[[str, Task, User | None], None]) -> None:
    """Call `hook(change, task, by)` after a task is closed, reopened or deleted (`change` names which), inside
    the transaction that changed it."""
    _change_hooks.append(hook)


def _changed(change: str, task: Task, by: User | None) -> None:
    for hook in _change_hooks:
        hook(change, task, by)


@dataclass(frozen=True)
class SubtaskSpec:
    title: str
    due_date: datetime.date | None = None
    owner: User | None = None


def _event(task: Task, event: str, title: str, *, suffix: str = "") -> Event:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    return Event(
        event=event,
        key=f"task-{event}:{task.pk}:{suffix or stamp}",
        title=title,
        body=task.description[:500] if event == NotificationEvent.NEW else "",
        url=task.get_absolute_url(),
        task=task,
    )


@transaction.atomic
def task_create(
    *,
    account: Account,
    title: str,
    by: User | None,
    description: str = "",
    owner: User | None = None,
    priority: str = TaskPriority.NORMAL,
    due_date: datetime.date | None = None,
    subscribers: Iterable[User] = (),
    subscriber_group: TeamGroup | None = None,
    source: str = TaskSource.MANUAL,
    source_name: str = "",
    subtasks: Sequence[SubtaskSpec] = (),
    documents: Iterable[Document] = (),
) -> Task:
    """Create a task on `account` with its checklist; notifies the owner and subscribers (not `by`)."""
    task = Task(
        account=account,
        title=(title or "").strip(),
        description=description,
        owner=owner,
        priority=priority,
        due_date=due_date,
        subscriber_group=subscriber_group,
        source=source,
        source_name=source_name[:200],
        created_by=by,
    )
    task.full_clean()
    task.save()
    task.subscribers.set(list(subscribers))
    docs = list(documents)
    if any(doc.account_id != account.pk for doc in docs):
        raise ValidationError({"documents": "Documents must belong to the task's account."})
    task.documents.set(docs)
    Subtask.objects.bulk_create(
        [
            Subtask(task=task, title=spec.title[:200], position=i, due_date=spec.due_date, owner=spec.owner)
            for i, spec in enumerate(subtasks)
        ]
    )
    notify(
        event=_event(task, NotificationEvent.NEW, f"New task: {task.title} ({account.name})", suffix="created"),
        recipients=task_recipients(task),
        actor=by,
    )
    return task


UPDATABLE = ("title", "description", "owner", "priority", "due_date", "status", "subscriber_group")


@transaction.atomic
def task_update(
    *,
    task: Task,
    by: User | None,
    subscribers: Iterable[User] | None = None,
    documents: Iterable[Document] | None = None,
    **changes,
) -> Task:
    """Change fields of an open or pending task (any of UPDATABLE; "status" only between open and pending).

    A new owner is told the task is now theirs; the other followers are told it changed. Use `task_close` to
    close and `task_reopen` to reopen.
    """
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValueError(f"Cannot update {', '.join(sorted(unknown))}.")
    if changes.get("status") == TaskStatus.CLOSED:
        raise ValidationError({"status": "Close a task with an outcome."})
    if task.is_closed and changes.get("status") not in (None, TaskStatus.CLOSED):
        raise ValidationError({"status": "Reopen the task first."})
    old_owner_id = task.owner_id
    changed = [name for name, value in changes.items() if getattr(task, name) != value]
    for name in changed:
        setattr(task, name, changes[name])
    if "title" in changed:
        task.title = (task.title or "").strip()
    task.full_clean()
    task.save()
    if subscribers is not None:
        before = set(task.subscribers.values_list("pk", flat=True))
        people = list(subscribers)
        if before != {u.pk for u in people}:
            task.subscribers.set(people)
            changed.append("subscribers")
    if documents is not None:
        docs = list(documents)
        if any(doc.account_id != task.account_id for doc in docs):
            raise ValidationError({"documents": "Documents must belong to the task's account."})
        task.documents.set(docs)
    if not changed:
        return task
    account_name = task.account.name
    if "owner" in changed and task.owner_id:
        notify(
            event=_event(task, NotificationEvent.REASSIGNED, f"Task reassigned to you: {task.title} ({account_name})"),
            recipients=[task.owner],
            actor=by,
        )
    others = [u for u in task_recipients(task) if u.pk != task.owner_id or "owner" not in changed]
    if old_owner_id and old_owner_id != task.owner_id:
        others.append(User.objects.get(pk=old_owner_id))
    labels = ", ".join(Task._meta.get_field(name).verbose_name for name in changed if name != "subscribers") or (
        "subscribers"
    )
    notify(
        event=_event(task, NotificationEvent.UPDATED, f"Task updated ({labels}): {task.title} ({account_name})"),
        recipients=others,
        actor=by,
    )
    return task


@transaction.atomic
def task_close(*, task: Task, by: User | None, outcome: str) -> Task:
    """Close a task with an outcome (successful, unsuccessful, false alarm); followers hear of it; apps above
    (an alert the task came from) are told."""
    if outcome not in TaskOutcome.values:
        raise ValidationError({"outcome": "Choose an outcome: successful, unsuccessful or false alarm."})
    if task.is_closed:
        return task
    task.status = TaskStatus.CLOSED
    task.outcome = outcome
    task.closed_at = timezone.now()
    task.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
    notify(
        event=_event(
            task,
            NotificationEvent.UPDATED,
            f"Task closed ({TaskOutcome(outcome).label.lower()}): {task.title} ({task.account.name})",
        ),
        recipients=task_recipients(task),
        actor=by,
    )
    _changed("closed", task, by)
    return task


@transaction.atomic
def task_reopen(*, task: Task, by: User | None) -> Task:
    """Open a closed task again (its outcome is cleared)."""
    if not task.is_closed:
        return task
    task.status = TaskStatus.OPEN
    task.outcome = ""
    task.closed_at = None
    task.save(update_fields=["status", "outcome", "closed_at", "updated_at"])
    notify(
        event=_event(task, NotificationEvent.UPDATED, f"Task reopened: {task.title} ({task.account.name})"),
        recipients=task_recipients(task),
        actor=by,
    )
    _changed("reopened", task, by)
    return task


@transaction.atomic
def task_delete(*, task: Task, by: User | None) -> None:
    """Delete a task as if it never existed (its notifications too)."""
    _changed("deleted", task, by)
    task.delete()


# Bulk actions ----------------------------------------------------------------------------------------------------

BULK_ACTIONS = ("reassign", "close", "due_date")


@transaction.atomic
def tasks_bulk_apply(
    *,
    tasks: QuerySet[Task],
    by: User,
    action: str,
    owner: User | None = None,
    outcome: str = "",
    due_date: datetime.date | None = None,
) -> int:
    """Reassign, close (with an outcome) or move the due date of many tasks at once; answers how many changed.

    Each task goes through the single-task service, so followers are notified as for one task.
    """
    if action not in BULK_ACTIONS:
        raise ValidationError({"action": "Choose reassign, close or change due date."})
    if action == "reassign" and owner is None:
        raise ValidationError({"owner": "Choose the new owner."})
    if action == "close" and outcome not in TaskOutcome.values:
        raise ValidationError({"outcome": "Choose an outcome: successful, unsuccessful or false alarm."})
    if action == "due_date" and due_date is None:
        raise ValidationError({"due_date": "Choose the new due date."})
    count = 0
    for task in tasks.select_for_update(of=("self",)).select_related("account", "owner").order_by("pk"):
        if action == "close":
            if task.is_closed:
                continue
            task_close(task=task, by=by, outcome=outcome)
        elif task.is_closed:
            continue
        elif action == "reassign":
            if task.owner_id == owner.pk:
                continue
            task_update(task=task, by=by, owner=owner)
        else:
            if task.due_date == due_date:
                continue
            task_update(task=task, by=by, due_date=due_date)
        count += 1
    return count


# Checklist -------------------------------------------------------------------------------------------------------


@transaction.atomic
def subtask_add(*, task: Task, title: str, due_date: datetime.date | None = None) -> Subtask:
    """Append an item to the task's checklist."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Give the item a title."})
    position = (task.subtasks.aggregate(top=Max("position"))["top"] or 0) + 1
    subtask = Subtask(task=task, title=title, position=position, due_date=due_date)
    subtask.full_clean()
    subtask.save()
    return subtask


@transaction.atomic
def subtask_set_done(*, subtask: Subtask, done: bool) -> Subtask:
    """Tick or untick a checklist item."""
    subtask.done = done
    subtask.done_at = timezone.now() if done else None
    subtask.save(update_fields=["done", "done_at"])
    return subtask


@transaction.atomic
def subtask_move(*, subtask: Subtask, up: bool) -> None:
    """Swap an item with the one before (up) or after it."""
    items = list(subtask.task.subtasks.order_by("position", "id"))
    index = next(i for i, item in enumerate(items) if item.pk == subtask.pk)
    other = index - 1 if up else index + 1
    if other < 0 or other >= len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, item in enumerate(items):
        if item.position != position:
            Subtask.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def subtask_delete(*, subtask: Subtask) -> None:
    subtask.delete()
