"""CSV imports: an uploaded file, its preview and the outcome of committing it."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimeStampedModel


class ImportStatus(models.TextChoices):
    VALIDATING = "validating", "Checking the file"
    PREVIEW = "preview", "Ready to import"
    COMMITTING = "committing", "Importing"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"


class ImportJob(TimeStampedModel):
    """One CSV upload for an import target (accounts, contacts, ...): checked, previewed, then committed.

    `errors` holds [{"line": n, "field": name, "message": text}] (capped); the counts describe the last run.
    """

    target = models.CharField(max_length=40)
    filename = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    source_id = models.BigIntegerField(
        default=0, help_text="The integrations source that sent it (0: uploaded on the page)."
    )
    status = models.CharField(max_length=20, choices=ImportStatus.choices, default=ImportStatus.VALIDATING)
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    error_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    file_error = models.TextField(blank=True)
    preview_rows = models.JSONField(default=list, blank=True)
    background = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.target} import {self.filename} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.COMMITTING)
