"""Template filters of the accounts pages."""

from __future__ import annotations

from typing import Any

from django import template

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
