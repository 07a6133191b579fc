"""htmx helpers: render a page, or just one of its partials for a non-boosted htmx request."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_partial_request(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def render_page(
    request: HttpRequest, template: str, context: dict, *, partial: str | None = None, status: int = 200
) -> HttpResponse:
    """Render `template`, or its `partial` (a `{% partialdef %}` name) when htmx asked for a fragment."""
    name = f"{template}#{partial}" if partial and is_partial_request(request) else template
    return render(request, name, context, status=status)
