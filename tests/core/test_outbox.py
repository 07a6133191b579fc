"""The outbox: rows first, each delivered exactly once whatever runs at the same time, failures retried."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from core.models import OutboxMessage, OutboxStatus
from core.outbox import OutboxItem, outbox_add, outbox_email, outbox_send_pending, register_handler

DELIVERED: list[str] = []
DELIVERED_LOCK = threading.Lock()


def _slow_delivery(message: OutboxMessage) -> None:
    """A delivery that takes a while, so two senders overlap; records what it delivered."""
    time.sleep(0.01)
    with DELIVERED_LOCK:
        DELIVERED.append(message.key)


def _failing_delivery(message: OutboxMessage) -> None:
    raise OSError("mail server unreachable")


register_handler("test-slow", _slow_delivery)
register_handler("test-failing", _failing_delivery)


def _email(key: str, to: str = "csm@example.com") -> OutboxItem:
    return OutboxItem("email", key, {"to": [to], "subject": f"Subject {key}", "body": "Body", "html": "<p>Body</p>"})


def test_it_sends_a_written_email_once(db, mailoutbox):
    assert outbox_add(**_email("hello:1").__dict__)
    assert not outbox_add(**_email("hello:1").__dict__)  # the same notification written twice is one row
    assert outbox_send_pending() == 1
    assert outbox_send_pending() == 0
    assert [m.subject for m in mailoutbox] == ["Subject hello:1"]
    assert mailoutbox[0].extra_headers["X-Natero-Message-Key"] == "hello:1"
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.SENT and row.attempts == 1 and row.sent_at is not None


def test_it_renders_email_templates_into_the_row(db, mailoutbox, make_member):
    member = make_member(full_name="Ada Lovelace")
    outbox_email(
        key="n:1",
        name="notification",
        context={"recipient": member, "title": "A & B", "body": "", "link": "http://x/1", "event": "New task"},
        to=[member.email],
    )
    outbox_send_pending()
    assert mailoutbox[0].subject == "A & B"  # plain text is not HTML-escaped
    assert "Hello Ada Lovelace" in mailoutbox[0].body


def test_nothing_is_written_or_sent_when_the_transaction_rolls_back(db, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox_add(**_email("rolled-back").__dict__)
        raise RuntimeError("the change that caused it failed")
    assert outbox_send_pending() == 0
    assert not OutboxMessage.objects.exists() and mailoutbox == []


def test_a_failed_delivery_is_retried_later_then_kept_as_failed(db, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    outbox_add(kind="test-failing", key="fails", payload={})
    assert outbox_send_pending() == 0
    row = OutboxMessage.objects.get()
    assert row.status == OutboxStatus.PENDING and row.attempts == 1
    assert "mail server unreachable" in row.last_error
    assert row.available_at > timezone.now()  # waits before the retry
    assert outbox_send_pending() == 0  # not due yet: nothing tried
    assert OutboxMessage.objects.get().attempts == 1
    later = row.available_at + datetime.timedelta(seconds=1)
    assert outbox_send_pending(now=later) == 0
    row.refresh_from_db()
    assert row.status == OutboxStatus.FAILED and row.attempts == 2


def test_the_sweep_sends_rows_whose_job_never_ran(db, mailoutbox):
    """Rows written while the broker was down wait as pending; the periodic job sends them."""
    from core.jobs import outbox_send

    OutboxMessage.objects.create(
        kind="email",
        key="stranded",
        payload=_email("stranded").payload,
        available_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert outbox_send.apply().get() == 1
    assert [m.subject for m in mailoutbox] == ["Subject stranded"]


def test_an_unknown_kind_is_refused_when_written(db):
    with pytest.raises(ValueError, match="No outbox handler"):
        outbox_add(kind="carrier-pigeon", key="x", payload={})


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_deliver_every_row_exactly_once(mailoutbox):
    DELIVERED.clear()
    now = timezone.now()
    # Written without starting a send job (as when the broker was down), so that only the two senders send.
    OutboxMessage.objects.bulk_create(
        [OutboxMessage(kind="test-slow", key=f"slow:{i}", payload={}, available_at=now) for i in range(60)]
        + [OutboxMessage(kind="email", key=f"mail:{i}", payload=_email(f"mail:{i}").payload, available_at=now)
           for i in range(60)]
    )  # fmt: skip
    start = threading.Barrier(2)
    counts: list[int] = []
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            counts.append(outbox_send_pending())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert sum(counts) == 120
    assert all(count > 0 for count in counts), counts  # both senders really worked at the same time
    assert sorted(DELIVERED) == sorted(f"slow:{i}" for i in range(60))  # no key twice
    assert sorted(m.subject for m in mailoutbox) == sorted(f"Subject mail:{i}" for i in range(60))
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 120
