"""Creating and editing accounts, and the account page with its forms (the list lives in accounts.views.list)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import forms, panels, selectors, services
from accounts.models import Account, Contact, Document, Note
from accounts.views.common import account_for_write, can_update
from core.forms import apply_errors
from core.htmx import is_partial_request, render_page
from team.decorators import team_permission_required
from team.models import TeamPermission

UPDATE = TeamPermission.UPDATE_ACCOUNTS


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
        "charts": panels.account_charts(),
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
