from django.contrib import admin

from playbooks.models import Playbook, PlaybookItem


class ItemInline(admin.TabularInline):
    model = PlaybookItem
    extra = 0


@admin.register(Playbook)
class PlaybookAdmin(admin.ModelAdmin):
    list_display = ["name", "example_key", "updated_at"]
    search_fields = ["name"]
    inlines = [ItemInline]
