"""Record shapes of the Account API v2 and the ingestion APIs (pydantic): validation of one record at a time,
and the request bodies described in the OpenAPI document."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError as DjangoValidationError
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from accounts.ids import normalize_external_id


def _external_id(value: Any) -> str:
    try:
        return normalize_external_id(value)
    except DjangoValidationError as exc:
        raise ValueError(" ".join(exc.messages)) from None


def _optional_external_id(value: Any) -> str:
    return "" if value in (None, "") else _external_id(value)


ExternalId = Annotated[str, BeforeValidator(_external_id), Field(json_schema_extra={"type": "string"})]
OptionalExternalId = Annotated[str, BeforeValidator(_optional_external_id)]
Text = Annotated[str, Field(max_length=200)]
LongText = Annotated[str, Field(max_length=20_000)]


def _utc_moment(value: datetime.datetime) -> datetime.datetime:
    """An aware moment in UTC (the database refuses offsets past 15 hours); a naive one is left as sent."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(datetime.UTC)
    except OverflowError:
        raise ValueError("is outside the calendar once taken to UTC.") from None


Moment = Annotated[datetime.datetime, AfterValidator(_utc_moment)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        """Text holds no NUL character: the database cannot store one, so it is refused here, naming the field."""
        if _has_nul(value):
            raise ValueError("contains a NUL character (\\u0000), which cannot be stored.")
        return value


class Dimension(Record):
    key: Annotated[str, Field(min_length=1, max_length=50)]
    value: str | int | float | None = None


class WithDimensions(Record):
    custom_label_dimensions: list[Dimension] | None = Field(None, description="Text and picklist dimensions.")
    custom_value_dimensions: list[Dimension] | None = Field(None, description="Number dimensions.")
    custom_event_dimensions: list[Dimension] | None = Field(None, description="Date dimensions (YYYY-MM-DD).")

    def dimensions(self) -> dict[str, Any] | None:
        out: dict[str, Any] = {}
        for group in (self.custom_label_dimensions, self.custom_value_dimensions, self.custom_event_dimensions):
            for item in group or []:
                out[item.key] = item.value
        return out or None


class AccountRecord(WithDimensions):
    account_id: ExternalId
    name: Text | None = None
    parent_account_id: OptionalExternalId | None = None
    join_date: datetime.date | None = None
    renewal_date: datetime.date | None = None
    tier: Text | None = None
    stage: Text | None = None
    csm_score: Annotated[int, Field(ge=0, le=100)] | None = None
    nps: Annotated[int, Field(ge=0, le=10)] | None = None
    industry: Annotated[str, Field(max_length=100)] | None = None
    employees: Annotated[int, Field(ge=0, le=2_000_000_000)] | None = None
    website: Annotated[str, Field(max_length=300)] | None = None
    billing_address: LongText | None = None
    description: LongText | None = None
    crm_account_id: OptionalExternalId | None = None
    billing_account_id: OptionalExternalId | None = None
    support_account_id: OptionalExternalId | None = None
    hierarchy_label: Annotated[str, Field(max_length=80)] | None = None

    def to_sync(self) -> dict[str, Any]:
        data = self.model_dump(
            exclude_unset=True,
            exclude={"custom_label_dimensions", "custom_value_dimensions", "custom_event_dimensions"},
        )
        for name in (
            "industry",
            "website",
            "billing_address",
            "description",
            "hierarchy_label",
            "crm_account_id",
            "billing_account_id",
            "support_account_id",
            "tier",
            "stage",
        ):
            if name in data and data[name] is None:
                data[name] = ""
        dims = self.dimensions()
        if dims:
            data["dimensions"] = dims
        return data


class ContactRecord(WithDimensions):
    account_id: ExternalId
    user_id: OptionalExternalId | None = None
    email: Annotated[str, Field(max_length=254)] | None = None
    name: Text | None = None
    title: Annotated[str, Field(max_length=150)] | None = None
    role: Annotated[str, Field(max_length=100)] | None = None
    phone: Annotated[str, Field(max_length=50)] | None = None
    email_opt_out: bool | None = None

    def to_sync(self) -> dict[str, Any]:
        data = self.model_dump(
            exclude_unset=True,
            exclude={"custom_label_dimensions", "custom_value_dimensions", "custom_event_dimensions"},
        )
        dims = self.dimensions()
        if dims:
            data["dimensions"] = dims
        return data


class UserRecord(ContactRecord):
    user_id: ExternalId


class MetricRecord(Record):
    account_id: ExternalId
    metric: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:\- ]+$")]
    value: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=24, decimal_places=6)]
    timestamp: Moment | None = Field(None, description="ISO 8601; or give `date`.")
    date: datetime.date | None = None

    def to_sync(self) -> dict[str, Any]:
        moment = self.timestamp
        if moment is None:
            if self.date is None:
                raise ValueError("timestamp or date is required.")
            moment = datetime.datetime.combine(self.date, datetime.time(), tzinfo=datetime.UTC)
        elif moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return {"metric": self.metric, "account_id": self.account_id, "timestamp": moment, "value": self.value}


class InteractionRecord(Record):
    interaction_id: ExternalId
    account_id: ExternalId
    date: Moment
    type: Text
    subject: Annotated[str, Field(min_length=1, max_length=300)]
    body: LongText = ""
    contacts: list[Annotated[str, Field(max_length=254)]] = Field(default_factory=list, max_length=100)

    def to_sync(self) -> dict[str, Any]:
        data = self.model_dump()
        if data["date"].tzinfo is None:
            data["date"] = data["date"].replace(tzinfo=datetime.UTC)
        return data


class TicketRecord(Record):
    ticket_id: ExternalId
    account_id: ExternalId
    subject: Annotated[str, Field(max_length=300)] | None = None
    description: LongText | None = None
    status: Text | None = None
    priority: Text | None = None
    type: Text | None = None
    opened_at: Moment | None = None
    closed_at: Moment | None = None
    requester: Annotated[str, Field(max_length=254)] | None = None

    def to_sync(self) -> dict[str, Any]:
        data = self.model_dump(exclude_unset=True)
        for name in ("opened_at", "closed_at"):
            if data.get(name) is not None and data[name].tzinfo is None:
                data[name] = data[name].replace(tzinfo=datetime.UTC)
        if not data.get("subject") and "subject" in data:
            data.pop("subject")
        return data


Money = Annotated[Decimal, Field(allow_inf_nan=False, max_digits=18, decimal_places=4)]
Currency = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")]


class LineItem(Record):
    kind: Literal["addon", "discount"]
    name: Text = ""
    quantity: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=12, decimal_places=2, ge=0)] = Decimal(1)
    amount: Money = Field(description="Per cycle; a discount is stored as a negative line.")


class SubscriptionRecord(Record):
    subscription_id: ExternalId
    account_id: ExternalId
    plan: Text = ""
    start_date: datetime.date
    end_date: datetime.date | None = Field(None, description="The last day in force (inclusive); empty while it runs.")
    cycle_length: Annotated[int, Field(ge=1, le=1000)] = 1
    cycle_unit: Literal["day", "week", "month", "year"] = "month"
    amount: Money
    currency: Currency | None = None
    renews: bool = True
    line_items: list[LineItem] = Field(default_factory=list, max_length=200)
    effective_date: datetime.date | None = Field(
        None,
        description="The day a change takes effect (default today); months before it keep their MRR movements.",
    )

    def to_sync(self) -> dict[str, Any]:
        return self.model_dump()


class InvoiceLine(Record):
    description: Annotated[str, Field(max_length=300)] = ""
    quantity: Annotated[Decimal, Field(allow_inf_nan=False, max_digits=12, decimal_places=2)] = Decimal(1)
    amount: Money


class InvoiceRecord(Record):
    invoice_id: ExternalId
    account_id: ExternalId
    issued_on: datetime.date
    due_on: datetime.date | None = None
    paid_on: datetime.date | None = None
    amount: Money | None = Field(None, description="Defaults to the sum of the lines.")
    currency: Currency | None = None
    is_paid: bool = False
    is_failed: bool = False
    is_recurring: bool = True
    line_items: list[InvoiceLine] = Field(default_factory=list, max_length=500)

    def to_sync(self) -> dict[str, Any]:
        return self.model_dump()


class ExchangeRateRecord(Record):
    currency: Currency
    date: datetime.date
    rate: Annotated[Decimal, Field(allow_inf_nan=False, gt=0, max_digits=20, decimal_places=10)]

    def to_sync(self) -> dict[str, Any]:
        return self.model_dump()


# Ingestion bodies, for the OpenAPI document (the handlers validate event by event) ----------------------------------


class NateroEvent(BaseModel):
    """One Event API event."""

    action: Literal["identifyUser", "identifyAccount", "sessionSync", "moduleEnd", "feature"]
    account_id: str
    user_id: str
    created_at: int = Field(description="Epoch milliseconds (seconds are detected and converted).")
    session_id: str
    product: str | None = None
    details: dict[str, Any] | None = Field(None, description="identifyUser / identifyAccount attributes.")
    active_duration: int | None = Field(None, description="sessionSync: active time, milliseconds.")
    module: str | None = None
    time_spent: int | None = Field(None, description="moduleEnd: time in the module, milliseconds.")
    feature: str | None = None
    total: float | None = Field(None, description="feature: how many times (default 1).")
    event_id: str | None = Field(None, description="Your id of the event; a hash of the payload when absent.")


class SegmentMessage(BaseModel):
    """A Segment HTTP Tracking API message (track, identify, group, page, screen)."""

    type: Literal["track", "identify", "group", "page", "screen", "alias"] | None = None
    messageId: str | None = None
    userId: str | None = None
    anonymousId: str | None = None
    groupId: str | None = None
    event: str | None = None
    name: str | None = None
    timestamp: str | None = Field(None, description="ISO 8601.")
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    writeKey: str | None = Field(None, description="The write key, when not sent as HTTP Basic user name.")


class SegmentBatch(BaseModel):
    batch: list[SegmentMessage]
    context: dict[str, Any] | None = None
    sentAt: str | None = None
    writeKey: str | None = Field(None, description="The write key for the whole batch, when not sent as HTTP Basic.")


def inline_schema(model: type[BaseModel] | dict) -> dict:
    """A JSON schema with its $defs inlined, to embed in the OpenAPI document as a request body."""
    schema = model if isinstance(model, dict) else model.model_json_schema()
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(dict(defs[ref.removeprefix("#/$defs/")]))
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(schema)


def json_body(schema: dict, description: str = "") -> dict:
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {"application/json": {"schema": schema}},
        }
    }


def records_body(model: type[BaseModel]) -> dict:
    return json_body(
        {
            "type": "object",
            "properties": {"records": {"type": "array", "items": inline_schema(model), "maxItems": 5000}},
            "required": ["records"],
        },
        "A bulk upsert: valid records are written, the others reported in failed_results.",
    )


def error_text(exc: ValidationError | ValueError) -> str:
    """A short, readable message of a record's validation errors."""
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error.get("loc", ())) or "record"
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
        return "; ".join(parts)
    return str(exc)
