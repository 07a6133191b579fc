"""The account list: views, search, filters, chosen columns, sorting, pages, bulk actions and the CSV export.

Its summary panels are separate pages (accounts.views.summary), loaded after the table."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import forms, panels, selectors, services
from accounts.constants import BULK_MAX_ACCOUNTS
from accounts.models import Account, DimensionEntity
from accounts.selectors import AccountView
from accounts.views.common import can_update
from core.formatting import plain_value
from core.forms import safe_next
from core.htmx import render_page
from team.decorators import team_permission_required
from team.models import TeamPermission

UPDATE = TeamPermission.UPDATE_ACCOUNTS


# The list --------------------------------------------------------------------------------------------------------


def list_state(request: HttpRequest, params: QueryDict | None = None) -> dict[str, Any]:
    """Everything the list, its export and its bulk actions need: filters, columns, the sorted queryset (of the
    request's query string, or of `params`)."""
    user = request.user
    dimensions = selectors.dimensions_for(DimensionEntity.ACCOUNT)
    columns = selectors.list_columns(dimensions)
    chosen_keys, per_page = selectors.list_preference(user)
    chosen = [columns[key] for key in chosen_keys if key in columns]
    extra_views = {view["key"]: view for view in panels.extra_list_views(user)}
    filters = forms.list_filters(
        request.GET if params is None else params,
        user=user,
        dimensions=dimensions,
        extra_views=frozenset(extra_views),
        ranged=frozenset(key for key, column in columns.items() if column.extra is not None),
    )
    base, view_problem = None, ""
    if filters.view in extra_views:
        try:
            base = extra_views[filters.view]["queryset"]()
        except ValueError as exc:
            base, view_problem = Account.objects.none(), str(exc)
    qs = selectors.account_list(user=user, filters=filters, columns=columns, base=base)
    return {
        # What the page paginates (the same accounts in the same order, read a page at a time); lazy like `qs`.
        "pages": selectors.account_list_pages(user=user, filters=filters, columns=columns, base=base),
        "extra_views": list(extra_views.values()),
        "view_problem": view_problem,
        "dimensions": dimensions,
        "columns": columns,
        "chosen": chosen,
        "per_page": per_page,
        "filters": filters,
        "qs": qs,
    }


def _query(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", [])}, doseq=True)


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    """The account list: views, search, filters, sortable chosen columns, pages, bulk actions; the summary panels
    beside it load on their own (accounts.views.summary) with the same query string."""
    state = list_state(request)
    filters = state["filters"]
    paginator = Paginator(state["pages"], state["per_page"])
    page = paginator.get_page(request.GET.get("page"))
    rows = selectors.account_list_page(list(page.object_list), state["chosen"])
    params = {k: request.GET.getlist(k) for k in request.GET if k != "page"}
    sort_links = {}
    for key in ["name", *[c.key for c in state["chosen"] if c.sort is not None]]:
        active = filters.sort == key or (key == "name" and filters.sort not in state["columns"])
        next_sort = f"-{key}" if active and not filters.descending else key
        sort_links[key] = {
            "query": _query(params, sort=next_sort),
            "active": active,
            "descending": active and filters.descending,
        }
    visible_views = [
        (key, label)
        for key, label in AccountView.LABELS.items()
        if key != AccountView.DELETED or can_update(request.user)
    ] + [(view["key"], view["label"]) for view in state["extra_views"]]
    context = {
        **state,
        "page": page,
        "rows": rows,
        "summary_panels": panels.list_summary_panels(),
        "views": visible_views,
        "params_query": _query(params),
        "page_query": _query(params),
        "sort_links": sort_links,
        "tiers": selectors.tiers_list(),
        "stages": selectors.stages_list(),
        "csm_choices": selectors.csm_candidates(),
        "can_update": can_update(request.user),
        "bulk_form": forms.BulkActionForm() if can_update(request.user) else None,
        "bulk_max": BULK_MAX_ACCOUNTS,
        # The column checkboxes are drawn by the template from these (the form's own widget renders a template
        # per choice, which costs more than the whole table); the form still validates what is posted.
        "column_choices": [(key, column.label) for key, column in state["columns"].items()],
        "chosen_keys": {c.key for c in state["chosen"]},
        "columns_form": forms.ColumnsForm(
            initial={"columns": [c.key for c in state["chosen"]], "per_page": state["per_page"]},
            columns=state["columns"],
        ),
        "has_filters": bool(
            filters.q or filters.tiers or filters.stages or filters.csm or filters.dimensions or filters.ranges
        ),
        "range_columns": [
            c
            for c in state["columns"].values()
            if c.extra is not None and (c in state["chosen"] or c.key in filters.ranges)
        ],
    }
    return render_page(request, "accounts/account_list.html", context, partial="results")


def _csv_safe(value: Any) -> str:
    """A cell for a CSV export: ISO dates and plain numbers (core.formatting.plain_value); text a spreadsheet would
    run as a formula is prefixed with an apostrophe (a number, even a negative one, is left as it is)."""
    text = plain_value(value)
    if isinstance(value, (int, float, Decimal)):
        return text
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def account_export(request: HttpRequest) -> StreamingHttpResponse:
    """The current list (same view, filters and sort) as CSV, with the member's columns."""
    state = list_state(request)
    chosen = state["chosen"]
    writer = csv.writer(_Echo())

    def cell(account: Account, key: str) -> Any:
        if state["columns"][key].extra is not None:
            fact = account.extras.get(key)
            return None if fact is None else fact.raw
        if key == "tier":
            return account.tier
        if key == "stage":
            return account.stage
        if key == "csms":
            return "; ".join(u.email for u in account.csm_list)
        if key == "status":
            return account.status_title
        if key == "parent":
            return account.parent.account_id if account.parent else ""
        if key.startswith("dim_"):
            return account.dims.get(key)
        return getattr(account, key)

    def rows() -> Iterator[str]:
        yield writer.writerow(["name", *[c.key for c in chosen]])
        batch: list[Account] = []
        for account in state["qs"].select_related("tier", "stage", "parent").iterator(chunk_size=2000):
            batch.append(account)
            if len(batch) == 2000:
                yield from _export_batch(batch)
                batch = []
        if batch:
            yield from _export_batch(batch)

    def _export_batch(batch: list[Account]) -> Iterator[str]:
        selectors.account_list_page(batch, chosen)
        for account in batch:
            yield writer.writerow([_csv_safe(account.name), *[_csv_safe(cell(account, c.key)) for c in chosen]])

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="accounts-{timezone.localdate():%Y%m%d}.csv"'
    return response


@login_required
@require_POST
def account_columns(request: HttpRequest) -> HttpResponse:
    """Save the member's list columns and page size."""
    columns = selectors.list_columns(selectors.dimensions_for(DimensionEntity.ACCOUNT))
    form = forms.ColumnsForm(request.POST, columns=columns)
    if form.is_valid():
        services.list_preference_save(
            user=request.user, columns=form.cleaned_data["columns"], per_page=form.cleaned_data["per_page"]
        )
        messages.success(request, "Your columns are saved.")
    else:
        messages.error(request, "Those columns could not be saved.")
    return redirect(safe_next(request, reverse("accounts:list")))


@team_permission_required(UPDATE)
@require_POST
def account_bulk_action(request: HttpRequest) -> HttpResponse:
    """Apply one action (assign CSMs, stage, tier, churn) to the selected accounts the member may see, or to every
    account the list's filters match."""
    back = safe_next(request, reverse("accounts:list"))
    form = forms.BulkActionForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{e}" for errors in form.errors.values() for e in errors)
        if "ids" in form.errors:
            problems = "Select at least one account."
        messages.error(request, f"Nothing changed: {problems}")
        return redirect(back)
    data = form.cleaned_data
    if data["scope"] == "all":
        # The list's own query, so "all matching" is exactly what the list shows (and only what the member may see).
        listed = list_state(request, params=QueryDict(data["query"]))["qs"]
        accounts = selectors.accounts_visible_to(request.user).filter(pk__in=listed.order_by().values("pk"))
        matching = accounts.count()
        if matching > BULK_MAX_ACCOUNTS:
            messages.error(
                request,
                f"Nothing changed: {matching} accounts match, and a bulk action applies to at most "
                f"{BULK_MAX_ACCOUNTS} at once. Narrow the filters and apply it in parts.",
            )
            return redirect(back)
    else:
        accounts = selectors.accounts_visible_to(request.user).filter(pk__in=data["ids"])
    try:
        if data["action"] == "assign":
            count = services.accounts_bulk_assign_csms(
                accounts=accounts, csms=list(data["csms"]), replace=data["replace"], by=request.user
            )
            messages.success(request, f"CSMs assigned to {count} account{'s' if count != 1 else ''}.")
        elif data["action"] == "stage":
            count = services.accounts_bulk_set_stage(accounts=accounts, stage=data["stage"])
            messages.success(request, f"{count} account{'s' if count != 1 else ''} moved to {data['stage']}.")
        elif data["action"] == "tier":
            count = services.accounts_bulk_set_tier(accounts=accounts, tier=data["tier"])
            messages.success(request, f"Tier changed on {count} account{'s' if count != 1 else ''}.")
        else:
            count = services.accounts_bulk_churn(
                accounts=accounts, churned_on=data["churned_on"], reason=data["reason"], by=request.user
            )
            messages.success(request, f"{count} account{'s' if count != 1 else ''} churned.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)
