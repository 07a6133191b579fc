"""Task pages: all tasks, my tasks, a task (edit, checklist, close), bulk actions, the account page's tasks tab
with quick add, notifications (the bell) and the member's notification switches."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.selectors import account_for
from core.forms import apply_errors, safe_next
from core.htmx import is_partial_request, render_page
from core.params import query_date
from tasks import notifications, selectors, services
from tasks.forms import BulkForm, CloseForm, NotificationSettingsForm, QuickAddForm, SubtaskForm, TaskForm, ticked_ids
from tasks.models import Notification, Subtask, TaskPriority, TaskSource, TaskStatus

PER_PAGE = 50


def _require_edit(request: HttpRequest) -> None:
    if not selectors.task_can_edit(request.user):
        raise PermissionDenied("Your role does not allow changing tasks (update accounts).")


def _list(request: HttpRequest, view: str) -> HttpResponse:
    filters = selectors.filters_from(request.GET, view=view)
    qs = selectors.tasks_list(request.user, filters)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "view": view,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "today": timezone.localdate(),
        "owners": selectors.owner_choices(),
        "statuses": selectors.STATUS_FILTERS,
        "dues": selectors.DUE_FILTERS,
        "priorities": TaskPriority.choices,
        "sources": TaskSource.choices,
        "bulk_form": BulkForm(),
        "can_edit": selectors.task_can_edit(request.user),
    }
    return render_page(request, "tasks/task_list.html", context, partial="task-table")


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Every task the member may see."""
    return _list(request, "all")


@login_required
def my_tasks(request: HttpRequest) -> HttpResponse:
    """The tasks the member owns."""
    return _list(request, "my")


@login_required
@require_POST
def bulk(request: HttpRequest) -> HttpResponse:
    """Reassign, close or move the due date of the ticked tasks (only tasks the member may see are touched)."""
    _require_edit(request)
    back = safe_next(request, reverse("tasks:list"))
    form = BulkForm(request.POST)
    try:
        ids = ticked_ids(request.POST.getlist("ids"))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(back)
    if not form.is_valid():
        messages.error(request, "; ".join(f"{name}: {' '.join(e)}" for name, e in form.errors.items()))
        return redirect(back)
    tasks = selectors.tasks_visible_to(request.user).filter(pk__in=ids)
    try:
        count = services.tasks_bulk_apply(
            tasks=tasks,
            by=request.user,
            action=form.cleaned_data["action"],
            owner=form.cleaned_data["owner"],
            outcome=form.cleaned_data["outcome"],
            due_date=form.cleaned_data["due_date"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    messages.success(request, f"{count} task{'s' if count != 1 else ''} changed.")
    return redirect(back)


@login_required
def task_create(request: HttpRequest, account_pk: int) -> HttpResponse:
    """A new task on an account, with every field."""
    _require_edit(request)
    account = account_for(request.user, account_pk, include_deleted=False)
    form = TaskForm(request.POST or None, account=account, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(
                account=account,
                by=request.user,
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
                priority=data["priority"],
                due_date=data["due_date"],
                subscribers=data["subscribers"],
                subscriber_group=data["subscriber_group"],
                documents=data.get("documents") or [],
                subtasks=[services.SubtaskSpec(title) for title in data.get("subtasks", [])],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Task created.")
            return redirect(task)
    return render(request, "tasks/task_form.html", {"form": form, "account": account})


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A task: its fields (editable), its checklist and closing with an outcome."""
    task = selectors.task_for(request.user, pk)
    can_edit = selectors.task_can_edit(request.user)
    initial = {
        "title": task.title,
        "description": task.description,
        "owner": task.owner,
        "priority": task.priority,
        "due_date": task.due_date,
        "status": task.status if not task.is_closed else TaskStatus.OPEN,
        "subscribers": list(task.subscribers.all()),
        "subscriber_group": task.subscriber_group,
        "documents": list(task.documents.all()),
    }
    form = TaskForm(request.POST or None, account=task.account, with_checklist=False, initial=initial)
    if request.method == "POST":
        _require_edit(request)
        if task.is_closed:
            messages.error(request, "Reopen the task before changing it.")
            return redirect(task)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.task_update(
                    task=task,
                    by=request.user,
                    subscribers=data["subscribers"],
                    documents=data.get("documents") if "documents" in form.fields else None,
                    **{name: data[name] for name in services.UPDATABLE},
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Task saved.")
                return redirect(task)
    context = {
        "task": task,
        "form": form,
        "close_form": CloseForm(),
        "subtask_form": SubtaskForm(),
        "can_edit": can_edit,
        "today": timezone.localdate(),
    }
    return render(request, "tasks/task_detail.html", context)


@login_required
@require_POST
def task_close(request: HttpRequest, pk: int) -> HttpResponse:
    _require_edit(request)
    task = selectors.task_for(request.user, pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose an outcome to close the task: successful, unsuccessful or false alarm.")
        return redirect(task)
    services.task_close(task=task, by=request.user, outcome=form.cleaned_data["outcome"])
    messages.success(request, "Task closed.")
    return redirect(safe_next(request, task.get_absolute_url()))


@login_required
@require_POST
def task_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    _require_edit(request)
    task = selectors.task_for(request.user, pk)
    services.task_reopen(task=task, by=request.user)
    messages.success(request, "Task reopened.")
    return redirect(task)


@login_required
@require_POST
def task_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_edit(request)
    task = selectors.task_for(request.user, pk)
    account = task.account
    services.task_delete(task=task, by=request.user)
    messages.success(request, "Task deleted.")
    return redirect(safe_next(request, account.get_absolute_url() + "#tasks"))


def _checklist(request: HttpRequest, task) -> HttpResponse:
    task = selectors.task_for(request.user, task.pk)
    context = {"task": task, "subtask_form": SubtaskForm(), "can_edit": selectors.task_can_edit(request.user)}
    if is_partial_request(request):
        return render(request, "tasks/task_detail.html#checklist", context)
    return redirect(task)


@login_required
@require_POST
def subtask_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_edit(request)
    task = selectors.task_for(request.user, pk)
    form = SubtaskForm(request.POST)
    if form.is_valid():
        services.subtask_add(task=task, title=form.cleaned_data["title"], due_date=form.cleaned_data["due_date"])
    else:
        messages.error(request, "Give the checklist item a title.")
    return _checklist(request, task)


def _subtask(request: HttpRequest, pk: int, subtask_pk: int) -> Subtask:
    _require_edit(request)
    task = selectors.task_for(request.user, pk)
    return get_object_or_404(Subtask, pk=subtask_pk, task=task)


@login_required
@require_POST
def subtask_toggle(request: HttpRequest, pk: int, subtask_pk: int) -> HttpResponse:
    subtask = _subtask(request, pk, subtask_pk)
    services.subtask_set_done(subtask=subtask, done=request.POST.get("done") == "1")
    return _checklist(request, subtask.task)


@login_required
@require_POST
def subtask_move(request: HttpRequest, pk: int, subtask_pk: int) -> HttpResponse:
    subtask = _subtask(request, pk, subtask_pk)
    services.subtask_move(subtask=subtask, up=request.POST.get("direction") != "down")
    return _checklist(request, subtask.task)


@login_required
@require_POST
def subtask_delete(request: HttpRequest, pk: int, subtask_pk: int) -> HttpResponse:
    subtask = _subtask(request, pk, subtask_pk)
    task = subtask.task
    services.subtask_delete(subtask=subtask)
    return _checklist(request, task)


@login_required
def account_tasks(request: HttpRequest, account_pk: int) -> HttpResponse:
    """The account page's tasks tab (loaded on its own) and its quick add."""
    account = account_for(request.user, account_pk, include_deleted=False)
    can_edit = selectors.task_can_edit(request.user)
    form = QuickAddForm(request.POST or None)
    if request.method == "POST":
        _require_edit(request)
        if form.is_valid():
            services.task_create(
                account=account,
                by=request.user,
                title=form.cleaned_data["title"],
                due_date=form.cleaned_data["due_date"],
                owner=form.cleaned_data["owner"] or request.user,
            )
            form = QuickAddForm()
            if not is_partial_request(request):
                messages.success(request, "Task added.")
                return redirect(account.get_absolute_url() + "#tasks")
    show_closed = request.GET.get("closed") == "1"
    filters = selectors.TaskFilters(account=account.pk, status="" if show_closed else "not_closed")
    tasks = list(selectors.tasks_list(request.user, filters)[:50])
    context = {
        "account": account,
        "tasks": tasks,
        "form": form,
        "can_edit": can_edit,
        "show_closed": show_closed,
        "today": timezone.localdate(),
    }
    return render_page(request, "tasks/account_tasks.html", context, partial="account-tasks")


# Notifications ---------------------------------------------------------------------------------------------------


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The member's notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        notifications.notifications_mark_read(user=request.user)
        return redirect("tasks:notifications")
    page = Paginator(notifications.notifications_for(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tasks/notification_list.html", {"page": page})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.notifications_mark_read(user=request.user, ids=[note.pk])
    target = note.url if note.url.startswith("/") and not note.url.startswith("//") else reverse("tasks:notifications")
    return redirect(target)


@login_required
def notification_bell(request: HttpRequest) -> HttpResponse:
    """The bell in the navigation with the unread count (loaded on its own)."""
    return render(request, "tasks/bell.html", {"unread": notifications.unread_count(request.user)})


@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    """The member's switches: which events email them, and the daily digest."""
    current = notifications.settings_for(request.user)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        notifications.notification_settings_save(user=request.user, values=form.cleaned_data)
        messages.success(request, "Your notification settings are saved.")
        return redirect("tasks:notification_settings")
    return render(request, "tasks/notification_settings.html", {"form": form})


@login_required
def task_reports(request: HttpRequest) -> HttpResponse:
    """Completion, on-time rate, time to close and outcomes per CSM and per source over a chosen period."""
    import datetime

    from tasks.reports import task_report

    today = timezone.localdate()
    start = query_date(request.GET, "start", today - datetime.timedelta(days=29))
    end = query_date(request.GET, "end", today)
    error = ""
    if start > end:
        error = "The period starts after it ends: showing the last 30 days."
        start, end = today - datetime.timedelta(days=29), today
    context = {
        "start": start,
        "end": end,
        "error": error,
        "report": task_report(user=request.user, start=start, end=end),
    }
    return render(request, "tasks/task_reports.html", context)
