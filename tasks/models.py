"""Tasks of team members on accounts, their checklists, and the notifications they send to team members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    CLOSED = "closed", "Closed"


class TaskPriority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_ORDER = {TaskPriority.LOW: 0, TaskPriority.NORMAL: 1, TaskPriority.HIGH: 2, TaskPriority.URGENT: 3}


class TaskOutcome(models.TextChoices):
    SUCCESSFUL = "successful", "Successful"
    UNSUCCESSFUL = "unsuccessful", "Unsuccessful"
    FALSE_ALARM = "false_alarm", "False alarm"


class TaskSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    ALERT = "alert", "Alert"
    PLAYBOOK = "playbook", "Playbook"
    WORKFLOW = "workflow", "Workflow milestone"


class Task(TimeStampedModel):
    """Something a team member has to do for an account: owned, subscribed to, due, and closed with an outcome.

    `status` is open, pending (waiting on someone else) or closed; a closed task has `closed_at` and an `outcome`.
    `source` says where it came from (by hand, an alert, a playbook, a workflow milestone); `source_name` names it
    (the rule or playbook) for reports and lists.
    """

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="tasks")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks_owned"
    )
    subscribers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="tasks_subscribed")
    subscriber_group = models.ForeignKey(
        "team.TeamGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="tasks"
    )
    priority = models.CharField(max_length=10, choices=TaskPriority.choices, default=TaskPriority.NORMAL)
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.CharField(max_length=20, choices=TaskOutcome.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=TaskSource.choices, default=TaskSource.MANUAL)
    source_name = models.CharField(max_length=200, blank=True)
    documents = models.ManyToManyField("accounts.Document", blank=True, related_name="tasks")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_date", "-id"]
        indexes = [
            models.Index(fields=["status", "due_date", "id"], name="task_status_due_idx"),
            models.Index(fields=["owner", "status", "due_date"], name="task_owner_status_idx"),
            models.Index(fields=["account", "status"], name="task_account_status_idx"),
            models.Index(fields=["closed_at"], name="task_closed_idx"),
            models.Index(fields=["created_at"], name="task_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="closed", closed_at__isnull=False) | (~Q(status="closed") & Q(closed_at=None)),
                name="task_closed_has_time",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasks:detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.status == TaskStatus.CLOSED

    @property
    def checklist_progress(self) -> tuple[int, int]:
        """(done, total) items of the checklist (reads the prefetched subtasks when there are)."""
        items = list(self.subtasks.all())
        return sum(1 for item in items if item.done), len(items)


class Subtask(models.Model):
    """One item of a task's checklist, in order; playbooks give items a due date and an owner."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="subtasks")
    title = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=0)
    due_date = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["task", "position", "id"]

    def __str__(self) -> str:
        return self.title


class NotificationEvent(models.TextChoices):
    NEW = "new", "New task"
    REASSIGNED = "reassigned", "Task reassigned to you"
    UPDATED = "updated", "Task updated"
    OVERDUE = "overdue", "Task overdue"
    ALERT = "alert", "New alert"


class Notification(models.Model):
    """One in-app notification for a team member (the bell); emails for it go through the outbox.

    `key` is unique per recipient, so the same event noticed twice (a retried job) is one notification.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=20, choices=NotificationEvent.choices)
    key = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once")]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notif_recipient_idx"),
            models.Index(fields=["recipient"], name="notif_unread_idx", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationSettings(models.Model):
    """A team member's choices: which task events email them, and one daily digest instead of single emails."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_new = models.BooleanField("email me about new tasks", default=True)
    email_reassigned = models.BooleanField("email me when a task is reassigned to me", default=True)
    email_updated = models.BooleanField("email me when a task I follow is updated", default=True)
    email_overdue = models.BooleanField("email me about overdue tasks", default=True)
    email_alert = models.BooleanField("email me about new alerts", default=True)
    daily_digest = models.BooleanField(
        "one daily digest instead of single emails",
        default=False,
        help_text="The events switched on above arrive once a day in one email.",
    )

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self) -> str:
        return f"Notification settings of {self.user}"

    def wants_email(self, event: str) -> bool:
        return bool(getattr(self, f"email_{event}", False))
