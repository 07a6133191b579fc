"""Settings pages of the accounts app: stages, tiers, interaction types, ticket fields, custom dimensions."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts import forms, services
from accounts.models import CustomDimension, InteractionType, Stage, TicketOption, Tier
from accounts.views.common import CONFIGURE
from core.forms import apply_errors
from team.decorators import team_permission_required


@dataclass(frozen=True)
class PicklistKind:
    slug: str
    model: type[Model]
    title: str
    singular: str
    url_name: str
    help: str


KINDS = {
    kind.slug: kind
    for kind in [
        PicklistKind(
            "stages",
            Stage,
            "Stages",
            "stage",
            "accounts:settings_stages",
            "Lifecycle stages in the order accounts move through them. Each change is kept in the "
            "account's stage history.",
        ),
        PicklistKind(
            "tiers", Tier, "Tiers", "tier", "accounts:settings_tiers", "Customer tiers used to segment accounts."
        ),
        PicklistKind(
            "interaction-types",
            InteractionType,
            "Interaction types",
            "interaction type",
            "accounts:settings_interaction_types",
            "The kinds of touchpoints CSMs log on accounts.",
        ),
        PicklistKind(
            "ticket-options",
            TicketOption,
            "Ticket fields",
            "ticket value",
            "accounts:settings_ticket_options",
            "Statuses, priorities and types of support tickets. Statuses marked closed count as solved.",
        ),
    ]
}


def _kind(slug: str) -> PicklistKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("No such list.") from None


@team_permission_required(CONFIGURE)
def picklist(request: HttpRequest, kind: str) -> HttpResponse:
    """One picklist with its values and a form to add one."""
    spec = _kind(kind)
    form_class = forms.TicketOptionForm if spec.model is TicketOption else forms.PicklistForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        item = spec.model(**form.cleaned_data)
        try:
            services.picklist_save(item=item)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{item.name} added.")
            return redirect(spec.url_name)
    items = spec.model.objects.all()
    return render(request, "accounts/settings_picklist.html", {"spec": spec, "items": items, "form": form})


@team_permission_required(CONFIGURE)
def picklist_edit(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Rename, reorder or delete one picklist value (a value in use cannot be deleted)."""
    spec = _kind(kind)
    item = get_object_or_404(spec.model, pk=pk)
    form_class = forms.TicketOptionForm if spec.model is TicketOption else forms.PicklistForm
    initial = {"name": item.name, "order": item.order}
    if isinstance(item, TicketOption):
        initial.update(kind=item.kind, is_closed=item.is_closed)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete"):
            try:
                services.picklist_delete(item=item)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect(reverse("accounts:settings_picklist_edit", args=[kind, pk]))
            messages.success(request, f"{item.name} deleted.")
            return redirect(spec.url_name)
        if form.is_valid():
            for name, value in form.cleaned_data.items():
                setattr(item, name, value)
            try:
                services.picklist_save(item=item)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{item.name} saved.")
                return redirect(spec.url_name)
    return render(request, "accounts/settings_picklist_edit.html", {"spec": spec, "item": item, "form": form})


@team_permission_required(CONFIGURE)
def dimensions(request: HttpRequest) -> HttpResponse:
    """Custom dimensions of accounts and contacts."""
    return render(request, "accounts/settings_dimensions.html", {"dimensions": CustomDimension.objects.all()})


@team_permission_required(CONFIGURE)
def dimension_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Create, change or delete a custom dimension."""
    dimension = get_object_or_404(CustomDimension, pk=pk) if pk else CustomDimension()
    form = forms.DimensionForm(request.POST or None, instance=dimension)
    if request.method == "POST":
        if request.POST.get("delete") and dimension.pk:
            services.dimension_delete(dimension=dimension)
            messages.success(request, f"{dimension.label} deleted with its values.")
            return redirect("accounts:settings_dimensions")
        if form.is_valid():
            try:
                services.dimension_save(dimension=form.instance)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"{dimension.label} saved.")
                return redirect("accounts:settings_dimensions")
    return render(request, "accounts/settings_dimension_edit.html", {"form": form, "dimension": dimension})
