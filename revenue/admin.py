from django.contrib import admin

from revenue.models import (
    Currency,
    ExchangeRate,
    Invoice,
    InvoiceLineItem,
    RevenueSettings,
    Subscription,
    SubscriptionHistory,
    SubscriptionLineItem,
)


@admin.register(RevenueSettings)
class RevenueSettingsAdmin(admin.ModelAdmin):
    list_display = ["base_currency", "updated_at"]


class ExchangeRateInline(admin.TabularInline):
    model = ExchangeRate
    extra = 0


@admin.register(Currency)
class CurrencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [ExchangeRateInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "date", "rate"]
    list_filter = ["currency"]
    date_hierarchy = "date"


class SubscriptionLineItemInline(admin.TabularInline):
    model = SubscriptionLineItem
    extra = 0


class SubscriptionHistoryInline(admin.TabularInline):
    """The states a subscription had before changes (read only: the services write them)."""

    model = SubscriptionHistory
    fields = ["until", "start_date", "end_date", "cycle_length", "cycle_unit", "amount", "currency"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["subscription_id", "account", "plan", "start_date", "end_date", "amount", "currency", "renews"]
    list_filter = ["currency", "renews", "cycle_unit"]
    search_fields = ["subscription_id", "plan", "account__name", "account__account_id"]
    raw_id_fields = ["account"]
    inlines = [SubscriptionLineItemInline, SubscriptionHistoryInline]


@admin.register(SubscriptionLineItem)
class SubscriptionLineItemAdmin(admin.ModelAdmin):
    list_display = ["subscription", "kind", "name", "quantity", "amount"]
    raw_id_fields = ["subscription"]


class InvoiceLineItemInline(admin.TabularInline):
    model = InvoiceLineItem
    extra = 0


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["invoice_id", "account", "issued_on", "amount", "currency", "is_paid", "is_failed"]
    list_filter = ["is_paid", "is_failed", "is_recurring", "currency"]
    search_fields = ["invoice_id", "account__name", "account__account_id"]
    raw_id_fields = ["account"]
    inlines = [InvoiceLineItemInline]


@admin.register(InvoiceLineItem)
class InvoiceLineItemAdmin(admin.ModelAdmin):
    list_display = ["invoice", "description", "quantity", "amount"]
    raw_id_fields = ["invoice"]
