"""Playbook pages: the list, create and edit (items as lines), delete, and launching one on an account."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.selectors import account_for
from core.forms import apply_errors
from playbooks import services
from playbooks.models import Playbook
from team.decorators import team_permission_required
from team.models import TeamPermission


class PlaybookForm(forms.ModelForm):
    items = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="One item per line, in order: <code>title | due after N days | role of the owner</code> "
        "(days and role optional), e.g. <code>Call the sponsor | 3 | CSM</code>.",
    )

    class Meta:
        model = Playbook
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


@team_permission_required(TeamPermission.UPDATE_ACCOUNTS)
def playbook_list(request: HttpRequest) -> HttpResponse:
    playbooks = Playbook.objects.prefetch_related("items").order_by("name")
    can_configure = request.user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS)
    return render(request, "playbooks/playbook_list.html", {"playbooks": playbooks, "can_configure": can_configure})


def _edit(request: HttpRequest, playbook: Playbook) -> HttpResponse:
    initial = {"items": services.items_text(playbook)} if playbook.pk else {}
    form = PlaybookForm(request.POST or None, instance=playbook, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            items = services.items_parse(form.cleaned_data["items"])
            services.playbook_save(playbook=form.instance, items=items)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Playbook “{playbook.name}” saved.")
            return redirect("playbooks:list")
    return render(request, "playbooks/playbook_form.html", {"form": form, "playbook": playbook})


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
def playbook_create(request: HttpRequest) -> HttpResponse:
    return _edit(request, Playbook())


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
def playbook_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Playbook, pk=pk))


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
@require_POST
def playbook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    playbook = get_object_or_404(Playbook, pk=pk)
    playbook.delete()
    messages.success(request, f"Playbook “{playbook.name}” deleted; rules that used it keep working without one.")
    return redirect("playbooks:list")


@team_permission_required(TeamPermission.UPDATE_ACCOUNTS)
@require_POST
def playbook_launch(request: HttpRequest, account_pk: int) -> HttpResponse:
    """Launch a playbook on an account the member may see: a task with the playbook's items as subtasks."""
    account = account_for(request.user, account_pk, include_deleted=False)
    raw = request.POST.get("playbook", "")
    playbook = Playbook.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if playbook is None:
        messages.error(request, "Choose a playbook to launch.")
        return redirect(account.get_absolute_url() + "#playbooks")
    task = services.playbook_launch(playbook=playbook, account=account, by=request.user)
    messages.success(request, f"Playbook “{playbook.name}” launched as a task.")
    return redirect(task)


@team_permission_required(TeamPermission.UPDATE_ACCOUNTS)
def account_playbooks(request: HttpRequest, account_pk: int) -> HttpResponse:
    """The account page's playbooks section (loaded on its own): launch one on the account."""
    account = account_for(request.user, account_pk, include_deleted=False)
    playbooks = list(Playbook.objects.order_by("name").values("pk", "name"))
    return render(request, "playbooks/account_playbooks.html", {"account": account, "playbooks": playbooks})
