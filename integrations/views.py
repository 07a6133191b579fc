"""Settings pages of data sources: list, create, keys (shown once, rotate, revoke), API status."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.htmx import render_page
from integrations import selectors, services
from integrations.forms import SourceCreateForm, SourceEditForm
from integrations.models import ApiKey, Source, SourceKind
from team.decorators import team_permission_required
from team.models import TeamPermission

CONNECTORS = TeamPermission.CONFIGURE_CONNECTORS


def _endpoints(request: HttpRequest, source: Source) -> dict[str, str]:
    base = request.build_absolute_uri("/").rstrip("/")
    if source.kind == SourceKind.API:
        return {
            "Event API": f"{base}/v1/{source.public_id}/<api key>",
            "Account API": f"{base}/api/v2/accounts?api_key=<api key>",
        }
    if source.kind == SourceKind.SEGMENT:
        return {"Segment host": base, "Batch endpoint": f"{base}/v1/batch"}
    if source.kind == SourceKind.STRIPE:
        return {"Stripe webhook URL": f"{base}/webhooks/stripe/{source.public_id}/"}
    if source.kind == SourceKind.ZENDESK:
        return {"Zendesk webhook URL": f"{base}/webhooks/zendesk/{source.public_id}/"}
    if source.kind == SourceKind.CSV:
        return {"CSV import (POST the file)": f"{base}/api/v2/imports/<target>?api_key=<api key>"}
    return {}


@team_permission_required(CONNECTORS)
def sources(request: HttpRequest) -> HttpResponse:
    """Every data source with its kind and state."""
    return render(request, "integrations/sources.html", {"sources": selectors.sources_list()})


@team_permission_required(CONNECTORS)
def source_create(request: HttpRequest) -> HttpResponse:
    """Create a source; its first key is shown once."""
    form = SourceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            source, key = services.source_create(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if key is None:
                messages.success(request, f"Source {source.name} created.")
                return redirect(source)
            return _key_once(request, source, key)
    return render(request, "integrations/source_create.html", {"form": form})


def _key_once(request: HttpRequest, source: Source, key: str) -> HttpResponse:
    response = render(
        request,
        "integrations/key_once.html",
        {"source": source, "key": key, "endpoints": _endpoints(request, source)},
    )
    response["Cache-Control"] = "no-store"
    return response


@team_permission_required(CONNECTORS)
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A source: its endpoints, keys, settings and latest calls."""
    source = get_object_or_404(Source, pk=pk)
    form = SourceEditForm(request.POST or None, initial={"name": source.name, "is_active": source.is_active})
    if request.method == "POST" and form.is_valid():
        try:
            services.source_update(source=source, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, "Source saved.")
            return redirect(source)
    context = {
        "source": source,
        "form": form,
        "keys": selectors.source_keys(source=source),
        "calls": selectors.source_calls(source=source, limit=10),
        "endpoints": _endpoints(request, source),
    }
    return render(request, "integrations/source_detail.html", context)


@team_permission_required(CONNECTORS)
def source_calls(request: HttpRequest, pk: int) -> HttpResponse:
    """The API status page: the source's last 1,000 calls."""
    source = get_object_or_404(Source, pk=pk)
    status = request.GET.get("status", "")
    calls = selectors.source_calls(source=source)
    if status in ("success", "partial", "failure"):
        calls = [call for call in calls if call.status == status]
    return render_page(
        request, "integrations/source_calls.html", {"source": source, "calls": calls, "status": status}, partial="calls"
    )


@team_permission_required(CONNECTORS)
@require_POST
def key_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a key to a source (the others keep working)."""
    source = get_object_or_404(Source, pk=pk)
    try:
        _, key = services.api_key_issue(source=source, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(source)
    return _key_once(request, source, key)


@team_permission_required(CONNECTORS)
@require_POST
def key_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """Replace every key of a source by a new one."""
    source = get_object_or_404(Source, pk=pk)
    try:
        _, key = services.api_key_rotate(source=source, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(source)
    return _key_once(request, source, key)


@team_permission_required(CONNECTORS)
@require_POST
def key_revoke(request: HttpRequest, pk: int, key_pk: int) -> HttpResponse:
    """Revoke one key of a source."""
    key = get_object_or_404(ApiKey, pk=key_pk, source_id=pk)
    services.api_key_revoke(key=key)
    messages.success(request, f"Key {key.prefix}… revoked.")
    return redirect(key.source)


@team_permission_required(CONNECTORS)
@require_POST
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete a source with its keys and call log (the data it sent stays)."""
    source = get_object_or_404(Source, pk=pk)
    services.source_delete(source=source)
    messages.success(request, f"Source {source.name} deleted.")
    return redirect("integrations:sources")
