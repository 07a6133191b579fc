"""Demo data for tasks: manual tasks and playbook launches on the demo accounts, in every state (open, pending,
closed with each outcome, overdue), with checklists partly ticked, spread over the past weeks, and notifications in
the demo user's bell (some read). Deterministic, and written once: a second run finds its tasks and stops."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

DEMO_SOURCE_NAME = "Demo"
SEED = 20260301
TITLES = [
    "Prepare the quarterly business review",
    "Follow up on the support escalation",
    "Send the onboarding recap",
    "Check seat usage before the renewal",
    "Introduce the new admin to the product",
    "Review the success plan with the sponsor",
    "Collect feedback on the reporting module",
    "Schedule a training for the new team",
]
CHECKLIST = ["Gather usage numbers", "Draft the agenda", "Send the invitation", "Write up the notes"]


def seed_tasks(*, stdout: Any = None, **options: Any) -> None:
    """Create the demo's manual tasks (about one per five demo accounts, at most 80) once."""
    from accounts.models import Account
    from tasks.models import Notification, Task, TaskOutcome, TaskPriority, TaskStatus
    from tasks.services import SubtaskSpec, subtask_set_done, task_close, task_create
    from team.demo import DEMO_EMAIL
    from team.models import User

    if Task.objects.filter(source_name=DEMO_SOURCE_NAME).exists():
        if stdout:
            stdout.write("  Demo tasks already there.")
        return
    demo = User.objects.filter(email=DEMO_EMAIL).first()
    accounts = list(
        Account.objects.filter(is_deleted=False, churned_on__isnull=True).prefetch_related("csms").order_by("pk")
    )
    if not accounts or demo is None:
        return
    rng = random.Random(SEED)
    now = timezone.now()
    today = timezone.localdate()
    outcomes = list(TaskOutcome.values)
    priorities = list(TaskPriority.values)
    made = 0
    for index, account in enumerate(accounts[: min(80, max(8, len(accounts) // 5))]):
        csms = list(account.csms.all())
        owner = demo if index % 3 == 0 or not csms else csms[0]
        age = rng.randint(1, 56)  # created up to eight weeks ago
        created = now - datetime.timedelta(days=age, hours=rng.randint(0, 8))
        due = (created + datetime.timedelta(days=rng.randint(3, 21))).date()
        steps = rng.randint(0, len(CHECKLIST))
        task = task_create(
            account=account,
            title=TITLES[index % len(TITLES)],
            description="Agreed in the last call with the account.",
            by=None if owner == demo else demo,
            owner=owner,
            priority=priorities[index % len(priorities)],
            due_date=due,
            subscribers=[demo] if owner != demo and index % 2 else [],
            source_name=DEMO_SOURCE_NAME,
            subtasks=[
                SubtaskSpec(title, due_date=due - datetime.timedelta(days=steps - i))
                for i, title in enumerate(CHECKLIST[:steps])
            ],
        )
        subtasks = list(task.subtasks.order_by("position"))
        state = index % 6
        if state in (0, 1, 2) and due >= today and age > 20:
            state = 5  # an old task still open would be overdue: close most of them
        for subtask in subtasks[: len(subtasks) if state >= 3 else len(subtasks) // 2]:
            subtask_set_done(subtask=subtask, done=True)
        if state == 1:
            Task.objects.filter(pk=task.pk).update(status=TaskStatus.PENDING)
        elif state >= 3:
            task_close(task=task, by=owner, outcome=outcomes[index % len(outcomes)])
            closed = min(now, created + datetime.timedelta(days=rng.randint(1, 25)))
            Task.objects.filter(pk=task.pk).update(closed_at=closed)
        Task.objects.filter(pk=task.pk).update(created_at=created)
        Notification.objects.filter(task=task).update(created_at=created)
        made += 1
    # The oldest half of the demo user's notifications have been read.
    mine = Notification.objects.filter(recipient=demo).order_by("created_at")
    ids = list(mine.values_list("pk", flat=True))
    Notification.objects.filter(pk__in=ids[: len(ids) // 2]).update(read_at=now)
    if stdout:
        stdout.write(f"  {made:,} demo tasks created.")
