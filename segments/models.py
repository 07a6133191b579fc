"""Saved lists (segments) of accounts or contacts, and their daily size history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from core.models import PipelineErrorMixin, TimeStampedModel
from segments.fields import Entity


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private (only me)"
    SHARED = "shared", "Shared with the team"


class Segment(PipelineErrorMixin, TimeStampedModel):
    """A list: a saved, self-updating set of accounts or contacts defined by conditions (SPEC section 6).

    `conditions` holds the versioned document of `segments.schema`; `columns` the keys of the columns the result
    table shows (`field:<key>`, `dim:<key>`, `metric:<key>`); `sort` a column key, `-` first for descending.
    Example lists installed with the product have no owner and an `example_key`. When the daily pipeline last
    failed to count it, `pipeline_error` says why.
    """

    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    entity = models.CharField(max_length=20, choices=Entity.choices, default=Entity.ACCOUNT)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="segments"
    )
    visibility = models.CharField(max_length=20, choices=Visibility.choices, default=Visibility.PRIVATE)
    conditions = models.JSONField(default=dict, blank=True)
    columns = models.JSONField(default=list, blank=True)
    sort = models.CharField(max_length=120, default="field:name", blank=True)
    example_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = "list"
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["owner", "visibility"], name="seg_owner_vis_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("segments:detail", args=[self.pk])

    @property
    def is_shared(self) -> bool:
        return self.visibility == Visibility.SHARED


class ListSizeHistory(models.Model):
    """How many accounts (or contacts) a list held on a day, recorded by the daily pipeline."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="size_history")
    date = models.DateField()
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Empty when the list could not be evaluated.")
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "list size"
        verbose_name_plural = "list size history"
        ordering = ["segment", "date"]
        constraints = [models.UniqueConstraint(fields=["segment", "date"], name="seg_size_unique_day")]

    def __str__(self) -> str:
        return f"{self.segment_id}@{self.date}={self.size}"
