from django.contrib import admin

from integrations.models import ApiCall, ApiKey, Source, StripeObject, WebhookEvent


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    fields = ["prefix", "created_at", "created_by", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "created_by"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are issued from the settings page, which shows them once


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "public_id", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "public_id"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    exclude = ["webhook_secret"]
    inlines = [ApiKeyInline]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "source", "created_at", "revoked_at"]
    list_filter = ["source__kind"]
    readonly_fields = ["prefix", "key_hash", "source", "created_at", "created_by"]


@admin.register(ApiCall)
class ApiCallAdmin(admin.ModelAdmin):
    list_display = ["at", "source", "method", "endpoint", "status_code", "status", "records", "failed", "error"]
    list_filter = ["status", "source"]
    show_full_result_count = False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["received_at", "source", "event_type", "event_id", "outcome"]
    list_filter = ["source", "event_type"]
    search_fields = ["event_id"]


@admin.register(StripeObject)
class StripeObjectAdmin(admin.ModelAdmin):
    list_display = ["object_id", "kind", "source", "updated_at"]
    list_filter = ["kind", "source"]
    search_fields = ["object_id"]
    readonly_fields = ["source", "kind", "object_id", "data", "updated_at"]
