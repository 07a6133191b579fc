"""List Explorer pages: the index, the builder (create and edit), a list's results, its CSV export, and the JSON
check of a conditions document."""

from __future__ import annotations

import csv
import datetime
import json
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from core.forms import apply_errors
from core.htmx import render_page
from core.params import query_date
from segments import selectors, services
from segments.columns import DEFAULT_COLUMNS, annotate_columns, list_columns, sort_expression
from segments.fields import Entity, catalogue_load
from segments.forms import (
    SegmentForm,
    builder_context,
    decorate,
    document_from_post,
    new_path,
    node_from_query,
    nodes_from_document,
)
from segments.models import ListSizeHistory, Segment, Visibility
from segments.schema import ConditionError

PER_PAGE = 50
EXPORT_CHUNK = 2000


def _entity(raw: str | None) -> str:
    return raw if raw in Entity.values else Entity.ACCOUNT


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The member's own lists and the shared ones, each with its last recorded size and what is broken."""
    latest = ListSizeHistory.objects.filter(segment=OuterRef("pk")).order_by("-date")
    segments = selectors.segments_visible_to(request.user)
    if selectors.sizes_visible_to(request.user):
        # Recorded sizes count every account: shown only to members who see them all.
        segments = segments.annotate(
            last_size=Subquery(latest.values("size")[:1]), last_date=Subquery(latest.values("date")[:1])
        )
    segments = list(segments)
    catalogues = {entity: catalogue_load(entity=entity) for entity in Entity.values}
    for segment in segments:
        segment.problem = selectors.segment_problem(segment, catalogue=catalogues[segment.entity])
    mine = [s for s in segments if s.owner_id == request.user.pk]
    shared = [s for s in segments if s.owner_id != request.user.pk]
    return render(request, "segments/segment_index.html", {"mine": mine, "shared": shared})


def _builder_page(request: HttpRequest, segment: Segment, *, status: int = 200, **extra: Any) -> HttpResponse:
    catalogue = extra.pop("catalogue", None) or catalogue_load(entity=segment.entity)
    form = extra.pop("form", None) or SegmentForm(instance=segment, catalogue=catalogue, as_of=selectors.today())
    root = extra.pop("root", None) or nodes_from_document(segment.conditions)
    decorate(root, catalogue)
    context = {"segment": segment, "form": form, "root": root, **builder_context(catalogue), **extra}
    return render(request, "segments/segment_form.html", context, status=status)


def _save(request: HttpRequest, segment: Segment) -> HttpResponse:
    catalogue = catalogue_load(entity=segment.entity)
    form = SegmentForm(request.POST, instance=segment, catalogue=catalogue, as_of=selectors.today())
    document = document_from_post(request.POST)
    root = nodes_from_document(document)
    if form.is_valid():
        try:
            services.segment_save(
                segment=form.instance,
                conditions=document,
                columns=form.cleaned_data["columns"],
                owner=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"List “{segment.name}” saved.")
            return redirect(segment)
    else:
        try:
            selectors.conditions_resolve(document, entity=segment.entity, catalogue=catalogue)
        except ConditionError as exc:
            form.add_error(None, exc.label)
    return _builder_page(request, segment, status=400, form=form, root=root, catalogue=catalogue)


@login_required
def create(request: HttpRequest) -> HttpResponse:
    """Build a new list: any member may create lists (they see only what they may see)."""
    entity = _entity(request.GET.get("entity") or request.POST.get("entity"))
    segment = Segment(entity=entity, owner=request.user, columns=list(DEFAULT_COLUMNS[entity]))
    if request.method == "POST":
        return _save(request, segment)
    return _builder_page(request, segment)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a list: its owner, or for a shared list a member who may configure product settings."""
    segment = selectors.segment_for(request.user, pk)
    if not selectors.segment_can_edit(request.user, segment):
        raise PermissionDenied("Only the owner (or, for a shared list, a member who configures settings) edits it.")
    if request.method == "POST":
        return _save(request, segment)
    return _builder_page(request, segment, problem=selectors.segment_problem(segment))


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_for(request.user, pk)
    if not selectors.segment_can_edit(request.user, segment):
        raise PermissionDenied("Only the owner (or, for a shared list, a member who configures settings) deletes it.")
    services.segment_delete(segment=segment)
    messages.success(request, f"List “{segment.name}” deleted.")
    return redirect("segments:index")


@login_required
@require_GET
def builder_row(request: HttpRequest) -> HttpResponse:
    """htmx: one builder row, new (`parent` and `type`) or re-drawn after its kind, field or operator changed."""
    catalogue = catalogue_load(entity=_entity(request.GET.get("entity")))
    parent = request.GET.get("parent", "")
    if parent:
        path = new_path(parent[:60])
        kind = request.GET.get("type", "attribute")
        data = request.GET.copy()
        data[f"{path}:type"] = kind
        node = node_from_query(data, path)
    else:
        path = request.GET.get("path", "")[:80]
        if not path.startswith("r-"):
            return HttpResponse("Unknown row.", status=400)
        node = node_from_query(request.GET, path)
    decorate(node, catalogue)
    return render(request, "segments/_node.html", {"node": node, **builder_context(catalogue)})


@login_required
@require_POST
def builder_count(request: HttpRequest) -> HttpResponse:
    """htmx: how many accounts (or contacts) the conditions being built match now, among those the member sees."""
    entity = _entity(request.POST.get("entity"))
    document = document_from_post(request.POST)
    context: dict[str, Any] = {}
    try:
        context["count"] = selectors.conditions_count(user=request.user, data=document, entity=entity)
    except ConditionError as exc:
        context["error"] = exc.label
    context["entity"] = entity
    return render(request, "segments/segment_form.html#match-count", context)


@login_required
@require_POST
def check(request: HttpRequest) -> JsonResponse:
    """JSON: `{"entity": "account", "conditions": {...}}` -> `{"count": n}`, or 400 with the part that is wrong:
    `{"error": "...", "field": "conditions.root.children.0.op"}`."""
    try:
        body = json.loads(request.body or b"{}")
    except RecursionError:
        return JsonResponse({"error": "The body nests too deeply.", "field": "conditions"}, status=400)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "The body is not JSON.", "field": ""}, status=400)
    if not isinstance(body, dict):
        return JsonResponse({"error": "Send an object with “conditions”.", "field": ""}, status=400)
    entity = body.get("entity", Entity.ACCOUNT)
    if entity not in Entity.values:
        return JsonResponse({"error": "entity is account or contact.", "field": "entity"}, status=400)
    try:
        count = selectors.conditions_count(user=request.user, data=body.get("conditions"), entity=entity)
    except ConditionError as exc:
        field = f"conditions.{exc.field}" if exc.field else "conditions"
        return JsonResponse({"error": exc.label, "field": field}, status=400)
    return JsonResponse({"count": count})


def _as_of(request: HttpRequest) -> datetime.date:
    """The day a list is evaluated on: `?as_of=YYYY-MM-DD` (1900-2199, else a 400 naming it), today by default."""
    return query_date(request.GET, "as_of") or selectors.today()


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A list's matching rows (the viewer's visible ones) with its columns, sorted and paginated, and its size
    over time. A broken list says what broke instead of failing."""
    segment = selectors.segment_for(request.user, pk)
    as_of = _as_of(request)
    catalogue = catalogue_load(entity=segment.entity)
    columns, missing = list_columns(segment.columns, segment.conditions, catalogue, as_of)
    sort = request.GET.get("sort") or segment.sort or "field:name"
    context: dict[str, Any] = {
        "segment": segment,
        "columns": columns,
        "missing_columns": missing,
        "sort": sort,
        "as_of": as_of,
        "can_edit": selectors.segment_can_edit(request.user, segment),
    }
    try:
        qs = selectors.conditions_queryset(
            user=request.user, data=segment.conditions, entity=segment.entity, as_of=as_of, catalogue=catalogue
        )
    except ConditionError as exc:
        context["problem"] = exc.label
    else:
        qs = annotate_columns(qs, columns, entity=segment.entity, as_of=as_of)
        qs = qs.order_by(*sort_expression(sort, columns, entity=segment.entity, as_of=as_of))
        with selectors.list_query_settings():
            page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
            context["page"] = page
            context["rows"] = [
                (row, [column.display(getattr(row, column.alias)) for column in columns]) for row in page.object_list
            ]
    if not request.htmx:
        context["chart"] = selectors.size_chart(segment, request.user)
        context["sizes_hidden"] = not selectors.sizes_visible_to(request.user)
    return render_page(request, "segments/segment_detail.html", context, partial="results")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell safe to open in a spreadsheet: text that starts like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def export(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole list (the rows the viewer may see) as CSV, streamed in chunks."""
    segment = selectors.segment_for(request.user, pk)
    as_of = _as_of(request)
    catalogue = catalogue_load(entity=segment.entity)
    columns, _ = list_columns(segment.columns, segment.conditions, catalogue, as_of)
    # The id and the name lead every row: a chosen id or name column is not written a second time.
    columns = [c for c in columns if c.key not in ("field:name", "field:account_id", "field:user_id")]
    try:
        qs = selectors.conditions_queryset(
            user=request.user, data=segment.conditions, entity=segment.entity, as_of=as_of, catalogue=catalogue
        )
    except ConditionError as exc:
        messages.error(request, f"This list cannot be exported: {exc.label}")
        return redirect(segment)
    qs = annotate_columns(qs, columns, entity=segment.entity, as_of=as_of).order_by(
        *sort_expression(segment.sort or "field:name", columns, entity=segment.entity, as_of=as_of)
    )
    id_field = "account_id" if segment.entity == Entity.ACCOUNT else "user_id"
    values = qs.values_list(id_field, "name", *[column.alias for column in columns])

    def rows() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow([id_field.replace("_", " "), "name", *[column.label for column in columns]])
        for row in values.iterator(chunk_size=EXPORT_CHUNK):
            yield writer.writerow([csv_cell(cell) for cell in row])

    filename = f"{slugify(segment.name) or 'list'}-{as_of}.csv"
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def visibility_label(segment: Segment) -> str:
    return Visibility(segment.visibility).label
