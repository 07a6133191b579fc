"""The outbox: anything that must leave the system exactly once is a row first, then sent by a job.

    outbox_add(kind="email", key="task-new:12:3", payload={...})   # inside the transaction that caused it
    outbox_send_pending()                                         # a job: claims, sends, marks sent

Rows are claimed one at a time with `SELECT ... FOR UPDATE SKIP LOCKED` and marked sent in the transaction that
holds the lock, so two senders (two workers, a retried job, the sweeper) never deliver the same row twice: the
second one skips the locked row, or finds it already sent. A delivery that raises is retried with backoff, up to
settings.OUTBOX_MAX_ATTEMPTS; the periodic sweep picks up rows whose job never ran (a broker outage, a crash).

Handlers are registered per kind (`register_handler`); core registers "email". Apps above core (tasks, campaigns)
write rows of these kinds and never send directly.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxMessage], None]
_handlers: dict[str, Handler] = {}


def register_handler(kind: str, handler: Handler) -> None:
    """Deliver rows of `kind` with `handler(message)`; it raises to ask for a retry."""
    _handlers[kind] = handler


@dataclass(frozen=True)
class OutboxItem:
    kind: str
    key: str
    payload: dict


def outbox_add(*, kind: str, key: str, payload: dict, available_at: datetime.datetime | None = None) -> bool:
    """Write one row to send (nothing if a row with `key` exists); a send job starts when the transaction commits.

    Answers whether a new row was written.
    """
    return outbox_add_many([OutboxItem(kind, key, payload)], available_at=available_at) > 0


def outbox_add_many(items: Iterable[OutboxItem], *, available_at: datetime.datetime | None = None) -> int:
    """Write rows to send in one statement, skipping keys already written; answers how many are new."""
    when = available_at or timezone.now()
    rows = [OutboxMessage(kind=i.kind, key=i.key[:200], payload=i.payload, available_at=when) for i in items]
    if not rows:
        return 0
    for row in rows:
        if row.kind not in _handlers:
            raise ValueError(f"No outbox handler for “{row.kind}”.")
    keys = [row.key for row in rows]
    before = set(OutboxMessage.objects.filter(key__in=keys).values_list("key", flat=True))
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    new = len(set(keys) - before)
    if new:
        transaction.on_commit(_enqueue_send)
    return new


def _enqueue_send() -> None:
    from core.jobs import outbox_send

    try:
        outbox_send.delay()
    except Exception:  # the broker is down: the periodic sweep sends these rows later
        logger.warning("Could not start the outbox job; the sweep will send the rows.", exc_info=True)


def _retry_delay(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(seconds=min(3600, 30 * 2 ** (attempts - 1)))


def outbox_send_one(message_id: int) -> bool:
    """Claim row `message_id` if nobody holds it and it is still pending, deliver it, mark it; answers if sent."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=OutboxStatus.PENDING)
            .first()
        )
        if message is None:
            return False
        handler = _handlers.get(message.kind)
        now = timezone.now()
        message.attempts += 1
        try:
            if handler is None:
                raise LookupError(f"No outbox handler for “{message.kind}”.")
            handler(message)
        except Exception as exc:
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = OutboxStatus.FAILED
                logger.error("Outbox %s failed for good: %s", message.key, message.last_error)
            else:
                message.available_at = now + _retry_delay(message.attempts)
            message.save(update_fields=["attempts", "last_error", "status", "available_at"])
            return False
        message.status = OutboxStatus.SENT
        message.sent_at = now
        message.last_error = ""
        message.save(update_fields=["attempts", "last_error", "status", "sent_at"])
        return True


def outbox_send_pending(*, limit: int = 500, now: datetime.datetime | None = None) -> int:
    """Send pending rows that are due (oldest first, at most `limit`); answers how many this call sent.

    Safe to run in any number of workers at once: each row is delivered by whoever locks it first.
    """
    now = now or timezone.now()
    sent = 0
    while sent < limit:
        with transaction.atomic():
            ids = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxStatus.PENDING, available_at__lte=now)
                .order_by("available_at", "id")
                .values_list("pk", flat=True)[: min(100, limit - sent)]
            )
        if not ids:
            break
        progressed = False
        for message_id in ids:
            if outbox_send_one(message_id):
                sent += 1
                progressed = True
        if not progressed:
            break
    return sent


def _send_email(message: OutboxMessage) -> None:
    from django.core.mail import EmailMultiAlternatives

    payload = message.payload
    email = EmailMultiAlternatives(
        subject=payload["subject"],
        body=payload["body"],
        to=payload["to"],
        headers={"X-Natero-Message-Key": message.key},
    )
    if payload.get("html"):
        email.attach_alternative(payload["html"], "text/html")
    email.send()


def outbox_email(*, key: str, name: str, context: dict, to: list[str]) -> bool:
    """Render the `name` email template triplet now and write it to the outbox for `to` under `key`."""
    from core.emails import render_email

    return outbox_add(kind="email", key=key, payload={"to": to, **render_email(name, context)})


register_handler("email", _send_email)
