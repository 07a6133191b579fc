"""Playbooks: written as lines with clear errors, launched by hand on an account as a task with subtasks."""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from playbooks.models import Playbook
from tasks.models import Task, TaskSource


def test_create_a_playbook_and_launch_it_on_an_account(client_for, manager, csm, account, roles):
    client = client_for(manager)
    items = "Kick-off call | 0 | CSM\nTraining | 7\n\nFirst business review | 30"
    response = client.post(reverse("playbooks:create"), {"name": "Onboarding", "items": items})
    assert response.status_code == 302
    playbook = Playbook.objects.get(name="Onboarding")
    assert [(i.title, i.due_offset_days) for i in playbook.items.order_by("position")] == [
        ("Kick-off call", 0), ("Training", 7), ("First business review", 30)
    ]  # fmt: skip
    assert "Launch a playbook" in client.get(account.get_absolute_url()).content.decode()
    client.post(reverse("playbooks:launch", args=[account.pk]), {"playbook": playbook.pk})
    task = Task.objects.get()
    today = timezone.localdate()
    assert task.source == TaskSource.PLAYBOOK and task.owner == csm and task.title == "Onboarding"
    assert task.due_date == today + datetime.timedelta(days=30)
    subtasks = list(task.subtasks.order_by("position"))
    assert [s.title for s in subtasks] == ["Kick-off call", "Training", "First business review"]
    assert subtasks[0].owner == csm and subtasks[1].due_date == today + datetime.timedelta(days=7)


def test_bad_items_are_refused_naming_the_line(client_for, manager):
    client = client_for(manager)
    for items, message in [("Call | soon", "Line 1"), ("Ok\nCall | 3 | Wizard", "Line 2: there is no role")]:
        response = client.post(reverse("playbooks:create"), {"name": "Bad", "items": items})
        assert response.status_code == 200 and message in response.content.decode()
    assert not Playbook.objects.filter(name="Bad").exists()


def test_a_csm_launches_only_on_their_accounts_and_cannot_edit_playbooks(client_for, csm, other_account, manager):
    client_for(manager).post(reverse("playbooks:create"), {"name": "P", "items": "One"})
    client = client_for(csm)
    playbook = Playbook.objects.get(name="P")
    assert (
        client.post(reverse("playbooks:launch", args=[other_account.pk]), {"playbook": playbook.pk}).status_code == 404
    )
    assert client.get(reverse("playbooks:create")).status_code == 403
    assert not Task.objects.exists()
