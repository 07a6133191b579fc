from django.contrib import admin

from healthscore.models import (
    HealthBackfill,
    HealthComponent,
    HealthConfiguration,
    HealthConfigurationVersion,
    HealthCriterion,
    HealthScore,
    HealthSettings,
)


class ComponentInline(admin.TabularInline):
    model = HealthComponent
    extra = 0


@admin.register(HealthConfiguration)
class HealthConfigurationAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "is_active", "priority", "segment", "version", "problem"]
    list_filter = ["is_active", "is_default"]
    search_fields = ["name"]
    raw_id_fields = ["segment"]
    inlines = [ComponentInline]


@admin.register(HealthCriterion)
class HealthCriterionAdmin(admin.ModelAdmin):
    list_display = ["component", "source", "metric_key", "dimension_key", "aggregation", "window_days", "low", "high"]
    raw_id_fields = ["component"]


@admin.register(HealthConfigurationVersion)
class HealthConfigurationVersionAdmin(admin.ModelAdmin):
    list_display = ["configuration", "version", "created_at"]
    raw_id_fields = ["configuration"]


@admin.register(HealthScore)
class HealthScoreAdmin(admin.ModelAdmin):
    list_display = ["account", "date", "score", "missing_weight", "configuration", "version"]
    list_filter = ["date"]
    raw_id_fields = ["account", "configuration"]
    show_full_result_count = False


@admin.register(HealthSettings)
class HealthSettingsAdmin(admin.ModelAdmin):
    list_display = ["red_max", "yellow_max"]


@admin.register(HealthBackfill)
class HealthBackfillAdmin(admin.ModelAdmin):
    list_display = ["configuration", "first_day", "last_day", "days_done", "status", "created_at"]
    raw_id_fields = ["configuration", "requested_by"]
