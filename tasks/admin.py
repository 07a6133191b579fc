from django.contrib import admin

from tasks.models import Notification, NotificationSettings, Subtask, Task


class SubtaskInline(admin.TabularInline):
    model = Subtask
    extra = 0
    fields = ["position", "title", "due_date", "owner", "done", "done_at"]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "account", "owner", "priority", "due_date", "status", "outcome", "source"]
    list_filter = ["status", "priority", "source", "outcome"]
    search_fields = ["title", "account__name", "owner__email"]
    raw_id_fields = ["account", "owner", "created_by"]
    filter_horizontal = ["subscribers"]
    inlines = [SubtaskInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "event", "created_at", "read_at"]
    list_filter = ["event"]
    search_fields = ["title", "recipient__email"]
    raw_id_fields = ["recipient", "task", "account"]


@admin.register(NotificationSettings)
class NotificationSettingsAdmin(admin.ModelAdmin):
    list_display = ["user", "email_new", "email_reassigned", "email_updated", "email_overdue", "daily_digest"]
