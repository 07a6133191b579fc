"""The HTTP API (django-ninja): the Event API, the Segment-compatible tracking API and the Account API v2.

Authentication is by source key: the Event API takes `/v1/{auth_key}/{api_key}` (the source's public id and a
key), the Segment endpoints HTTP Basic with the write key as user name or `writeKey` in the JSON body, the Account
API `?api_key=` or HTTP Basic with user `api`. A missing, wrong or revoked key answers 401; a key of a source of
another kind, 403.
Bodies are read and validated record by record (integrations.ingest), so bad records never sink good ones.
"""

from __future__ import annotations

import base64
import binascii
import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern
from ninja import Query, Router
from ninja.errors import AuthenticationError, HttpError
from pydantic import BaseModel, ValidationError

from accounts import services as account_services
from accounts import sync
from accounts.ids import normalize_external_id
from accounts.imports import MAX_FILE_BYTES as IMPORT_MAX_FILE_BYTES
from accounts.imports import import_unattended, target_for
from accounts.imports import targets as import_targets
from accounts.models import (
    Account,
    AccountContact,
    AccountDimensionValue,
    DimensionType,
    ImportJob,
    ImportStatus,
    Interaction,
    SupportTicket,
)
from integrations import ingest, schemas, selectors, services
from integrations.models import Source, SourceKind
from integrations.openapi import NateroAPI
from metrics.jobs import custom_history_refresh_later
from revenue import services as revenue_services
from revenue.models import ExchangeRate, Invoice, InvoiceLineItem, Subscription, SubscriptionLineItem
from usage import services as usage_services
from usage.models import CustomMetricValue

PAGE_SIZE = 1000


# Authentication ---------------------------------------------------------------------------------------------------


def _basic(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, _, password = decoded.partition(":")
    return user, password


def _check_kind(source: Source | None, kinds: tuple[str, ...]) -> Source | None:
    if source is not None and source.kind not in kinds:
        wanted = " or ".join(SourceKind(kind).label for kind in kinds)
        raise HttpError(
            403, f"This key belongs to a {source.get_kind_display()} source; this endpoint takes {wanted} keys."
        )
    return source


def _api_key(request: HttpRequest) -> str:
    """`?api_key=KEY`, or HTTP Basic with user `api` and the key as password."""
    key = request.GET.get("api_key")
    if not key:
        basic = _basic(request)
        if basic and basic[0] == "api":
            key = basic[1]
    return key or ""


def account_api_auth(request: HttpRequest) -> Source | None:
    """An API source's key (see `_api_key`)."""
    return _check_kind(selectors.source_for_key(_api_key(request)), (SourceKind.API,))


def segment_auth(request: HttpRequest) -> Source | None:
    """The write key as HTTP Basic user name (password empty), else as `writeKey` in the JSON body (Segment's
    HTTP Tracking API takes both; some of its libraries send only the body key). Basic is read first."""
    basic = _basic(request)
    key = basic[0] if basic and basic[0] else _segment_body_key(request)
    return _check_kind(selectors.source_for_key(key), (SourceKind.SEGMENT,))


def _segment_body(request: HttpRequest) -> Any:
    """The parsed body of a Segment call, read once (authentication may need it before the view does)."""
    if not hasattr(request, "_segment_body"):
        try:
            request._segment_body = ingest.read_json(request)
        except ingest.BodyError as exc:
            request._segment_body = exc
    if isinstance(request._segment_body, ingest.BodyError):
        raise request._segment_body
    return request._segment_body


def _segment_body_key(request: HttpRequest) -> str:
    """`writeKey` of the body; in a batch, the batch's own or else the one its messages share. An unreadable body
    names no key (the caller is not authenticated, so it is answered 401, not told about the body)."""
    try:
        body = _segment_body(request)
    except ingest.BodyError:
        return ""
    if not isinstance(body, dict):
        return ""
    key = body.get("writeKey")
    if not key and isinstance(body.get("batch"), list):
        keys = {m.get("writeKey") for m in body["batch"] if isinstance(m, dict) and m.get("writeKey")}
        if len(keys) > 1:
            raise HttpError(401, "The messages of this batch name different write keys; send one per batch.")
        key = next(iter(keys), "")
    return key if isinstance(key, str) else ""


def event_api_auth(request: HttpRequest) -> Source | None:
    """The path's auth key is the source's public id, its api key one of the source's keys."""
    kwargs = request.resolver_match.kwargs if request.resolver_match else {}
    source = selectors.source_for_key(str(kwargs.get("api_key") or ""))
    if source is None or source.public_id != kwargs.get("auth_key"):
        return None
    return _check_kind(source, (SourceKind.API,))


def _any_source(request: HttpRequest) -> Source | None:
    key = request.GET.get("api_key") or ""
    basic = _basic(request)
    if not key and basic:
        key = basic[1] if basic[0] == "api" else basic[0]
    return selectors.source_for_key(key)


def docs_guard(view: Callable) -> Callable:
    """The OpenAPI document and docs page are for team members (logged in) and holders of a key."""

    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if _any_source(request) is not None:
            return view(request, *args, **kwargs)
        return _unauthorized()

    return wrapper


def _unauthorized(message: str = "A valid API key is required.") -> JsonResponse:
    response = JsonResponse({"detail": message}, status=401)
    response["WWW-Authenticate"] = 'Basic realm="natero"'
    return response


api = NateroAPI(
    title="Natero API",
    version="2.0",
    description="Event API, Segment-compatible tracking API and Account API v2. See docs/api.md.",
    urls_namespace="api",
    openapi_url="/api/openapi.json",
    docs_url="/api/docs",
    docs_decorator=docs_guard,
)


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _unauthorized()


def urls() -> list[URLPattern]:
    """The API's URL patterns, each answering 401 rather than 405 to an unauthenticated wrong method."""
    patterns, _app, _namespace = api.urls
    wrapped = []
    for pattern in patterns:
        view = pattern.callback

        def guarded(request: HttpRequest, *args: Any, _view: Callable = view, **kwargs: Any) -> HttpResponse:
            response = _view(request, *args, **kwargs)
            if response.status_code == 405 and not _authenticated_for_405(request, kwargs):
                return _unauthorized()
            return response

        guarded.csrf_exempt = True  # type: ignore[attr-defined]
        wrapped.append(URLPattern(pattern.pattern, guarded, pattern.default_args, pattern.name))
    return wrapped


def _authenticated_for_405(request: HttpRequest, kwargs: dict) -> bool:
    if "api_key" in kwargs:
        source = selectors.source_for_key(str(kwargs["api_key"]))
        return source is not None and source.public_id == kwargs.get("auth_key")
    return _any_source(request) is not None


# Shared helpers ---------------------------------------------------------------------------------------------------


def _log(request: HttpRequest, source: Source, status: int, records: int = 0, failed: int = 0, error: str = "") -> None:
    endpoint = request.path
    if source.kind == SourceKind.API and endpoint.startswith("/v1/"):
        endpoint = "/v1/{auth_key}/{api_key}"  # keys stay out of the log
    services.api_call_record(
        source=source,
        method=request.method or "",
        endpoint=endpoint,
        status_code=status,
        records=records,
        failed=failed,
        error=error,
    )


def _fail(index: int, account_id: Any, message: str) -> dict:
    return {"message": message, "account_id": "" if account_id is None else str(account_id)[:100], "record": index}


def _body_error(request: HttpRequest, source: Source, exc: ingest.BodyError) -> JsonResponse:
    _log(request, source, exc.status, error=exc.message)
    body = {"status_is_ok": False, "message": exc.message, "code": "invalid_request", "failed_results": []}
    return JsonResponse(body, status=exc.status)


def _answer(
    request: HttpRequest, source: Source, total: int, failures: list[dict], extra: dict | None = None
) -> JsonResponse:
    status = 400 if total and len(failures) >= total else 200
    if total == 0:
        status = 400
        failures = [_fail(0, "", "No records were sent.")]
    summary = failures[0]["message"] if failures else ""
    if len(failures) > 1:
        summary = f"{len(failures)} records failed; first: {summary}"
    _log(request, source, status, records=total, failed=min(len(failures), total), error=summary)
    body = {"status_is_ok": not failures, "failed_results": failures[:1000], **(extra or {})}
    return JsonResponse(body, status=status)


# Event API --------------------------------------------------------------------------------------------------------

v1 = Router(tags=["Event API and Segment"])


@v1.post(
    "/{auth_key}/{api_key}",
    auth=event_api_auth,
    operation_id="event_api",
    summary="Send one event or a list of events (Natero Event API)",
    openapi_extra=schemas.json_body(
        {
            "oneOf": [
                schemas.inline_schema(schemas.NateroEvent),
                {"type": "array", "maxItems": 5000, "items": schemas.inline_schema(schemas.NateroEvent)},
            ]
        }
    ),
)
def event_api(request: HttpRequest, auth_key: str, api_key: str) -> HttpResponse:
    source: Source = request.auth
    try:
        body = ingest.read_json(request)
        records = body if isinstance(body, list) else [body]
        ingest.check_batch_size(len(records))
    except ingest.BodyError as exc:
        return _body_error(request, source, exc)
    now = ingest.now()
    rows, failures = [], []
    for index, record in enumerate(records):
        try:
            rows.append(ingest.natero_event(record, now=now))
        except ingest.RecordError as exc:
            failures.append(_fail(index, record.get("account_id") if isinstance(record, dict) else "", str(exc)))
    stored = usage_services.events_store(source_id=source.pk, rows=rows, received_at=now)
    return _answer(
        request,
        source,
        len(records),
        failures,
        {"accepted": len(rows), "stored": stored, "duplicates": len(rows) - stored},
    )


# Segment-compatible tracking API ----------------------------------------------------------------------------------


def _segment(request: HttpRequest, kind: str | None) -> HttpResponse:
    source: Source = request.auth
    try:
        body = _segment_body(request)
        if not isinstance(body, dict):
            raise ingest.BodyError(400, "The body is a JSON object.")
        if kind is None:
            messages = body.get("batch")
            if not isinstance(messages, list):
                raise ingest.BodyError(400, 'A batch body is {"batch": [messages]}.')
            shared = body.get("context") if isinstance(body.get("context"), dict) else None
            if shared:
                messages = [
                    {**m, "context": {**shared, **(m.get("context") or {})}} if isinstance(m, dict) else m
                    for m in messages
                ]
        else:
            messages = [{**body, "type": body.get("type") or kind}]
        # The key authenticated the call; it is not part of what the call says.
        messages = [{k: v for k, v in m.items() if k != "writeKey"} if isinstance(m, dict) else m for m in messages]
        ingest.check_batch_size(len(messages))
    except ingest.BodyError as exc:
        return _body_error(request, source, exc)
    now = ingest.now()
    # Users named without an account: use the group calls of this batch, then their one known account.
    account_of_user: dict[str, str] = {}
    unresolved: set[str] = set()
    for message in messages:
        if not isinstance(message, dict):
            continue
        user = message.get("userId") or message.get("anonymousId")
        if not isinstance(user, str | int) or isinstance(user, bool):
            continue
        if message.get("type") == "group" and message.get("groupId") not in (None, ""):
            account_of_user[str(user)] = message["groupId"]
        elif ingest.segment_account_hint(message) is None:
            unresolved.add(str(user))
    unresolved -= set(account_of_user)
    if unresolved:
        account_of_user.update(sync.accounts_of_users(user_ids=unresolved))
    rows, failures = [], []
    for index, message in enumerate(messages):
        try:
            row = ingest.segment_event(message, now=now, account_of_user=account_of_user)
        except ingest.RecordError as exc:
            hint = ingest.segment_account_hint(message) if isinstance(message, dict) else None
            failures.append(_fail(index, hint, str(exc)))
            continue
        if row is not None:
            rows.append(row)
    stored = usage_services.events_store(source_id=source.pk, rows=rows, received_at=now)
    # A group call makes its user a member of the account now (rare, small, set-based), so the user's later calls
    # without a groupId find their account.
    groups = [
        (r.account_id, r.user_id, r.occurred_at, r.occurred_at)
        for r in rows
        if r.action == "identifyAccount" and r.user_id
    ]
    if groups:
        sync.contacts_ensure(seen=groups, source="segment")
    summary = failures[0]["message"] if failures else ""
    return _answer(
        request,
        source,
        len(messages),
        failures,
        {
            "success": not failures,
            "accepted": len(rows),
            "stored": stored,
            "duplicates": len(rows) - stored,
            # Segment's libraries read `code` and `message` from an error answer.
            "code": "invalid_request" if failures else "ok",
            "message": summary,
        },
    )


_segment_batch_body = schemas.json_body(schemas.inline_schema(schemas.SegmentBatch))
_segment_one_body = schemas.json_body(schemas.inline_schema(schemas.SegmentMessage))


@v1.post(
    "/batch",
    auth=segment_auth,
    operation_id="segment_batch",
    summary="Segment batch",
    openapi_extra=_segment_batch_body,
)
def segment_batch(request: HttpRequest) -> HttpResponse:
    return _segment(request, None)


@v1.post(
    "/track", auth=segment_auth, operation_id="segment_track", summary="Segment track", openapi_extra=_segment_one_body
)
def segment_track(request: HttpRequest) -> HttpResponse:
    return _segment(request, "track")


@v1.post(
    "/identify",
    auth=segment_auth,
    operation_id="segment_identify",
    summary="Segment identify",
    openapi_extra=_segment_one_body,
)
def segment_identify(request: HttpRequest) -> HttpResponse:
    return _segment(request, "identify")


@v1.post(
    "/group", auth=segment_auth, operation_id="segment_group", summary="Segment group", openapi_extra=_segment_one_body
)
def segment_group(request: HttpRequest) -> HttpResponse:
    return _segment(request, "group")


@v1.post(
    "/page", auth=segment_auth, operation_id="segment_page", summary="Segment page", openapi_extra=_segment_one_body
)
def segment_page(request: HttpRequest) -> HttpResponse:
    return _segment(request, "page")


@v1.post(
    "/screen",
    auth=segment_auth,
    operation_id="segment_screen",
    summary="Segment screen",
    openapi_extra=_segment_one_body,
)
def segment_screen(request: HttpRequest) -> HttpResponse:
    return _segment(request, "screen")


# Account API v2 ---------------------------------------------------------------------------------------------------

v2 = Router(auth=account_api_auth, tags=["Account API v2"])


def _bulk(request: HttpRequest, model: type[BaseModel], write: Callable[[list[dict], Source], Any]) -> HttpResponse:
    """Validate {"records": [...]} one by one, write the valid ones in one set-based call, report the others."""
    source: Source = request.auth
    try:
        body = ingest.read_json(request)
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list):
            raise ingest.BodyError(400, 'The body is {"records": [...]}.')
        ingest.check_batch_size(len(records))
    except ingest.BodyError as exc:
        return _body_error(request, source, exc)
    valid: list[dict] = []
    positions: list[int] = []
    failures: list[dict] = []
    for index, record in enumerate(records):
        try:
            if not isinstance(record, dict):
                raise ValueError("A record is a JSON object.")
            valid.append(model.model_validate(record).to_sync())
            positions.append(index)
        except (ValidationError, ValueError) as exc:
            account_id = record.get("account_id") if isinstance(record, dict) else ""
            failures.append(
                _fail(index, account_id if isinstance(account_id, str | int) else "", schemas.error_text(exc))
            )
    counts = {}
    if valid:
        result = write(valid, source)
        if result is not None:
            failures.extend(_fail(positions[f.index], f.account_id, f.message) for f in result.failures)
            counts = {"created": result.created, "updated": result.updated}
    failures.sort(key=lambda f: f["record"])
    return _answer(request, source, len(records), failures, counts)


@dataclass
class Listing:
    """How a resource lists: its rows, what it may be ordered by, how inactive rows are left out, one row's JSON."""

    queryset: Callable[[], QuerySet]
    order_fields: dict[str, str]
    default_order: str
    serialize: Callable[[Any], dict]
    active_filter: Callable[[QuerySet], QuerySet] | None = None


def _page(
    request: HttpRequest,
    listing: Listing,
    qs: QuerySet | None,
    page: int,
    order_by: str | None,
    direction: str,
    include_inactive: bool,
) -> HttpResponse:
    source: Source = request.auth
    order_by = order_by or listing.default_order
    if order_by not in listing.order_fields:
        _log(request, source, 400, error=f"order_by {order_by[:50]}")
        raise HttpError(400, f"order_by is one of: {', '.join(sorted(listing.order_fields))}.")
    qs = listing.queryset() if qs is None else qs
    if listing.active_filter and not include_inactive:
        qs = listing.active_filter(qs)
    field = listing.order_fields[order_by]
    prefix = "-" if direction == "desc" else ""
    start = (page - 1) * PAGE_SIZE
    rows = list(qs.order_by(f"{prefix}{field}", f"{prefix}pk")[start : start + PAGE_SIZE + 1])
    _log(request, source, 200, records=min(len(rows), PAGE_SIZE))
    return JsonResponse(
        {
            "results": [listing.serialize(row) for row in rows[:PAGE_SIZE]],
            "page": page,
            "page_size": PAGE_SIZE,
            "has_more": len(rows) > PAGE_SIZE,
        }
    )


def _d(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if value is None:
        return None
    return str(value) if not isinstance(value, str | int | float | bool) else value


def _dims(account: Account) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {
        "custom_label_dimensions": [],
        "custom_value_dimensions": [],
        "custom_event_dimensions": [],
    }
    for value in account.dimension_values.all():
        kind = value.dimension.data_type
        key = {DimensionType.NUMBER: "custom_value_dimensions", DimensionType.DATE: "custom_event_dimensions"}.get(
            kind, "custom_label_dimensions"
        )
        out[key].append({"key": value.dimension.key, "value": _d(value.value)})
    return out


def account_json(account: Account) -> dict:
    return {
        "account_id": account.account_id,
        "name": account.name,
        "parent_account_id": account.parent.account_id if account.parent_id else None,
        "join_date": _d(account.join_date),
        "renewal_date": _d(account.renewal_date),
        "tier": account.tier.name if account.tier_id else None,
        "stage": account.stage.name if account.stage_id else None,
        "csm_score": account.csm_score,
        "nps": account.nps,
        "industry": account.industry,
        "employees": account.employees,
        "website": account.website,
        "billing_address": account.billing_address,
        "description": account.description,
        "crm_account_id": account.crm_account_id,
        "billing_account_id": account.billing_account_id,
        "support_account_id": account.support_account_id,
        "hierarchy_label": account.hierarchy_label,
        "is_churned": account.churned_on is not None,
        "churned_on": _d(account.churned_on),
        "created_at": _d(account.created_at),
        "updated_at": _d(account.updated_at),
        **_dims(account),
    }


def membership_json(link: AccountContact) -> dict:
    contact = link.contact
    return {
        "account_id": link.account.account_id,
        "user_id": contact.user_id or None,
        "name": contact.name,
        "email": contact.email,
        "title": contact.title,
        "role": contact.role,
        "phone": contact.phone,
        "email_opt_out": contact.email_opt_out,
        "first_seen": _d(contact.first_seen),
        "last_seen": _d(contact.last_seen),
    }


def metric_json(row: CustomMetricValue) -> dict:
    return {"account_id": row.account_id, "metric": row.metric, "timestamp": _d(row.timestamp), "value": _d(row.value)}


def interaction_json(row: Interaction) -> dict:
    return {
        "interaction_id": row.external_id or None,
        "account_id": row.account.account_id,
        "date": _d(row.date),
        "type": row.type.name,
        "subject": row.subject,
        "body": row.body,
        "contacts": [c.user_id or c.email for c in row.contacts.all()],
    }


def ticket_json(row: SupportTicket) -> dict:
    return {
        "ticket_id": row.ticket_id or None,
        "account_id": row.account.account_id,
        "subject": row.subject,
        "description": row.description,
        "status": row.status.name,
        "priority": row.priority.name if row.priority_id else None,
        "type": row.type.name if row.type_id else None,
        "opened_at": _d(row.opened_at),
        "closed_at": _d(row.closed_at),
        "requester": (row.requester.user_id or row.requester.email) if row.requester_id else None,
    }


def subscription_json(row: Subscription) -> dict:
    return {
        "subscription_id": row.subscription_id,
        "account_id": row.account.account_id,
        "plan": row.plan,
        "start_date": _d(row.start_date),
        "end_date": _d(row.end_date),
        "cycle_length": row.cycle_length,
        "cycle_unit": row.cycle_unit,
        "amount": _d(row.amount),
        "currency": row.currency,
        "renews": row.renews,
        "line_items": [
            {"kind": li.kind, "name": li.name, "quantity": _d(li.quantity), "amount": _d(li.amount)}
            for li in row.line_items.all()
        ],
    }


def invoice_json(row: Invoice) -> dict:
    return {
        "invoice_id": row.invoice_id,
        "account_id": row.account.account_id,
        "issued_on": _d(row.issued_on),
        "due_on": _d(row.due_on),
        "paid_on": _d(row.paid_on),
        "amount": _d(row.amount),
        "currency": row.currency,
        "is_paid": row.is_paid,
        "is_failed": row.is_failed,
        "is_recurring": row.is_recurring,
        "line_items": [
            {"description": li.description, "quantity": _d(li.quantity), "amount": _d(li.amount)}
            for li in row.line_items.all()
        ],
    }


def rate_json(row: ExchangeRate) -> dict:
    return {"currency": row.currency_id, "date": _d(row.date), "rate": _d(row.rate)}


def _accounts_qs() -> QuerySet:
    return (
        Account.objects.filter(is_deleted=False)
        .select_related("tier", "stage", "parent")
        .prefetch_related(
            Prefetch("dimension_values", queryset=AccountDimensionValue.objects.select_related("dimension"))
        )
    )


def _memberships_qs() -> QuerySet:
    return AccountContact.objects.filter(account__is_deleted=False).select_related("account", "contact")


LISTINGS: dict[str, Listing] = {
    "accounts": Listing(
        _accounts_qs,
        {"account_id": "account_id", "name": "name", "join_date": "join_date", "updated_at": "updated_at"},
        "account_id",
        account_json,
        lambda qs: qs.filter(churned_on__isnull=True),
    ),
    "account_users": Listing(
        lambda: _memberships_qs().exclude(contact__user_id=""),
        {"user_id": "contact__user_id", "account_id": "account__account_id", "name": "contact__name"},
        "user_id",
        membership_json,
        lambda qs: qs.filter(account__churned_on__isnull=True),
    ),
    "account_contacts": Listing(
        _memberships_qs,
        {"email": "contact__email", "account_id": "account__account_id", "name": "contact__name"},
        "email",
        membership_json,
        lambda qs: qs.filter(account__churned_on__isnull=True),
    ),
    "metrics": Listing(
        CustomMetricValue.objects.all,
        {"timestamp": "timestamp", "metric": "metric", "account_id": "account_id"},
        "timestamp",
        metric_json,
    ),
    "interactions": Listing(
        lambda: (
            Interaction.objects.filter(account__is_deleted=False)
            .select_related("account", "type")
            .prefetch_related("contacts")
        ),
        {"date": "date", "interaction_id": "external_id", "account_id": "account__account_id"},
        "date",
        interaction_json,
    ),
    "tickets": Listing(
        lambda: SupportTicket.objects.filter(account__is_deleted=False).select_related(
            "account", "status", "priority", "type", "requester"
        ),
        {"opened_at": "opened_at", "ticket_id": "ticket_id", "account_id": "account__account_id"},
        "opened_at",
        ticket_json,
        lambda qs: qs.filter(status__is_closed=False),
    ),
    "subscriptions": Listing(
        lambda: (
            Subscription.objects.filter(account__is_deleted=False)
            .select_related("account")
            .prefetch_related(Prefetch("line_items", queryset=SubscriptionLineItem.objects.order_by("kind", "id")))
        ),
        {"start_date": "start_date", "subscription_id": "subscription_id", "account_id": "account__account_id"},
        "start_date",
        subscription_json,
    ),
    "invoices": Listing(
        lambda: (
            Invoice.objects.filter(account__is_deleted=False)
            .select_related("account")
            .prefetch_related(Prefetch("line_items", queryset=InvoiceLineItem.objects.order_by("id")))
        ),
        {"issued_on": "issued_on", "invoice_id": "invoice_id", "account_id": "account__account_id"},
        "issued_on",
        invoice_json,
    ),
    "exchange_rates": Listing(ExchangeRate.objects.all, {"date": "date", "currency": "currency_id"}, "date", rate_json),
}


def _sync_write(fn: Callable) -> Callable[[list[dict], Source], Any]:
    return lambda records, source: fn(records=records, source=f"api:{source.name}"[:100])


def _revenue_write(fn: Callable) -> Callable[[list[dict], Source], Any]:
    return lambda records, source: fn(records=records, source_id=source.pk)


def _metrics_write(records: list[dict], source: Source) -> None:
    usage_services.metric_values_upsert(source_id=source.pk, values=records)
    # Values for days the pipeline has already computed reach the history without waiting for a backfill.
    custom_history_refresh_later({record["timestamp"].astimezone(datetime.UTC).date() for record in records})


WRITERS: dict[str, tuple[type[BaseModel], Callable[[list[dict], Source], Any]]] = {
    "accounts": (schemas.AccountRecord, _sync_write(sync.accounts_bulk_upsert)),
    "account_users": (schemas.UserRecord, _sync_write(sync.contacts_bulk_upsert)),
    "account_contacts": (schemas.ContactRecord, _sync_write(sync.contacts_bulk_upsert)),
    "metrics": (schemas.MetricRecord, _metrics_write),
    "interactions": (schemas.InteractionRecord, lambda records, source: sync.interactions_bulk_upsert(records=records)),
    "tickets": (schemas.TicketRecord, lambda records, source: sync.tickets_bulk_upsert(records=records)),
    "subscriptions": (schemas.SubscriptionRecord, _revenue_write(revenue_services.subscriptions_bulk_upsert)),
    "invoices": (schemas.InvoiceRecord, _revenue_write(revenue_services.invoices_bulk_upsert)),
    "exchange_rates": (
        schemas.ExchangeRateRecord,
        lambda records, source: revenue_services.exchange_rates_bulk_upsert(records=records),
    ),
}

Direction = Literal["asc", "desc"]


def _register_collection(name: str) -> None:
    listing = LISTINGS[name]
    model, write = WRITERS[name]

    def list_view(
        request: HttpRequest,
        page: int = Query(1, ge=1, le=100_000),
        order_by: str | None = None,
        direction: Direction = "asc",
        include_inactive: bool = False,
    ) -> HttpResponse:
        return _page(request, listing, None, max(page, 1), order_by, direction, include_inactive)

    def upsert_view(request: HttpRequest) -> HttpResponse:
        return _bulk(request, model, write)

    v2.add_api_operation(
        f"/{name}", ["GET"], list_view, operation_id=f"list_{name}", summary=f"List {name.replace('_', ' ')}"
    )
    v2.add_api_operation(
        f"/{name}",
        ["POST"],
        upsert_view,
        operation_id=f"upsert_{name}",
        summary=f"Bulk upsert {name.replace('_', ' ')}",
        openapi_extra=schemas.records_body(model),
    )


for _name in WRITERS:
    _register_collection(_name)


def _account_or_404(account_id: str) -> Account:
    try:
        key = normalize_external_id(account_id, label="account id")
    except DjangoValidationError as exc:
        raise HttpError(404, " ".join(exc.messages)) from None
    account = _accounts_qs().filter(account_id=key).first()
    if account is None:
        raise HttpError(404, f"No account has the account id {key}.")
    return account


@v2.get("/accounts/{account_id}", operation_id="get_account", summary="One account")
def get_account(request: HttpRequest, account_id: str) -> HttpResponse:
    account = _account_or_404(account_id)
    _log(request, request.auth, 200, records=1)
    return JsonResponse(account_json(account))


@v2.put(
    "/accounts/{account_id}",
    operation_id="put_account",
    summary="Create or update one account",
    openapi_extra=schemas.json_body(schemas.inline_schema(schemas.AccountRecord)),
)
def put_account(request: HttpRequest, account_id: str) -> HttpResponse:
    source: Source = request.auth
    try:
        body = ingest.read_json(request)
        if not isinstance(body, dict):
            raise ingest.BodyError(400, "The body is one account record (a JSON object).")
        record = schemas.AccountRecord.model_validate({**body, "account_id": account_id}).to_sync()
    except ingest.BodyError as exc:
        return _body_error(request, source, exc)
    except (ValidationError, ValueError) as exc:
        return _answer(request, source, 1, [_fail(0, account_id, schemas.error_text(exc))])
    result = sync.accounts_bulk_upsert(records=[record], source=f"api:{source.name}"[:100])
    if result.failures:
        return _answer(request, source, 1, [_fail(0, account_id, result.failures[0].message)])
    _log(request, source, 200, records=1)
    return JsonResponse(account_json(_account_or_404(record["account_id"])))


@v2.delete("/accounts/{account_id}", operation_id="delete_account", summary="Delete an account (soft delete)")
def delete_account(request: HttpRequest, account_id: str) -> HttpResponse:
    account = _account_or_404(account_id)
    account_services.account_delete(account=account, by=None)
    _log(request, request.auth, 200, records=1)
    return JsonResponse({"status_is_ok": True, "account_id": account.account_id})


def _register_account_child(suffix: str, listing_name: str, filter_fn: Callable[[QuerySet, Account], QuerySet]) -> None:
    listing = LISTINGS[listing_name]

    def view(
        request: HttpRequest,
        account_id: str,
        page: int = Query(1, ge=1, le=100_000),
        order_by: str | None = None,
        direction: Direction = "asc",
        include_inactive: bool = True,
    ) -> HttpResponse:
        account = _account_or_404(account_id)
        return _page(
            request,
            listing,
            filter_fn(listing.queryset(), account),
            max(page, 1),
            order_by,
            direction,
            include_inactive,
        )

    v2.add_api_operation(
        f"/accounts/{{account_id}}/{suffix}",
        ["GET"],
        view,
        operation_id=f"account_{suffix}",
        summary=f"An account's {suffix.replace('_', ' ')}",
    )


for _suffix, _listing, _filter in [
    ("users", "account_users", lambda qs, a: qs.filter(account=a)),
    ("contacts", "account_contacts", lambda qs, a: qs.filter(account=a)),
    ("subscriptions", "subscriptions", lambda qs, a: qs.filter(account=a)),
    ("statements", "invoices", lambda qs, a: qs.filter(account=a)),
    ("support_tickets", "tickets", lambda qs, a: qs.filter(account=a)),
    ("metrics", "metrics", lambda qs, a: qs.filter(account_id=a.account_id)),
]:
    _register_account_child(_suffix, _listing, _filter)


# CSV import ---------------------------------------------------------------------------------------------------------


def csv_import_auth(request: HttpRequest) -> Source | None:
    """A CSV source's key, sent as for the Account API (`?api_key=KEY` or HTTP Basic `api:KEY`)."""
    return _check_kind(selectors.source_for_key(_api_key(request)), (SourceKind.CSV,))


def import_json(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "target": job.target,
        "status": job.status,
        "file_error": job.file_error,
        "total_rows": job.total_rows,
        "valid_rows": job.valid_rows,
        "error_rows": job.error_rows,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "errors": job.errors,
        "status_url": f"/api/v2/imports/jobs/{job.pk}",
    }


def _import_answer(request: HttpRequest, source: Source, job: ImportJob) -> JsonResponse:
    if job.status == ImportStatus.FAILED or (job.status == ImportStatus.DONE and job.total_rows and not job.valid_rows):
        status = 400
    elif job.status in (ImportStatus.VALIDATING, ImportStatus.COMMITTING):
        status = 202
    else:
        status = 200
    first = job.file_error or (f"line {job.errors[0]['line']}: {job.errors[0]['message']}" if job.errors else "")
    _log(request, source, status, records=job.total_rows, failed=job.error_rows, error=first[:300])
    return JsonResponse(import_json(job), status=status)


@v2.post(
    "/imports/{target}",
    auth=csv_import_auth,
    operation_id="csv_import",
    summary="Import a CSV file (CSV source keys)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "The file, as on the import page's template (UTF-8, header row); gzip is fine.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
def csv_import(request: HttpRequest, target: str, check_only: bool = False, filename: str = "") -> HttpResponse:
    source: Source = request.auth
    spec = target_for(target)
    if spec is None:
        known = ", ".join(t.key for t in import_targets())
        _log(request, source, 404, error=f"Unknown import target {target[:40]}.")
        return JsonResponse({"detail": f"No import target “{target[:40]}”; known: {known}."}, status=404)
    try:
        body = request.body
    except RequestDataTooBig:
        return _body_error(request, source, ingest.BodyError(413, "The file is too large for one request: gzip it."))
    try:
        if (request.META.get("HTTP_CONTENT_ENCODING") or "").strip().lower() in ("gzip", "x-gzip") or body[:2] == (
            b"\x1f\x8b"
        ):
            body = ingest.gunzip_capped(body, IMPORT_MAX_FILE_BYTES)
    except ingest.BodyError as exc:
        return _body_error(request, source, exc)
    try:
        job = import_unattended(
            target=spec,
            filename=(filename.replace("\x00", "") or f"{spec.key}.csv")[:200],
            data=body,
            source_id=source.pk,
            check_only=check_only,
        )
    except DjangoValidationError as exc:
        return _body_error(request, source, ingest.BodyError(400, " ".join(exc.messages)))
    return _import_answer(request, source, job)


@v2.get("/imports/jobs/{job_id}", auth=csv_import_auth, operation_id="csv_import_job", summary="A CSV import's state")
def csv_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    source: Source = request.auth
    job = ImportJob.objects.filter(pk=job_id, source_id=source.pk).first()
    if job is None:
        raise HttpError(404, "This source sent no import with that id.")
    return _import_answer(request, source, job)


api.add_router("/v1", v1)
api.add_router("/api/v2", v2)

MAX_BODY = settings.INGEST_MAX_BODY_BYTES
