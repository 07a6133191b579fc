"""Reads of the integrations app: sources, key lookup, the API call log."""

from __future__ import annotations

from django.db.models import QuerySet

from integrations.models import API_CALL_LOG_SIZE, ApiCall, ApiKey, Source, StripeObject
from integrations.services import key_hash


def source_for_key(key: str) -> Source | None:
    """The active source of an active key, or None (unknown, revoked, or the source switched off). One query."""
    if not key or len(key) > 200:
        return None
    row = (
        ApiKey.objects.select_related("source")
        .filter(key_hash=key_hash(key), revoked_at__isnull=True, source__is_active=True)
        .first()
    )
    return row.source if row else None


def source_by_public_id(public_id: str) -> Source | None:
    """The active source with this public id, or None."""
    if not public_id or len(public_id) > 32:
        return None
    return Source.objects.filter(public_id=public_id, is_active=True).first()


def sources_list() -> QuerySet[Source]:
    """Every source, by name."""
    return Source.objects.all()


def source_keys(*, source: Source) -> QuerySet[ApiKey]:
    """A source's keys, newest first (revoked ones too)."""
    return source.keys.select_related("created_by").all()


def source_calls(*, source: Source, limit: int = API_CALL_LOG_SIZE) -> QuerySet[ApiCall]:
    """A source's most recent calls, newest first."""
    return ApiCall.objects.filter(source=source).order_by("-id")[:limit]


def stripe_object_data(*, source: Source, kind: str, object_id: str) -> dict | None:
    """The last copy received of a Stripe coupon or discount, or None if never seen."""
    found = StripeObject.objects.filter(source=source, kind=kind, object_id=object_id).first()
    return found.data if found is not None and isinstance(found.data, dict) else None
