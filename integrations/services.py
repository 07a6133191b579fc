"""Services of the integrations app: sources, their API keys, the API call log and webhook idempotency."""

from __future__ import annotations

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from integrations.models import (
    API_CALL_LOG_SIZE,
    ApiCall,
    ApiKey,
    CallStatus,
    Source,
    SourceKind,
    StripeObject,
    WebhookEvent,
)
from team.models import User

KEY_PREFIX = "nat_"
# Trim a source's call log on every this-many-th call (and in the periodic job), not on every request.
TRIM_EVERY = 100


def key_hash(key: str) -> str:
    """SHA-256 of a key: keys are 256-bit random strings, so a fast hash is enough (no salt or stretching)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@transaction.atomic
def source_create(*, name: str, kind: str, by: User | None, webhook_secret: str = "") -> tuple[Source, str | None]:
    """Create a source and, unless it receives webhooks only, its first key. Returns (source, key shown once)."""
    source = Source(name=(name or "").strip(), kind=kind, webhook_secret=(webhook_secret or "").strip(), created_by=by)
    source.full_clean()
    source.save()
    key = None
    if not source.uses_webhooks:
        _, key = api_key_issue(source=source, by=by)
    return source, key


@transaction.atomic
def source_update(*, source: Source, name: str, is_active: bool, webhook_secret: str | None = None) -> Source:
    """Rename a source, switch it on or off, or replace its webhook signing secret (None keeps it)."""
    source.name = (name or "").strip()
    source.is_active = is_active
    if webhook_secret:
        source.webhook_secret = webhook_secret.strip()
    source.full_clean()
    source.save()
    return source


@transaction.atomic
def source_delete(*, source: Source) -> None:
    """Remove a source, its keys and its call log (the data it sent stays)."""
    source.delete()


@transaction.atomic
def api_key_issue(*, source: Source, by: User | None) -> tuple[ApiKey, str]:
    """Make a new key for `source`; returns the key row and the key itself, which is never stored nor shown again."""
    if source.kind in (SourceKind.STRIPE, SourceKind.ZENDESK):
        raise ValidationError("Webhook sources are authenticated by their signing secret, not by keys.")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey.objects.create(source=source, prefix=key[:12], key_hash=key_hash(key), created_by=by)
    return row, key


@transaction.atomic
def api_key_rotate(*, source: Source, by: User | None) -> tuple[ApiKey, str]:
    """Issue a new key and revoke every other key of the source at once."""
    row, key = api_key_issue(source=source, by=by)
    ApiKey.objects.filter(source=source, revoked_at__isnull=True).exclude(pk=row.pk).update(revoked_at=timezone.now())
    return row, key


@transaction.atomic
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Revoke a key: it stops working immediately."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    return key


def api_call_record(
    *,
    source: Source,
    method: str,
    endpoint: str,
    status_code: int,
    records: int = 0,
    failed: int = 0,
    error: str = "",
) -> ApiCall:
    """Log one call of a source for its API status page (success, partial or failure from the outcome)."""
    if status_code >= 400 or (records and failed >= records):
        status = CallStatus.FAILURE
    elif failed:
        status = CallStatus.PARTIAL
    else:
        status = CallStatus.SUCCESS
    call = ApiCall.objects.create(
        source=source,
        at=timezone.now(),
        method=method[:10],
        # What a caller sent can hold NUL characters, which the database cannot store.
        endpoint=endpoint.replace("\x00", "")[:200],
        status_code=status_code,
        status=status,
        records=records,
        failed=failed,
        error=(error or "").replace("\x00", "")[:500],
    )
    if call.pk % TRIM_EVERY == 0:
        api_calls_trim(source_id=source.pk)
    return call


def api_calls_trim(*, source_id: int | None = None, keep: int = API_CALL_LOG_SIZE) -> int:
    """Keep only the newest `keep` calls of each source (or of one), one DELETE per source. Returns rows deleted."""
    ids = [source_id] if source_id else list(Source.objects.values_list("pk", flat=True))
    deleted = 0
    for pk in ids:
        cutoff = ApiCall.objects.filter(source_id=pk).order_by("-id").values_list("id", flat=True)[keep : keep + 1]
        cutoff = list(cutoff)
        if cutoff:
            deleted += ApiCall.objects.filter(source_id=pk, id__lte=cutoff[0]).delete()[0]
    return deleted


def webhook_event_claim(*, source: Source, event_id: str, event_type: str) -> WebhookEvent | None:
    """Record that a webhook event is being processed; None when it was already processed (a replay).

    The unique (source, event id) constraint decides, so concurrent deliveries of one event claim it once. Call it
    inside the transaction that applies the event, so a failure releases the claim.
    """
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                source=source, event_id=event_id[:200], event_type=event_type[:100], received_at=timezone.now()
            )
    except IntegrityError:
        return None


def webhook_event_outcome(*, event: WebhookEvent, outcome: str) -> None:
    """Note what a processed webhook event did."""
    event.outcome = outcome[:300]
    event.save(update_fields=["outcome"])


@transaction.atomic
def stripe_object_save(*, source: Source, kind: str, object_id: str, data: dict) -> StripeObject:
    """Keep the latest copy of a Stripe coupon or discount (by id, per source) for pricing later subscriptions."""
    obj, _ = StripeObject.objects.update_or_create(
        source=source, kind=kind, object_id=object_id[:255], defaults={"data": data}
    )
    return obj


def database_is_postgres() -> bool:
    return connection.vendor == "postgresql"
