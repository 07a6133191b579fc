from django import template

from team.models import WorkspaceSettings

register = template.Library()
DEFAULT_COMPANY_NAME = WorkspaceSettings._meta.get_field("company_name").default


@register.simple_tag
def workspace_name() -> str:
    """The workspace's company name, or "" while it is still the default placeholder."""
    name = WorkspaceSettings.objects.values_list("company_name", flat=True).first() or ""
    return "" if name == DEFAULT_COMPANY_NAME else name
