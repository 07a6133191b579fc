from django.contrib import admin

from usage.models import CustomMetricValue, Event, EventCursor


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["occurred_at", "action", "account_id", "user_id", "module", "feature", "quantity", "source_id"]
    list_filter = ["action"]
    search_fields = ["account_id", "user_id", "event_id", "feature", "module"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # append-only


@admin.register(CustomMetricValue)
class CustomMetricValueAdmin(admin.ModelAdmin):
    list_display = ["metric", "account_id", "timestamp", "value", "source_id", "received_at"]
    search_fields = ["metric", "account_id"]
    show_full_result_count = False


@admin.register(EventCursor)
class EventCursorAdmin(admin.ModelAdmin):
    list_display = ["name", "last_event_id", "updated_at"]
