from django.contrib import admin

from core.models import OutboxMessage, PipelineRun, PipelineStepRun, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "beat_at"]
    readonly_fields = ["worker", "beat_at"]


class PipelineStepInline(admin.TabularInline):
    model = PipelineStepRun
    fields = ["position", "name", "status", "duration_seconds", "rows", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(PipelineRun)
class PipelineRunAdmin(admin.ModelAdmin):
    """Every pipeline run with its steps, durations, row counts and errors."""

    list_display = ["as_of", "kind", "status", "started_at", "duration", "triggered_by"]
    list_filter = ["kind", "status"]
    date_hierarchy = "started_at"
    readonly_fields = ["kind", "as_of", "status", "started_at", "finished_at", "triggered_by"]
    inlines = [PipelineStepInline]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(PipelineStepRun)
class PipelineStepRunAdmin(admin.ModelAdmin):
    list_display = ["run", "position", "name", "status", "duration_seconds", "rows"]
    list_filter = ["status", "name"]
    readonly_fields = ["run", "name", "position", "status", "started_at", "duration_seconds", "rows", "detail", "error"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["key", "kind", "status", "attempts", "available_at", "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["key"]
    readonly_fields = ["kind", "key", "payload", "attempts", "created_at", "sent_at", "last_error"]
