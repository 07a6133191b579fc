"""Abstract model mixins shared by every app, and the worker heartbeat."""

from django.db import models


class TimeStampedModel(models.Model):
    """Adds creation and last-change times."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

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
    """One step of a pipeline run: how long it took, how many rows it wrote, and its error if it failed."""

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
