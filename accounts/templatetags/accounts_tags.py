"""Template filters of the accounts pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

from core.formatting import EMPTY, format_value

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """mapping[key] for dicts and query dicts; None when absent."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def attr(obj: Any, name: str) -> Any:
    """A plain attribute of an object (used for list columns named by field)."""
    if name.startswith("_"):
        return None
    return getattr(obj, name, None)


def _cell(account: Any, column: Any) -> str:
    key = column.key
    if key in ("tier", "stage"):
        value = getattr(account, key)
        return conditional_escape(value) if value else EMPTY
    if key == "csms":
        if not account.csm_list:
            return '<span class="text-body-secondary">Unassigned</span>'
        return conditional_escape(", ".join(csm.display_name for csm in account.csm_list))
    if key == "status":
        return conditional_escape(account.status_title) if account.status_title else EMPTY
    if key == "parent":
        parent = account.parent
        if parent is None:
            return EMPTY
        return format_html('<a href="{}">{}</a>', reverse("accounts:detail", args=[parent.pk]), parent.name)
    if column.dimension is not None:
        return conditional_escape(format_value(account.dims.get(key)))
    if column.extra is not None:
        fact = account.extras.get(key)
        if not fact:
            return EMPTY
        arrow = fact.trend_arrow
        if arrow:
            return format_html(
                '<span class="text-nowrap">{} <span title="{}" aria-label="{}">{}</span></span>',
                fact.value,
                fact.trend_label,
                fact.trend_label,
                arrow,
            )
        return format_html('<span class="text-nowrap">{}</span>', fact.value)
    return conditional_escape(format_value(attr(account, key)))


@register.simple_tag
def account_cells(account: Any, columns: list) -> str:
    """The `<td>` cells of one account list row for the chosen columns. Built in Python rather than with a template
    branch per cell: a page of 25 rows and ten columns would otherwise evaluate a dozen template conditions per cell,
    which costs more than every query of the page. Text is escaped; only the markup here is trusted."""
    return mark_safe("".join(f"<td>{_cell(account, column)}</td>" for column in columns))  # noqa: S308
