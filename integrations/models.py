"""Data sources and their API keys, the API call log, and processed webhook deliveries."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel

API_CALL_LOG_SIZE = 1000


class SourceKind(models.TextChoices):
    API = "api", "API (Event API and Account API)"
    SEGMENT = "segment", "Segment"
    STRIPE = "stripe", "Stripe"
    ZENDESK = "zendesk", "Zendesk"
    CSV = "csv", "CSV upload"


def new_public_id() -> str:
    return secrets.token_hex(8)


class Source(TimeStampedModel):
    """A system that sends us data. Its kind decides which endpoints its keys open (another kind's key: 403).

    `public_id` is not a secret: it names the source in URLs (the Event API's auth key, webhook URLs).
    Stripe and Zendesk sources keep the signing secret their webhooks are verified with (it must be readable
    to verify, so it is stored as given, and never shown back in full).
    """

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=SourceKind.choices)
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    webhook_secret = models.CharField("webhook signing secret", max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("integrations:source_detail", args=[self.pk])

    @property
    def uses_webhooks(self) -> bool:
        return self.kind in (SourceKind.STRIPE, SourceKind.ZENDESK)


class ApiKey(models.Model):
    """A key of a source. Only its SHA-256 is stored, with a short prefix to tell keys apart; shown once."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="keys")
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.source})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class CallStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    PARTIAL = "partial", "Partial"
    FAILURE = "failure", "Failure"


class ApiCall(models.Model):
    """One API call or webhook delivery of a source, for its API status page; the last 1,000 per source are kept."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="calls")
    at = models.DateTimeField()
    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=200)
    status_code = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=CallStatus.choices)
    records = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.CharField("error summary", max_length=500, blank=True)

    class Meta:
        verbose_name = "API call"
        ordering = ["-id"]
        indexes = [models.Index(fields=["source", "-id"], name="int_call_source_idx")]

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} {self.status_code}"


class WebhookEvent(models.Model):
    """A webhook delivery already processed, by the provider's event id: a replay is acknowledged and skipped."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="webhook_events")
    event_id = models.CharField(max_length=200)
    event_type = models.CharField(max_length=100, blank=True)
    received_at = models.DateTimeField()
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "event_id"], name="int_webhook_event_unique"),
            models.CheckConstraint(condition=~Q(event_id=""), name="int_webhook_event_id_set"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id}"


class StripeObjectKind(models.TextChoices):
    COUPON = "coupon", "Coupon"
    DISCOUNT = "discount", "Discount"


class StripeObject(models.Model):
    """A Stripe coupon or discount as last received by webhook (`coupon.*`, `customer.discount.*`).

    Stripe's subscriptions name their discounts by id (and a discount names its coupon by id) unless expanded, so a
    subscription can only be priced with the coupons and discounts seen before it.
    """

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="stripe_objects")
    object_id = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, choices=StripeObjectKind.choices)
    data = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "kind", "object_id"], name="int_stripe_object_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
