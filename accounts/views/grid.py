"""Bulk edit: a grid of accounts where each cell saves on change (an htmx POST per cell)."""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import selectors, services
from accounts.models import Account, AccountDimensionValue, CustomDimension, DimensionEntity, DimensionType
from accounts.views.common import UPDATE, account_for_write
from core.formatting import plain_value
from core.htmx import render_page
from team.decorators import team_permission_required

GRID_PER_PAGE = 50
BASE_CELLS = [
    ("name", "Name", "text"),
    ("account_id", "Account id", "text"),
    ("join_date", "Join date", "date"),
    ("tier", "Tier", "select"),
    ("stage", "Stage", "select"),
    ("csm_score", "CSM score", "number"),
    ("nps", "NPS", "number"),
]
PARSERS = {
    "name": djforms.CharField(max_length=200),
    "account_id": djforms.CharField(max_length=100),
    "join_date": djforms.DateField(required=False),
    "csm_score": djforms.IntegerField(required=False, min_value=0, max_value=100),
    "nps": djforms.IntegerField(required=False, min_value=0, max_value=10),
}


def _options(kind: str) -> list[tuple[str, str]]:
    items = selectors.tiers_list() if kind == "tier" else selectors.stages_list()
    return [("", "—"), *[(str(item.pk), item.name) for item in items]]


def _cells(account: Account, dims: list[CustomDimension], values: dict[int, Any], options: dict) -> list[dict]:
    cells = []
    for key, label, kind in BASE_CELLS:
        value = getattr(account, f"{key}_id" if kind == "select" else key)
        cells.append(
            {
                "key": key,
                "label": label,
                "kind": kind,
                "value": plain_value(value),
                "options": options.get(key),
            }
        )
    for dim in dims:
        value = values.get(dim.pk)
        kind = {DimensionType.NUMBER: "number", DimensionType.DATE: "date", DimensionType.PICKLIST: "select"}.get(
            dim.data_type, "text"
        )
        cells.append(
            {
                "key": f"dim_{dim.key}",
                "label": dim.label,
                "kind": kind,
                # As typed: 50, not 5E+1; dates as ISO for the date input.
                "value": plain_value(value),
                "options": [("", "—"), *[(c, c) for c in dim.choices]] if kind == "select" else None,
            }
        )
    cells.append({"key": "is_churned", "label": "Churned", "kind": "checkbox", "value": account.is_churned})
    cells.append({"key": "is_deleted", "label": "Deleted", "kind": "checkbox", "value": account.is_deleted})
    return cells


@team_permission_required(UPDATE)
def grid(request: HttpRequest) -> HttpResponse:
    """The bulk-edit grid, filterable by CSM and search, 50 rows a page; rows can be added."""
    dims = selectors.dimensions_for(DimensionEntity.ACCOUNT)
    qs = selectors.accounts_visible_to(request.user, include_deleted=True)
    q = request.GET.get("q", "").strip()[:200]
    if q:
        from django.db.models import Q

        qs = qs.filter(Q(name__icontains=q) | Q(account_id__icontains=q))
    csm = request.GET.get("csm", "")
    if csm.isdigit():
        qs = qs.filter(csm_links__user_id=int(csm))
    page = Paginator(qs.order_by("name", "id"), GRID_PER_PAGE).get_page(request.GET.get("page"))
    accounts = list(page.object_list)
    values: dict[int, dict[int, Any]] = {a.pk: {} for a in accounts}
    for value in AccountDimensionValue.objects.filter(account__in=accounts).select_related("dimension"):
        values[value.account_id][value.dimension_id] = value.value
    options = {"tier": _options("tier"), "stage": _options("stage")}
    rows = [{"account": a, "cells": _cells(a, dims, values[a.pk], options)} for a in accounts]
    headers = [label for _, label, _ in BASE_CELLS] + [d.label for d in dims] + ["Churned", "Deleted"]
    context = {
        "rows": rows,
        "headers": headers,
        "page": page,
        "q": q,
        "csm": csm,
        "csm_choices": selectors.csm_candidates(),
        "query": request.GET.urlencode(),
    }
    return render_page(request, "accounts/account_grid.html", context, partial="grid-rows")


def _save_cell(request: HttpRequest, account: Account, key: str, raw: str) -> None:
    user = request.user
    if key in PARSERS:
        try:
            value = PARSERS[key].clean(raw.strip())
        except djforms.ValidationError as exc:
            raise ValidationError(exc.messages) from None
        services.account_update(account=account, by=user, **{key: value})
    elif key in ("tier", "stage"):
        model = selectors.tiers_list() if key == "tier" else selectors.stages_list()
        choice = model.filter(pk=int(raw)).first() if raw.isdigit() else None
        if raw and choice is None:
            raise ValidationError("Pick a value from the list.")
        services.account_update(account=account, by=user, **{key: choice})
    elif key.startswith("dim_"):
        dimension = CustomDimension.objects.filter(entity=DimensionEntity.ACCOUNT, key=key[4:]).first()
        if dimension is None:
            raise ValidationError("Unknown column.")
        try:
            services.account_dimensions_set(account=account, values={dimension: raw})
        except ValidationError as exc:
            raise ValidationError(exc.message_dict.get(key, exc.messages)) from None
    elif key == "is_churned":
        if raw and not account.is_churned:
            services.account_churn(account=account, churned_on=timezone.localdate(), reason="", by=user)
        elif not raw and account.is_churned:
            services.account_unchurn(account=account, by=user)
    elif key == "is_deleted":
        if raw and not account.is_deleted:
            services.account_delete(account=account, by=user)
        elif not raw and account.is_deleted:
            services.account_restore(account=account, by=user)
    else:
        raise ValidationError("Unknown column.")


@team_permission_required(UPDATE)
@require_POST
def grid_cell(request: HttpRequest, pk: int) -> HttpResponse:
    """Save one cell and answer with that cell: its stored value, or the typed value and the error."""
    account = account_for_write(request, pk, include_deleted=True)
    key = request.POST.get("field", "")[:60]
    raw = request.POST.get("value", "")[:1000]
    error = ""
    try:
        _save_cell(request, account, key, raw)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    account = Account.objects.get(pk=account.pk)
    dims = selectors.dimensions_for(DimensionEntity.ACCOUNT)
    values = {v.dimension_id: v.value for v in AccountDimensionValue.objects.filter(account=account)}
    options = {"tier": _options("tier"), "stage": _options("stage")}
    cells = {cell["key"]: cell for cell in _cells(account, dims, values, options)}
    cell = cells.get(key) or {"key": key, "label": key, "kind": "text", "value": raw}
    if error:
        cell = {**cell, "value": raw if cell["kind"] != "checkbox" else cell["value"], "error": error}
    else:
        cell = {**cell, "saved": True}
    # 200 even with an error: htmx swaps only successful responses, and the cell carries its own error.
    return render(request, "accounts/account_grid.html#grid-cell", {"account": account, "cell": cell})


@team_permission_required(UPDATE)
@require_POST
def grid_add(request: HttpRequest) -> HttpResponse:
    """Add a row to the grid: a new account with a name and an account id."""
    try:
        account = services.account_create(
            by=request.user, account_id=request.POST.get("account_id", ""), name=request.POST.get("name", "")
        )
    except ValidationError as exc:
        messages.error(request, "The row was not added: " + " ".join(exc.messages))
        return redirect("accounts:grid")
    user = request.user
    if user.role is not None and user.role.own_accounts and not user.has_team_perm("view_all_accounts"):
        # A member who sees only their own accounts keeps seeing the row they just added.
        services.account_assign_csms(account=account, csms=[user], by=user)
    messages.success(request, f"{account.name} added.")
    return redirect(f"{reverse('accounts:grid')}?q={account.account_id}")
