"""Task pages: lists with filters, bulk actions, the task page and checklist, quick add, the bell, and who may see
and do what (partial URLs included)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import services
from tasks.models import Notification, Task, TaskStatus


@pytest.fixture
def mine(account, csm):
    return services.task_create(account=account, title="Call Acme", by=None, owner=csm)


@pytest.fixture
def theirs(other_account, other_csm):
    return services.task_create(account=other_account, title="Call Globex", by=None, owner=other_csm)


def test_a_csm_without_view_all_sees_only_their_accounts_tasks(client_for, csm, mine, theirs):
    client = client_for(csm)
    page = client.get(reverse("tasks:list")).content.decode()
    assert "Call Acme" in page and "Call Globex" not in page
    assert client.get(reverse("tasks:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("tasks:account", args=[theirs.account_id]), HTTP_HX_REQUEST="true").status_code == 404
    for name, extra in [
        ("close", {"outcome": "successful"}),
        ("reopen", {}),
        ("delete", {}),
        ("subtask_add", {"title": "x"}),
    ]:
        assert client.post(reverse(f"tasks:{name}", args=[theirs.pk]), extra).status_code == 404
    response = client.post(reverse("tasks:bulk"), {"action": "close", "outcome": "successful", "ids": [theirs.pk]})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == TaskStatus.OPEN  # a task they cannot see is not touched


def test_a_manager_sees_every_task_and_filters_them(client_for, manager, mine, theirs, other_csm):
    client = client_for(manager)
    page = client.get(reverse("tasks:list")).content.decode()
    assert "Call Acme" in page and "Call Globex" in page
    page = client.get(reverse("tasks:list"), {"owner": other_csm.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in page and "Call Globex" in page and "Call Acme" not in page


def test_due_priority_and_source_filters(client_for, manager, account):
    today = timezone.localdate()
    services.task_create(account=account, title="Late one", by=None, due_date=today - datetime.timedelta(days=3))
    services.task_create(account=account, title="Soon one", by=None, due_date=today, priority="urgent")
    services.task_create(account=account, title="Far one", by=None, due_date=today + datetime.timedelta(days=30))
    services.task_create(account=account, title="Playbook one", by=None, source="playbook")
    client = client_for(manager)

    def titles(**params):
        page = client.get(reverse("tasks:list"), params).content.decode()
        return {t for t in ("Late one", "Soon one", "Far one", "Playbook one") if t in page}

    assert titles(due="overdue") == {"Late one"}
    assert titles(due="this_week") >= {"Soon one"} and "Far one" not in titles(due="this_week")
    assert titles(priority="urgent") == {"Soon one"}
    assert titles(source="playbook") == {"Playbook one"}
    assert titles(due="bogus") == {"Late one", "Soon one", "Far one", "Playbook one"}  # ignored, no 500


def test_my_tasks_lists_only_what_i_own(client_for, manager, csm, account):
    services.task_create(account=account, title="Manager's", by=None, owner=manager)
    services.task_create(account=account, title="CSM's", by=None, owner=csm)
    page = client_for(csm).get(reverse("tasks:mine")).content.decode()
    assert "CSM&#x27;s" in page and "Manager&#x27;s" not in page


def test_bulk_reassign_close_and_move_due_date(client_for, manager, csm, other_csm, account):
    tasks = [services.task_create(account=account, title=f"T{i}", by=None, owner=csm) for i in range(3)]
    client = client_for(manager)
    ids = [t.pk for t in tasks[:2]]
    client.post(reverse("tasks:bulk"), {"action": "reassign", "owner": other_csm.pk, "ids": ids})
    assert set(Task.objects.filter(owner=other_csm).values_list("pk", flat=True)) == set(ids)
    client.post(reverse("tasks:bulk"), {"action": "due_date", "due_date": "2030-05-01", "ids": ids})
    assert {t.due_date for t in Task.objects.filter(pk__in=ids)} == {datetime.date(2030, 5, 1)}
    response = client.post(reverse("tasks:bulk"), {"action": "close", "ids": ids}, follow=True)
    assert "outcome" in response.content.decode().lower()  # an outcome is needed: nothing closed
    assert not Task.objects.filter(status=TaskStatus.CLOSED).exists()
    client.post(reverse("tasks:bulk"), {"action": "close", "outcome": "unsuccessful", "ids": ids})
    assert set(
        Task.objects.filter(status=TaskStatus.CLOSED, outcome="unsuccessful").values_list("pk", flat=True)
    ) == set(ids)
    response = client.post(reverse("tasks:bulk"), {"action": "close", "outcome": "x", "ids": ["1; DROP"]}, follow=True)
    assert response.status_code == 200 and "Tick at least one task" in response.content.decode()


def test_a_guest_reads_tasks_but_cannot_change_them(client_for, members, mine):
    client = client_for(members["Guest"])
    assert client.get(reverse("tasks:detail", args=[mine.pk])).status_code == 200
    assert client.post(reverse("tasks:close", args=[mine.pk]), {"outcome": "successful"}).status_code == 403
    assert client.post(reverse("tasks:account", args=[mine.account_id]), {"title": "x"}).status_code == 403
    assert client.post(reverse("tasks:bulk"), {"action": "close", "ids": [mine.pk]}).status_code == 403


def test_quick_add_from_the_account_page(client_for, csm, account):
    client = client_for(csm)
    panel = client.get(account.get_absolute_url()).content.decode()
    assert reverse("tasks:account", args=[account.pk]) in panel  # the tab loads on its own
    response = client.post(
        reverse("tasks:account", args=[account.pk]),
        {"title": "Send the deck", "due_date": "2030-01-02"},
        HTTP_HX_REQUEST="true",
    )
    assert "Send the deck" in response.content.decode() and "<html" not in response.content.decode()
    task = Task.objects.get()
    assert task.owner == csm and task.due_date == datetime.date(2030, 1, 2) and task.source == "manual"
    response = client.post(reverse("tasks:account", args=[account.pk]), {"title": "  "}, HTTP_HX_REQUEST="true")
    assert "Give the task a title" in response.content.decode() or "required" in response.content.decode()
    assert Task.objects.count() == 1


def test_create_page_with_checklist_and_bad_input(client_for, csm, account):
    client = client_for(csm)
    url = reverse("tasks:create", args=[account.pk])
    response = client.post(url, {"title": "Onboard", "priority": "nope", "status": "open"})
    assert response.status_code == 200 and "priority" in response.content.decode().lower()
    assert not Task.objects.exists()
    client.post(url, {"title": "Onboard", "priority": "high", "status": "open", "subtasks": "Kickoff\n\nTraining\n"})
    task = Task.objects.get()
    assert list(task.subtasks.values_list("title", flat=True)) == ["Kickoff", "Training"]


def test_ticking_moving_and_closing(client_for, csm, mine):
    client = client_for(csm)
    client.post(reverse("tasks:subtask_add", args=[mine.pk]), {"title": "First"})
    client.post(reverse("tasks:subtask_add", args=[mine.pk]), {"title": "Second"})
    second = mine.subtasks.get(title="Second")
    client.post(reverse("tasks:subtask_move", args=[mine.pk, second.pk]), {"direction": "up"})
    assert list(mine.subtasks.order_by("position").values_list("title", flat=True)) == ["Second", "First"]
    response = client.post(
        reverse("tasks:subtask_toggle", args=[mine.pk, second.pk]), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "1 of 2 done" in response.content.decode()
    assert client.post(reverse("tasks:close", args=[mine.pk]), {}).status_code == 302
    mine.refresh_from_db()
    assert mine.status == TaskStatus.OPEN  # no outcome: not closed
    client.post(reverse("tasks:close", args=[mine.pk]), {"outcome": "successful"})
    mine.refresh_from_db()
    assert mine.status == TaskStatus.CLOSED and mine.outcome == "successful" and mine.closed_at


def test_the_bell_counts_unread_and_opening_marks_read(client_for, csm, manager, account):
    services.task_create(account=account, title="From the boss", by=manager, owner=csm)
    client = client_for(csm)
    assert 'data-testid="unread-count">1<' in client.get(reverse("tasks:bell")).content.decode()
    note = Notification.objects.get(recipient=csm)
    response = client.get(reverse("tasks:notification_open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == note.url
    assert "unread-count" not in client.get(reverse("tasks:bell")).content.decode()
    assert client_for(manager).get(reverse("tasks:notification_open", args=[note.pk])).status_code == 404


def test_notification_switches_are_saved_in_the_profile(client_for, csm):
    client = client_for(csm)
    page = client.get(reverse("tasks:notification_settings")).content.decode()
    assert "Email me about overdue tasks" in page
    client.post(reverse("tasks:notification_settings"), {"email_new": "on", "daily_digest": "on"})
    prefs = csm.notification_settings
    assert prefs.email_new and prefs.daily_digest and not prefs.email_overdue
