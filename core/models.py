"""Abstract model mixins shared by every app, and the worker heartbeat."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class PipelineErrorMixin(models.Model):
    """Adds what broke when the scheduled pipeline last failed on this object (a metric, a list, a rule), so the
    page that configures it can say so; emptied by the next run that succeeds. Written by
    `core.pipeline.each_object`."""

    pipeline_error = models.TextField(blank=True, editable=False)
    pipeline_error_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat job that beat schedules; one row per worker host name."""

    worker = models.CharField(max_length=200, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        ordering = ["-beat_at"]

    def __str__(self) -> str:
        return f"{self.worker} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


class PipelineRunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partial (some objects failed)"
    FAILED = "failed", "Failed"


class PipelineRun(models.Model):
    """One run of the scheduled data pipeline (hourly or daily) for one day, with its steps."""

    kind = models.CharField(max_length=20)
    as_of = models.DateField()
    status = models.CharField(max_length=20, choices=PipelineRunStatus.choices, default=PipelineRunStatus.RUNNING)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    triggered_by = models.CharField(max_length=100, blank=True, help_text="schedule, command or a member's email")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"], name="pipeline_run_kind_started")]

    def __str__(self) -> str:
        return f"{self.kind} pipeline for {self.as_of} ({self.status})"

    @property
    def duration(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


class PipelineStepRun(models.Model):
    """One step of a pipeline run: how long it took, how many rows it wrote, and its error if it failed. A step that
    ran but skipped objects that failed is "partial"; `detail["failures"]` names each and why."""

    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=20, choices=PipelineRunStatus.choices, default=PipelineRunStatus.RUNNING)
    started_at = models.DateTimeField()
    duration_seconds = models.FloatField(null=True, blank=True)
    rows = models.BigIntegerField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run", "position"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxMessage(models.Model):
    """Something to deliver outside the database (an email, a webhook), written as a row before anything is sent.

    `key` is unique: whoever writes the same notification twice (a retried job, two workers) gets one row. A sender
    claims pending rows with `SELECT ... FOR UPDATE SKIP LOCKED`, delivers through the handler registered for
    `kind` (core.outbox) and marks the row sent in the same transaction, so two senders never deliver one row twice.
    A failed delivery is retried later with backoff, up to OUTBOX_MAX_ATTEMPTS, then kept as failed with its error.
    """

    kind = models.CharField(max_length=60)
    key = models.CharField(max_length=200, unique=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    available_at = models.DateTimeField(help_text="Not sent before this time (retries wait here).")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["available_at", "id"], name="outbox_pending_idx", condition=models.Q(status="pending")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.status})"
