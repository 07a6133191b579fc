"""Reading and validating ingestion bodies: size limits, gzip with a cap, JSON, and one event at a time.

Every check that can fail for one event fails that event only; the good events of a batch are kept.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import zlib
from collections.abc import Mapping
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.http import HttpRequest
from django.utils import timezone

from accounts.ids import normalize_external_id
from usage.models import EVENT_ID_MAX_LENGTH, NAME_MAX_LENGTH, EventAction
from usage.services import EventRow

# Epoch values below this are taken as seconds and converted to milliseconds (1e11 ms is March 1973; 1e11 s is
# the year 5138), so a client that sends seconds is understood instead of landing in 1970.
SECONDS_THRESHOLD = 100_000_000_000
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
FUTURE_SLACK = datetime.timedelta(days=1)
NATERO_ACTIONS = {a.value for a in EventAction}


class BodyError(Exception):
    """The request body cannot be used at all: answered with `status` and `message`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class RecordError(Exception):
    """One record is invalid; the others are still processed."""


def read_json(request: HttpRequest) -> Any:
    """The parsed JSON body, checking the size before and after gzip decompression (413) and the JSON (400)."""
    max_body = settings.INGEST_MAX_BODY_BYTES
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_body:
        raise BodyError(413, f"The body is larger than {max_body} bytes; send smaller batches.")
    try:
        body = request.body
    except RequestDataTooBig:
        raise BodyError(413, f"The body is larger than {max_body} bytes; send smaller batches.") from None
    if len(body) > max_body:
        raise BodyError(413, f"The body is larger than {max_body} bytes; send smaller batches.")
    encoding = (request.META.get("HTTP_CONTENT_ENCODING") or "").strip().lower()
    if encoding in ("gzip", "x-gzip") or body[:2] == b"\x1f\x8b":
        body = gunzip_capped(body, settings.INGEST_MAX_DECOMPRESSED_BYTES)
    elif encoding not in ("", "identity"):
        raise BodyError(415, f"Content-Encoding “{encoding[:20]}” is not supported; use gzip or none.")
    if not body.strip():
        raise BodyError(400, "The body is empty; send JSON.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        reason = "not UTF-8" if "utf-8" in str(exc).lower() else "not valid JSON"
        raise BodyError(400, f"The body is {reason}: {str(exc)[:200]}") from None


def gunzip_capped(data: bytes, cap: int) -> bytes:
    """Decompress gzip data, stopping as soon as the output passes `cap` bytes (so a gzip bomb costs little)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error:
        raise BodyError(400, "The body is not valid gzip.") from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise BodyError(413, f"The decompressed body is larger than {cap} bytes; send smaller batches.")
    if not inflater.eof:
        raise BodyError(400, "The gzip body is truncated.")
    return out


def check_batch_size(count: int) -> None:
    limit = settings.INGEST_MAX_BATCH
    if count > limit:
        raise BodyError(413, f"{count} records in one request; at most {limit} are accepted.")


# Field checks -------------------------------------------------------------------------------------------------


def external_id(value: Any, label: str) -> str:
    try:
        return normalize_external_id(value, label=label)
    except ValidationError as exc:
        raise RecordError(" ".join(exc.messages)) from None


def text(value: Any, label: str, *, required: bool = False, max_length: int = NAME_MAX_LENGTH) -> str:
    if value is None or value == "":
        if required:
            raise RecordError(f"{label} is required.")
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RecordError(f"{label} must be text.")
    result = str(value).strip().replace("\x00", "")
    if len(result) > max_length:
        raise RecordError(f"{label} is longer than {max_length} characters.")
    if required and not result:
        raise RecordError(f"{label} is required.")
    return result


def number(value: Any, label: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RecordError(f"{label} must be a number.")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise RecordError(f"{label} must be a number.") from None
    if not math.isfinite(result) or abs(result) > 1e15:
        raise RecordError(f"{label} is out of range.")
    return result


def duration_ms(value: Any, label: str) -> int | None:
    result = number(value, label)
    if result is None:
        return None
    if result < 0:
        raise RecordError(f"{label} cannot be negative.")
    return round(result)


def epoch_ms(value: Any, label: str, *, now: datetime.datetime) -> datetime.datetime:
    """A time from epoch milliseconds (seconds are detected and converted), within 2000 .. now + 1 day."""
    if value is None or value == "":
        raise RecordError(f"{label} is required (epoch milliseconds).")
    if isinstance(value, bool):
        raise RecordError(f"{label} must be epoch milliseconds.")
    try:
        number_value = float(value)
    except (TypeError, ValueError):
        if isinstance(value, str):
            return iso_time(value, label, now=now)
        raise RecordError(f"{label} must be epoch milliseconds.") from None
    if not math.isfinite(number_value):
        raise RecordError(f"{label} must be epoch milliseconds.")
    if abs(number_value) < SECONDS_THRESHOLD:
        number_value *= 1000
    return _in_range(number_value / 1000, label, now)


def iso_time(value: Any, label: str, *, now: datetime.datetime) -> datetime.datetime:
    """A time from an ISO 8601 string (naive means UTC), within 2000 .. now + 1 day."""
    if not isinstance(value, str):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return epoch_ms(value, label, now=now)
        raise RecordError(f"{label} must be an ISO 8601 time.")
    try:
        moment = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(f"{label} “{value[:40]}” is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return _in_range(moment.timestamp(), label, now)


def _in_range(seconds: float, label: str, now: datetime.datetime) -> datetime.datetime:
    if not EARLIEST.timestamp() <= seconds <= (now + FUTURE_SLACK).timestamp():
        raise RecordError(f"{label} is before 2000 or in the future.")
    return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)


def clean_details(value: Any) -> dict | None:
    """A JSON object of attributes (identify calls), without NUL characters (PostgreSQL cannot store them)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RecordError("details must be an object.")
    dumped = orjson.dumps(value)
    if len(dumped) > 32_000:
        raise RecordError("details are larger than 32 kB.")
    if b"\\u0000" in dumped:
        value = orjson.loads(dumped.replace(b"\\u0000", b""))
    return value


def derived_event_id(record: Mapping[str, Any]) -> str:
    """A deterministic id for an event sent without one: a hash of its canonical JSON (same payload, same id)."""
    try:
        canonical = orjson.dumps(record, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    except TypeError:
        canonical = repr(sorted(record.items())).encode("utf-8", "replace")
    return "h:" + hashlib.sha256(canonical).hexdigest()[:40]


def client_event_id(value: Any, record: Mapping[str, Any]) -> str:
    if value in (None, ""):
        return derived_event_id(record)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError("messageId must be text.")
    value = str(value).replace("\x00", "")
    if len(value) > EVENT_ID_MAX_LENGTH - 2:
        # Long ids still identify the event: keep their hash.
        return "h:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:40]
    return value


# The Event API (Natero-compatible) ------------------------------------------------------------------------------


def natero_event(record: Any, *, now: datetime.datetime) -> EventRow:
    """Validate one Event API event into a row, or raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError("An event is a JSON object.")
    action = record.get("action")
    if action not in NATERO_ACTIONS:
        raise RecordError(f"Unknown action “{str(action)[:40]}”; use one of {', '.join(sorted(NATERO_ACTIONS))}.")
    account_id = external_id(record.get("account_id"), "account_id")
    user_id = external_id(record.get("user_id"), "user_id")
    occurred_at = epoch_ms(record.get("created_at"), "created_at", now=now)
    session_id = text(record.get("session_id"), "session_id", required=True)
    module = feature = ""
    quantity = duration = None
    details = None
    if action == EventAction.SESSION_SYNC:
        duration = duration_ms(record.get("active_duration"), "active_duration")
        if duration is None:
            raise RecordError("active_duration is required for sessionSync (milliseconds).")
    elif action == EventAction.MODULE_END:
        module = text(record.get("module"), "module", required=True)
        duration = duration_ms(record.get("time_spent"), "time_spent")
        if duration is None:
            raise RecordError("time_spent is required for moduleEnd (milliseconds).")
    elif action == EventAction.FEATURE:
        feature = text(record.get("feature"), "feature", required=True)
        module = text(record.get("module"), "module")
        quantity = number(record.get("total"), "total")
        quantity = 1.0 if quantity is None else quantity
    else:
        details = clean_details(record.get("details"))
    event_id = client_event_id(record.get("event_id") or record.get("messageId"), record)
    return EventRow(
        event_id=event_id,
        account_id=account_id,
        user_id=user_id,
        action=action,
        module=module,
        feature=feature,
        quantity=quantity,
        duration_ms=duration,
        session_id=session_id,
        product=text(record.get("product"), "product"),
        occurred_at=occurred_at,
        details=details,
    )


# Segment HTTP Tracking API ----------------------------------------------------------------------------------------

SEGMENT_TYPES = {"track", "identify", "group", "page", "screen", "alias"}


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def segment_account_hint(message: dict) -> Any:
    """Where a Segment call names its account: groupId (group), context.groupId, or an account_id trait/property."""
    context, properties, traits = (
        _dict(message.get("context")),
        _dict(message.get("properties")),
        _dict(message.get("traits")),
    )
    for candidate in (
        message.get("groupId") if message.get("type") == "group" else None,
        context.get("groupId"),
        properties.get("account_id"),
        traits.get("account_id"),
        _dict(context.get("traits")).get("account_id"),
        traits.get("company_id"),
        _dict(traits.get("company")).get("id"),
    ):
        if candidate not in (None, ""):
            return candidate
    return None


def segment_event(message: Any, *, now: datetime.datetime, account_of_user: Mapping[str, str]) -> EventRow | None:
    """Validate one Segment message into a row (None for calls we do not store: alias), or raise RecordError.

    group -> identifyAccount (traits as details), identify -> identifyUser, track -> feature (event name;
    properties.module, properties.total or count, default 1), page / screen -> moduleEnd (name or category or
    properties.path; properties.time_spent in milliseconds when sent).
    """
    if not isinstance(message, dict):
        raise RecordError("A message is a JSON object.")
    kind = message.get("type")
    if kind not in SEGMENT_TYPES:
        raise RecordError(f"Unknown type “{str(kind)[:40]}”; use track, identify, group, page or screen.")
    if kind == "alias":
        return None
    user_raw = message.get("userId")
    if user_raw in (None, ""):
        user_raw = message.get("anonymousId")
    if kind != "group" and user_raw in (None, ""):
        raise RecordError("userId or anonymousId is required.")
    user_id = external_id(user_raw, "userId") if user_raw not in (None, "") else ""
    hint = segment_account_hint(message)
    if hint is None and user_id:
        hint = account_of_user.get(user_id)
    if hint is None:
        raise RecordError(
            "No account: send context.groupId (or properties.account_id), or a group call for this user first."
        )
    account_id = external_id(hint, "account id")
    stamp = message.get("timestamp") or message.get("originalTimestamp")
    occurred_at = iso_time(stamp, "timestamp", now=now) if stamp not in (None, "") else now
    properties = _dict(message.get("properties"))
    context = _dict(message.get("context"))
    module = feature = ""
    quantity = duration = None
    details = None
    if kind == "track":
        action = EventAction.FEATURE
        feature = text(message.get("event"), "event", required=True)
        module = text(properties.get("module") or properties.get("category"), "properties.module")
        quantity = number(properties.get("total", properties.get("count")), "properties.total")
        quantity = 1.0 if quantity is None else quantity
    elif kind in ("page", "screen"):
        action = EventAction.MODULE_END
        module = text(
            message.get("name") or message.get("category") or properties.get("name") or properties.get("path"),
            "name",
            required=True,
        )
        duration = duration_ms(properties.get("time_spent"), "properties.time_spent") or 0
    elif kind == "identify":
        action = EventAction.IDENTIFY_USER
        details = clean_details(_dict(message.get("traits")) or _dict(context.get("traits")))
    else:
        action = EventAction.IDENTIFY_ACCOUNT
        details = clean_details(_dict(message.get("traits")))
    return EventRow(
        event_id=client_event_id(message.get("messageId"), message),
        account_id=account_id,
        user_id=user_id,
        action=action,
        module=module,
        feature=feature,
        quantity=quantity,
        duration_ms=duration,
        session_id="",
        product=text(properties.get("product") or _dict(context.get("app")).get("name"), "product"),
        occurred_at=occurred_at,
        details=details,
        timed=stamp not in (None, ""),
    )


def now() -> datetime.datetime:
    return timezone.now()
