"""The account list (views, filters, columns, bulk actions, export) and the account page with its forms."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import forms, panels, selectors, services
from accounts.constants import BULK_MAX_ACCOUNTS
from accounts.models import Account, Contact, DimensionEntity, Document, Note
from accounts.selectors import AccountView
from accounts.views.common import account_for_write, can_update
from core.forms import apply_errors, safe_next
from core.htmx import is_partial_request, render_page
from team.decorators import team_permission_required
from team.models import TeamPermission

UPDATE = TeamPermission.UPDATE_ACCOUNTS


# The list --------------------------------------------------------------------------------------------------------


def _stage_chart(rows: list[tuple[str, int]]) -> str:
    """A horizontal bar chart of accounts by stage, as an HTML fragment (plotly.js is loaded by the page)."""
    import plotly.io as pio

    names = [name for name, _ in rows]
    counts = [count for _, count in rows]
    figure = {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "x": counts,
                "y": names,
                "marker": {"color": "#2e86de"},
                "text": counts,
                "textposition": "auto",
                "hovertemplate": "%{y}: %{x}<extra></extra>",
            }
        ],
        "layout": {
            "height": 40 + 32 * max(len(rows), 1),
            "margin": {"l": 100, "r": 10, "t": 10, "b": 20},
            "yaxis": {"autorange": "reversed"},
            "xaxis": {"rangemode": "tozero"},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
        },
    }
    return pio.to_html(
        figure,
        include_plotlyjs=False,
        full_html=False,
        validate=False,
        config={"displayModeBar": False, "responsive": True},
        div_id="stage-chart",
    )


def _list_state(request: HttpRequest, params: QueryDict | None = None) -> dict[str, Any]:
    """Everything the list, its export and its bulk actions need: filters, columns, the sorted queryset (of the
    request's query string, or of `params`)."""
    user = request.user
    dimensions = selectors.dimensions_for(DimensionEntity.ACCOUNT)
    columns = selectors.list_columns(dimensions)
    chosen_keys, per_page = selectors.list_preference(user)
    chosen = [columns[key] for key in chosen_keys if key in columns]
    extra_views = {view["key"]: view for view in panels.extra_list_views(user)}
    filters = forms.list_filters(
        request.GET if params is None else params, user=user, dimensions=dimensions, extra_views=frozenset(extra_views)
    )
    base, view_problem = None, ""
    if filters.view in extra_views:
        try:
            base = extra_views[filters.view]["queryset"]()
        except ValueError as exc:
            base, view_problem = Account.objects.none(), str(exc)
    qs = selectors.account_list(user=user, filters=filters, columns=columns, base=base)
    return {
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
    """The account list: views, search, filters, sortable chosen columns, pages, bulk actions, stage summary."""
    state = _list_state(request)
    filters = state["filters"]
    qs = state["qs"].select_related("tier", "stage", "parent")
    stage_rows = selectors.accounts_by_stage(state["qs"])
    paginator = Paginator(qs, state["per_page"])
    # Every account is counted in exactly one stage row, so their sum is the total: one scan fewer per page.
    paginator.count = sum(count for _, count in stage_rows)
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
        "summary_panels": _list_summary_items(request),
        "stage_chart": _stage_chart(stage_rows) if paginator.count else "",
        "stage_rows": stage_rows,
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
        "columns_form": forms.ColumnsForm(
            initial={"columns": [c.key for c in state["chosen"]], "per_page": state["per_page"]},
            columns=state["columns"],
        ),
        "has_filters": bool(filters.q or filters.tiers or filters.stages or filters.csm or filters.dimensions),
    }
    return render_page(request, "accounts/account_list.html", context, partial="results")


def _csv_safe(value: Any) -> str:
    """A cell for a CSV export; text a spreadsheet would run as a formula is prefixed with an apostrophe."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def account_export(request: HttpRequest) -> StreamingHttpResponse:
    """The current list (same view, filters and sort) as CSV, with the member's columns."""
    state = _list_state(request)
    chosen = state["chosen"]
    writer = csv.writer(_Echo())

    def cell(account: Account, key: str) -> Any:
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
        listed = _list_state(request, params=QueryDict(data["query"]))["qs"]
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


# Create and edit -------------------------------------------------------------------------------------------------


def _form_page(request: HttpRequest, *, title: str, form, action: str, cancel: str, **extra: Any) -> HttpResponse:
    context = {"title": title, "form": form, "action": action, "cancel": cancel, **extra}
    return render(
        request,
        "accounts/account_form.html",
        context,
    )


@team_permission_required(UPDATE)
def account_create(request: HttpRequest) -> HttpResponse:
    """Create an account by hand."""
    form = forms.AccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        fields = form.account_fields()
        stage = fields.pop("stage")
        nps = fields.pop("nps")
        try:
            account = services.account_create(
                by=request.user,
                stage=stage,
                nps=nps,
                csms=list(form.cleaned_data["csms"]),
                dimensions=form.dimension_values(),
                **fields,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Account {account.name} created.")
            return redirect(account)
    return _form_page(
        request, title="New account", form=form, action=reverse("accounts:create"), cancel=reverse("accounts:list")
    )


@login_required
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit an account's fields and custom dimensions."""
    account = account_for_write(request, pk)
    form = forms.AccountForm(
        request.POST or None, user=request.user, account=account, initial=forms.AccountForm.initial_for(account)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(account=account, by=request.user, **form.account_fields())
            services.account_dimensions_set(account=account, values=form.dimension_values())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{account.name} is saved.")
            return redirect(account)
    return _form_page(
        request,
        title=f"Edit {account.name}",
        form=form,
        action=reverse("accounts:edit", args=[account.pk]),
        cancel=account.get_absolute_url(),
        account=account,
    )


# The account page ------------------------------------------------------------------------------------------------


def _list_summary_items(request: HttpRequest) -> list[tuple[panels.ListSummaryPanel, dict]]:
    """The registered list summary blocks with their context, over every account the member may see (not just the
    current view: a revenue trend over a year must keep the accounts that churned since)."""
    visible = selectors.accounts_visible_to(request.user)
    return [(panel, panel.context(request, visible) if panel.context else {}) for panel in panels.list_summary_panels()]


def _panel_items(request: HttpRequest, account: Account) -> list[tuple[panels.AccountPanel, dict]]:
    """The account page sections other apps registered, each with its context, in order."""
    return [
        (panel, panel.context(request, account) if panel.context else {})
        for panel in panels.account_panels(request.user)
    ]


def _contact_columns(account: Account, contacts: list[Contact]) -> list[panels.ContactColumn]:
    """The registered contacts table columns; each contact gets `.column_facts` (one Fact or None per column)."""
    columns = panels.contact_columns()
    values = [column.values(account, contacts) for column in columns]
    for contact in contacts:
        contact.column_facts = [by_contact.get(contact.pk) for by_contact in values]
    return columns


def _detail_context(request: HttpRequest, account: Account) -> dict[str, Any]:
    user = request.user
    ancestors, children, children_total = selectors.account_hierarchy(user, account)
    contacts, contacts_total = selectors.account_contacts(account)
    writable = can_update(user)
    context = {
        "account": account,
        "facts": [fact for provider in panels.overview_facts() for fact in provider.facts(account)],
        "contact_columns": _contact_columns(account, contacts),
        "panels": _panel_items(request, account),
        "csms": selectors.account_csms(account),
        "dimension_values": selectors.account_dimension_values(account),
        "contacts": contacts,
        "contacts_total": contacts_total,
        "interactions": selectors.account_interactions(account, q=request.GET.get("q", "")[:200]),
        "q": request.GET.get("q", "")[:200],
        "notes": account.notes.select_related("author")[:25],
        "documents": account.documents.select_related("uploaded_by")[:50],
        "tickets": selectors.account_tickets(account),
        "stage_history": selectors.account_stage_history(account),
        "nps_history": selectors.account_nps_history(account),
        "assignment_history": selectors.account_assignment_history(account),
        "ancestors": ancestors,
        "children": children,
        "children_total": children_total,
        "can_update": writable,
    }
    if writable and not account.is_deleted:
        now = timezone.localtime().replace(second=0, microsecond=0)
        context.update(
            {
                "contact_form": forms.ContactForm(auto_id="contact_%s"),
                "interaction_form": forms.InteractionForm(
                    account=account, initial={"date": now}, auto_id="interaction_%s"
                ),
                "note_form": forms.NoteForm(auto_id="note_%s"),
                "document_form": forms.DocumentForm(auto_id="document_%s"),
                "ticket_form": forms.TicketForm(account=account, initial={"opened_at": now}, auto_id="ticket_%s"),
                "nps_form": forms.NpsForm(initial={"date": timezone.localdate()}, auto_id="nps_%s"),
                "csms_form": forms.AssignCsmsForm(initial={"csms": context["csms"]}, auto_id="csms_%s"),
                "churn_form": forms.ChurnForm(initial={"churned_on": timezone.localdate()}, auto_id="churn_%s"),
            }
        )
    return context


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The account page (the 360); an htmx request with `q` gets just the interactions timeline, one with `panel`
    just that registered section (e.g. `?panel=usage`)."""
    account = selectors.account_for(request.user, pk)
    if is_partial_request(request) and "panel" in request.GET:
        panel = panels.account_panel(request.user, request.GET["panel"])
        if panel is None:
            raise Http404("No such section.")
        context = {
            "account": account,
            "can_update": can_update(request.user),
            "panel_def": panel,
            "panel": panel.context(request, account) if panel.context else {},
        }
        return render(request, "accounts/account_detail.html#account-panel", context)
    if is_partial_request(request) and "q" in request.GET:
        context = {
            "account": account,
            "interactions": selectors.account_interactions(account, q=request.GET.get("q", "")[:200]),
            "q": request.GET.get("q", "")[:200],
            "can_update": can_update(request.user),
        }
        return render(request, "accounts/account_detail.html#interactions", context)
    return render(request, "accounts/account_detail.html", _detail_context(request, account))


@login_required
def account_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the latest status in place: GET gives the form, POST saves it and gives back the status block."""
    if request.method == "GET" and "cancel" in request.GET:
        account = selectors.account_for(request.user, pk)
        return render_page(request, "accounts/account_detail.html", _detail_context(request, account), partial="status")
    account = account_for_write(request, pk)
    initial = {"title": account.status_title, "details": account.status_details, "date": account.status_date}
    form = forms.StatusForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_status_update(
                account=account,
                title=form.cleaned_data["title"],
                details=form.cleaned_data["details"],
                on=form.cleaned_data["date"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if is_partial_request(request):
                return render(request, "accounts/account_detail.html#status", {"account": account, "can_update": True})
            messages.success(request, "Status saved.")
            return redirect(account)
    context = {"account": account, "status_form": form, "can_update": True}
    if is_partial_request(request):
        return render(request, "accounts/account_detail.html#status-form", context)
    return _form_page(
        request,
        title=f"Latest status of {account.name}",
        form=form,
        action=reverse("accounts:status", args=[account.pk]),
        cancel=account.get_absolute_url(),
        account=account,
    )


def _sub_form(
    request: HttpRequest,
    pk: int,
    *,
    form_class,
    title: str,
    url_name: str,
    anchor: str,
    save,
    success: str,
    form_kwargs: dict | None = None,
    files: bool = False,
) -> HttpResponse:
    """Shared shape of the account page's small forms: check access, validate, call one service, go back."""
    account = account_for_write(request, pk)
    kwargs = {"account": account} if form_kwargs is None else form_kwargs
    if request.method == "POST":
        form = form_class(request.POST, request.FILES if files else None, **kwargs)
        if form.is_valid():
            try:
                save(account, form.cleaned_data, form)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, success)
                return redirect(f"{account.get_absolute_url()}#{anchor}")
    else:
        form = form_class(**kwargs)
    return _form_page(
        request,
        title=title,
        form=form,
        action=reverse(url_name, args=[account.pk]),
        cancel=f"{account.get_absolute_url()}#{anchor}",
        account=account,
        multipart=files,
    )


@login_required
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a contact to the account (an already known person is linked, not duplicated)."""

    def save(account, data, form):
        fields = form.contact_fields()
        known, _ = services.contact_known(user_id=fields.get("user_id", ""), email=fields.get("email", ""))
        contact = services.contact_create(
            account=account, by=request.user, dimensions=form.dimension_values(), **fields
        )
        if known is not None:
            messages.info(
                request,
                f"{contact} was already known: they are now linked to this account, and their existing details "
                "were kept (only empty ones were filled in).",
            )

    return _sub_form(
        request,
        pk,
        form_class=forms.ContactForm,
        title="Add a contact",
        url_name="accounts:contact_add",
        anchor="contacts",
        save=save,
        success="Contact added.",
        form_kwargs={},
    )


@login_required
@require_POST
def contact_remove(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    """Take a contact off this account (the person stays in their other accounts)."""
    account = account_for_write(request, pk)
    contact = get_object_or_404(Contact, pk=contact_pk, account_links__account=account)
    services.contact_unlink(account=account, contact=contact)
    messages.success(request, f"{contact} is no longer a contact of {account.name}.")
    return redirect(f"{account.get_absolute_url()}#contacts")


@login_required
def interaction_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Log an interaction on the account's timeline."""

    def save(account, data, form):
        services.interaction_create(
            account=account,
            by=request.user,
            date=data["date"],
            type=data["type"],
            subject=data["subject"],
            body=data["body"],
            contacts=list(data["contacts"]),
        )

    return _sub_form(
        request,
        pk,
        form_class=forms.InteractionForm,
        title="Log an interaction",
        url_name="accounts:interaction_add",
        anchor="interactions",
        save=save,
        success="Interaction logged.",
    )


@login_required
def note_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave a note on the account."""

    def save(account, data, form):
        services.note_create(account=account, by=request.user, body=data["body"])

    return _sub_form(
        request,
        pk,
        form_class=forms.NoteForm,
        title="Add a note",
        url_name="accounts:note_add",
        anchor="notes",
        save=save,
        success="Note added.",
        form_kwargs={},
    )


@login_required
@require_POST
def note_delete(request: HttpRequest, pk: int, note_pk: int) -> HttpResponse:
    account = account_for_write(request, pk)
    note = get_object_or_404(Note, pk=note_pk, account=account)
    services.note_delete(note=note)
    messages.success(request, "Note deleted.")
    return redirect(f"{account.get_absolute_url()}#notes")


@login_required
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload a document (checked for size and type) or add a link."""

    def save(account, data, form):
        services.document_create(
            account=account,
            by=request.user,
            name=data["name"],
            file=data["file"],
            url=data["url"],
            description=data["description"],
        )

    return _sub_form(
        request,
        pk,
        form_class=forms.DocumentForm,
        title="Add a document",
        url_name="accounts:document_add",
        anchor="documents",
        save=save,
        success="Document added.",
        form_kwargs={},
        files=True,
    )


@login_required
def document_download(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    """Serve an uploaded document to members who may see its account (files are not public)."""
    account = selectors.account_for(request.user, pk)
    document = get_object_or_404(Document, pk=document_pk, account=account)
    if not document.file:
        return redirect(document.url)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing.") from None
    return FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


@login_required
@require_POST
def document_delete(request: HttpRequest, pk: int, document_pk: int) -> HttpResponse:
    account = account_for_write(request, pk)
    document = get_object_or_404(Document, pk=document_pk, account=account)
    services.document_delete(document=document)
    messages.success(request, "Document deleted.")
    return redirect(f"{account.get_absolute_url()}#documents")


@login_required
def ticket_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a support ticket on the account."""
    from accounts.models import SupportTicket

    def save(account, data, form):
        services.ticket_save(ticket=SupportTicket(account=account, **data))

    return _sub_form(
        request,
        pk,
        form_class=forms.TicketForm,
        title="Add a ticket",
        url_name="accounts:ticket_add",
        anchor="tickets",
        save=save,
        success="Ticket added.",
    )


@login_required
def nps_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record an NPS response."""

    def save(account, data, form):
        services.account_nps_record(
            account=account,
            score=data["score"],
            on=data["date"],
            respondent=data["respondent"],
            survey=data["survey"],
            comment=data["comment"],
        )

    return _sub_form(
        request,
        pk,
        form_class=forms.NpsForm,
        title="Record an NPS response",
        url_name="accounts:nps_add",
        anchor="history",
        save=save,
        success="NPS response recorded.",
        form_kwargs={},
    )


@login_required
def csms_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the account's CSMs (members whose role may own accounts)."""

    def save(account, data, form):
        services.account_assign_csms(account=account, csms=list(data["csms"]), by=request.user)

    return _sub_form(
        request,
        pk,
        form_class=forms.AssignCsmsForm,
        title="Assign CSMs",
        url_name="accounts:csms",
        anchor="overview",
        save=save,
        success="CSMs saved.",
        form_kwargs={},
    )


@login_required
def account_churn(request: HttpRequest, pk: int) -> HttpResponse:
    """Churn the account: it keeps its data, leaves the active lists and can be un-churned."""

    def save(account, data, form):
        services.account_churn(account=account, churned_on=data["churned_on"], reason=data["reason"], by=request.user)

    return _sub_form(
        request,
        pk,
        form_class=forms.ChurnForm,
        title="Churn this account",
        url_name="accounts:churn",
        anchor="overview",
        save=save,
        success="Account churned.",
        form_kwargs={},
    )


def _lifecycle(request: HttpRequest, pk: int, *, service, success: str, include_deleted: bool) -> HttpResponse:
    account = account_for_write(request, pk, include_deleted=include_deleted)
    try:
        service(account=account, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success.format(name=account.name))
    return redirect(account)


@login_required
@require_POST
def account_unchurn(request: HttpRequest, pk: int) -> HttpResponse:
    """Revert a churn."""
    return _lifecycle(
        request, pk, service=services.account_unchurn, success="{name} is active again.", include_deleted=False
    )


@login_required
@require_POST
def account_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Soft-delete an account that was never real (it can be restored until purged)."""
    return _lifecycle(
        request,
        pk,
        service=services.account_delete,
        success="{name} is deleted. It stays restorable until purged.",
        include_deleted=False,
    )


@login_required
@require_POST
def account_restore(request: HttpRequest, pk: int) -> HttpResponse:
    """Restore a soft-deleted account."""
    return _lifecycle(
        request, pk, service=services.account_restore, success="{name} is restored.", include_deleted=True
    )
