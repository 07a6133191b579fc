from django import forms, template
from django.utils.html import format_html

from core.navigation import settings_links_for

register = template.Library()


@register.filter
def bs(field):
    """Render a bound field's widget with the Bootstrap class that fits it, marking invalid fields."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        css = "form-check-input"
    elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return field.as_widget()
    elif isinstance(widget, forms.Select):
        css = "form-select"
    else:
        css = "form-control"
    if field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}_error"
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.simple_tag(takes_context=True)
def settings_links(context):
    request = context.get("request")
    return settings_links_for(request.user) if request else []


@register.simple_tag
def status_badge(ok: bool, yes: str = "OK", no: str = "Down"):
    return format_html('<span class="badge text-bg-{}">{}</span>', "success" if ok else "danger", yes if ok else no)


@register.filter
def attr_yes(obj, name: str) -> bool:
    return bool(getattr(obj, name, False))


@register.simple_tag(takes_context=True)
def is_current(context, url: str) -> bool:
    """Whether `url` is the current page's area: the page itself, or a page below it (but "/" only itself)."""
    request = context.get("request")
    if request is None:
        return False
    return request.path == url or (url != "/" and request.path.startswith(url))


@register.filter
def chart_json(figure: dict) -> str:
    """A plotly figure (a dict of data, layout and config) as JSON for a `data-chart` attribute, which
    static/js/charts.js draws; left unmarked so that the template escapes it for the attribute."""
    import json

    return json.dumps(figure, separators=(",", ":"), default=str)
