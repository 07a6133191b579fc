"""Reads of tasks for pages and reports. A member sees the tasks of the accounts they may see
(`accounts_visible_to`): without "view all accounts", only the tasks of accounts they are CSM of."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import AccountCSM
from tasks.models import Subtask, Task, TaskPriority, TaskSource, TaskStatus
from team.models import TeamPermission, User


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks on the live accounts `user` may see."""
    if not user.is_authenticated or not user.is_active:
        return Task.objects.none()
    qs = Task.objects.filter(account__is_deleted=False)
    if not user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS):
        qs = qs.filter(Exists(AccountCSM.objects.filter(account=OuterRef("account_id"), user=user)))
    return qs


def task_for(user: User, pk: int) -> Task:
    """One task `user` may see, with its account, owner and checklist; 404 otherwise."""
    task = (
        tasks_visible_to(user)
        .select_related("account", "owner", "subscriber_group", "created_by")
        .prefetch_related(
            Prefetch("subtasks", queryset=Subtask.objects.select_related("owner").order_by("position", "id")),
            "subscribers",
            "documents",
        )
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404("No such task.")
    return task


def task_can_edit(user: User) -> bool:
    """Changing tasks needs "update accounts" (a Guest reads only)."""
    return user.has_team_perm(TeamPermission.UPDATE_ACCOUNTS)


def owner_choices() -> QuerySet[User]:
    """Members a task can be given to: every active team member."""
    return User.objects.filter(is_active=True).order_by("full_name", "email")


@dataclass(frozen=True)
class TaskFilters:
    view: str = "all"  # "all" or "my"
    owner: int | None = None
    status: str = "not_closed"  # a TaskStatus, "not_closed" or "" for any
    due: str = ""  # "overdue", "this_week" or ""
    priority: str = ""
    source: str = ""
    account: int | None = None


STATUS_FILTERS = {"not_closed": "Open or pending", **dict(TaskStatus.choices), "": "Any status"}
DUE_FILTERS = {"": "Any due date", "overdue": "Overdue", "this_week": "Due this week"}


def filters_from(params, *, view: str = "all") -> TaskFilters:
    """Filters from a query string; unknown values are ignored rather than failing the page."""

    def as_int(name: str) -> int | None:
        value = params.get(name, "")
        return int(value) if value.isdigit() else None

    status = params.get("status", "not_closed")
    return TaskFilters(
        view=view,
        owner=as_int("owner"),
        status=status if status in STATUS_FILTERS else "not_closed",
        due=params.get("due", "") if params.get("due", "") in DUE_FILTERS else "",
        priority=params.get("priority", "") if params.get("priority", "") in TaskPriority.values else "",
        source=params.get("source", "") if params.get("source", "") in TaskSource.values else "",
        account=as_int("account"),
    )


def tasks_list(user: User, filters: TaskFilters, *, today: datetime.date | None = None) -> QuerySet[Task]:
    """The tasks a member sees, filtered, soonest due first (no due date last), for a list page."""
    today = today or timezone.localdate()
    qs = tasks_visible_to(user).select_related("account", "owner")
    if filters.view == "my":
        qs = qs.filter(owner=user)
    elif filters.owner:
        qs = qs.filter(owner_id=filters.owner)
    if filters.status == "not_closed":
        qs = qs.exclude(status=TaskStatus.CLOSED)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.due == "overdue":
        qs = qs.filter(due_date__lt=today).exclude(status=TaskStatus.CLOSED)
    elif filters.due == "this_week":
        monday = today - datetime.timedelta(days=today.weekday())
        qs = qs.filter(due_date__gte=monday, due_date__lte=monday + datetime.timedelta(days=6))
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.account:
        qs = qs.filter(account_id=filters.account)
    return qs.order_by(F("due_date").asc(nulls_last=True), "-id")
