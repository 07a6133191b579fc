from django.contrib import admin

from accounts.models import (
    Account,
    AccountContact,
    AccountCSM,
    AccountDimensionValue,
    AccountListPreference,
    AssignmentHistory,
    Contact,
    ContactDimensionValue,
    CustomDimension,
    Document,
    ImportJob,
    Interaction,
    InteractionType,
    Note,
    NpsResponse,
    PurgedAccountId,
    Stage,
    StageHistory,
    SupportTicket,
    TicketOption,
    Tier,
)


class AccountCSMInline(admin.TabularInline):
    model = AccountCSM
    fk_name = "account"
    extra = 0
    raw_id_fields = ["user", "assigned_by"]


class AccountDimensionValueInline(admin.TabularInline):
    model = AccountDimensionValue
    extra = 0


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "account_id", "tier", "stage", "csm_score", "nps", "join_date", "churned_on", "is_deleted"]
    list_filter = ["tier", "stage", "is_deleted", ("churned_on", admin.EmptyFieldListFilter), "industry"]
    search_fields = ["name", "account_id", "crm_account_id", "billing_account_id", "support_account_id"]
    raw_id_fields = ["parent"]
    list_select_related = ["tier", "stage"]
    date_hierarchy = "join_date"
    inlines = [AccountCSMInline, AccountDimensionValueInline]
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "user_id", "email", "title", "role", "last_seen", "email_opt_out"]
    list_filter = ["email_opt_out", "role"]
    search_fields = ["name", "email", "user_id"]
    show_full_result_count = False


@admin.register(AccountContact)
class AccountContactAdmin(admin.ModelAdmin):
    list_display = ["contact", "account", "created_at"]
    raw_id_fields = ["contact", "account"]
    search_fields = ["account__name", "account__account_id", "contact__email", "contact__name"]


@admin.register(AccountCSM)
class AccountCSMAdmin(admin.ModelAdmin):
    list_display = ["account", "user", "assigned_at", "assigned_by"]
    list_filter = ["user"]
    raw_id_fields = ["account"]
    search_fields = ["account__name", "account__account_id", "user__email"]


@admin.register(AssignmentHistory)
class AssignmentHistoryAdmin(admin.ModelAdmin):
    list_display = ["account", "user", "started_at", "ended_at", "changed_by"]
    list_filter = ["user"]
    raw_id_fields = ["account"]
    search_fields = ["account__name", "account__account_id"]


@admin.register(StageHistory)
class StageHistoryAdmin(admin.ModelAdmin):
    list_display = ["account", "stage", "start", "end"]
    list_filter = ["stage"]
    raw_id_fields = ["account"]
    search_fields = ["account__name", "account__account_id"]


@admin.register(NpsResponse)
class NpsResponseAdmin(admin.ModelAdmin):
    list_display = ["account", "score", "date", "respondent", "survey"]
    list_filter = ["score", "survey"]
    raw_id_fields = ["account", "contact"]
    search_fields = ["account__name", "respondent", "comment"]


@admin.register(Stage, Tier, InteractionType)
class PicklistAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    search_fields = ["name"]
    ordering = ["order", "name"]


@admin.register(TicketOption)
class TicketOptionAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "order", "is_closed"]
    list_filter = ["kind", "is_closed"]
    search_fields = ["name"]


@admin.register(CustomDimension)
class CustomDimensionAdmin(admin.ModelAdmin):
    list_display = ["label", "key", "entity", "data_type", "order"]
    list_filter = ["entity", "data_type"]
    search_fields = ["label", "key"]


@admin.register(AccountDimensionValue)
class AccountDimensionValueAdmin(admin.ModelAdmin):
    list_display = ["account", "dimension", "value_text", "value_number", "value_date"]
    list_filter = ["dimension"]
    raw_id_fields = ["account"]


@admin.register(ContactDimensionValue)
class ContactDimensionValueAdmin(admin.ModelAdmin):
    list_display = ["contact", "dimension", "value_text", "value_number", "value_date"]
    list_filter = ["dimension"]
    raw_id_fields = ["contact"]


@admin.register(Interaction)
class InteractionAdmin(admin.ModelAdmin):
    list_display = ["subject", "account", "type", "date", "author"]
    list_filter = ["type", "author"]
    raw_id_fields = ["account", "contacts"]
    search_fields = ["subject", "body", "account__name", "external_id"]
    date_hierarchy = "date"
    show_full_result_count = False


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["__str__", "account", "author", "created_at"]
    raw_id_fields = ["account"]
    search_fields = ["body", "account__name"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "file", "url", "uploaded_by", "created_at"]
    raw_id_fields = ["account"]
    search_fields = ["name", "description", "account__name"]


@admin.register(SupportTicket)
class SupportTicketAdmin(admin.ModelAdmin):
    list_display = ["subject", "ticket_id", "account", "status", "priority", "type", "opened_at", "closed_at"]
    list_filter = ["status", "priority", "type"]
    raw_id_fields = ["account", "requester"]
    search_fields = ["subject", "ticket_id", "account__name"]
    date_hierarchy = "opened_at"
    show_full_result_count = False


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = [
        "filename",
        "target",
        "status",
        "total_rows",
        "valid_rows",
        "error_rows",
        "uploaded_by",
        "created_at",
    ]
    list_filter = ["target", "status"]
    readonly_fields = ["errors", "preview_rows"]


@admin.register(AccountListPreference)
class AccountListPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "per_page"]


@admin.register(PurgedAccountId)
class PurgedAccountIdAdmin(admin.ModelAdmin):
    list_display = ["account_id", "name", "purged_at"]
    search_fields = ["account_id", "name"]
