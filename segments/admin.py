from django.contrib import admin

from segments.models import ListSizeHistory, Segment


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "entity", "owner", "visibility", "example_key", "updated_at"]
    list_filter = ["entity", "visibility"]
    search_fields = ["name", "description"]
    raw_id_fields = ["owner"]


@admin.register(ListSizeHistory)
class ListSizeHistoryAdmin(admin.ModelAdmin):
    list_display = ["segment", "date", "size", "problem"]
    list_filter = ["date"]
    raw_id_fields = ["segment"]
    date_hierarchy = "date"
