"""Task notifications: the bell and emails for new, reassigned, updated and overdue tasks, each once, each
switchable per person, and the daily digest instead of single emails."""

from __future__ import annotations

import datetime

from tasks import services
from tasks.jobs import notify_overdue, send_digests
from tasks.models import Notification, NotificationEvent
from tasks.notifications import notification_settings_save, unread_count


def test_a_new_task_notifies_its_owner_and_subscribers_but_not_its_author(
    account, csm, other_csm, manager, send_outbox
):
    task = services.task_create(account=account, title="Call the CFO", by=manager, owner=csm, subscribers=[other_csm])
    sent = send_outbox()
    assert sorted(m.to[0] for m in sent) == sorted([csm.email, other_csm.email])
    assert sent[0].subject == "New task: Call the CFO (Acme Corp)"
    assert task.get_absolute_url() in sent[0].body
    assert unread_count(csm) == 1 and unread_count(other_csm) == 1 and unread_count(manager) == 0
    assert send_outbox() == sent  # sending again sends nothing more
    assert len(sent) == 2


def test_reassigning_tells_the_new_owner_and_the_old_one(account, csm, other_csm, manager, send_outbox):
    task = services.task_create(account=account, title="QBR deck", by=manager, owner=csm)
    send_outbox().clear()
    services.task_update(task=task, by=manager, owner=other_csm)
    sent = send_outbox()
    subjects = {m.to[0]: m.subject for m in sent}
    assert subjects[other_csm.email] == "Task reassigned to you: QBR deck (Acme Corp)"
    assert subjects[csm.email].startswith("Task updated (owner)")


def test_an_update_by_the_owner_tells_the_subscribers_only(account, csm, other_csm, send_outbox):
    task = services.task_create(account=account, title="Renewal", by=csm, owner=csm, subscribers=[other_csm])
    send_outbox().clear()
    services.task_update(task=task, by=csm, due_date=datetime.date(2030, 1, 31))
    assert [(m.to[0], m.subject) for m in send_outbox()] == [
        (other_csm.email, "Task updated (due date): Renewal (Acme Corp)")
    ]


def test_a_member_who_switched_an_email_off_still_sees_it_under_the_bell(account, csm, manager, send_outbox):
    notification_settings_save(user=csm, values={"email_new": False})
    services.task_create(account=account, title="Call", by=manager, owner=csm)
    assert send_outbox() == []
    assert Notification.objects.get(recipient=csm).event == NotificationEvent.NEW


def test_overdue_tasks_are_told_once_per_due_date(account, csm, manager, send_outbox):
    task = services.task_create(
        account=account, title="Send contract", by=csm, owner=csm, due_date=datetime.date(2026, 3, 1)
    )
    assert send_outbox() == []  # the author is not told about their own task
    notify_overdue.apply(kwargs={"as_of": "2026-03-01"})  # due today: not overdue yet
    assert send_outbox() == []
    for day in ("2026-03-02", "2026-03-03"):  # the daily job runs again, and is retried
        notify_overdue.apply(kwargs={"as_of": day})
        notify_overdue.apply(kwargs={"as_of": day})
    sent = send_outbox()
    assert [m.subject for m in sent] == ["Overdue since 01 Mar 2026: Send contract (Acme Corp)"]
    services.task_update(task=task, by=manager, due_date=datetime.date(2026, 3, 5))
    sent.clear()
    notify_overdue.apply(kwargs={"as_of": "2026-03-06"})
    assert [m.subject for m in send_outbox() if "Overdue" in m.subject] == [
        "Overdue since 05 Mar 2026: Send contract (Acme Corp)"
    ]


def test_overdue_emails_can_be_switched_off(account, csm, send_outbox):
    notification_settings_save(user=csm, values={"email_overdue": False})
    services.task_create(account=account, title="Late", by=None, owner=csm, due_date=datetime.date(2026, 3, 1))
    send_outbox().clear()
    notify_overdue.apply(kwargs={"as_of": "2026-03-09"})
    assert send_outbox() == []
    assert Notification.objects.filter(recipient=csm, event=NotificationEvent.OVERDUE).count() == 1


def test_a_digest_reader_gets_one_email_a_day_instead_of_single_ones(account, csm, manager, send_outbox):
    notification_settings_save(user=csm, values={"daily_digest": True, "email_updated": False})
    task = services.task_create(account=account, title="First", by=manager, owner=csm)
    services.task_create(account=account, title="Second", by=manager, owner=csm)
    services.task_update(task=task, by=manager, priority="high")  # switched off: not in the digest either
    assert send_outbox() == []
    day = Notification.objects.filter(recipient=csm).first().created_at.date()
    send_digests.apply(kwargs={"as_of": day.isoformat()})
    send_digests.apply(kwargs={"as_of": day.isoformat()})  # a retried job
    sent = send_outbox()
    assert len(sent) == 1 and sent[0].to == [csm.email]
    assert "2 updates" in sent[0].subject
    assert "New task: First (Acme Corp)" in sent[0].body and "Second" in sent[0].body
    assert "Task updated" not in sent[0].body
