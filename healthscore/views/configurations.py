"""Configuration pages: the list (with the band cut-offs), the editor with its components and criteria added and
removed with htmx, the live preview of the unsaved form, delete, and backfills with their progress."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.htmx import is_partial_request
from healthscore import editing, preview, selectors
from healthscore.forms import LIST_SOURCE, BackfillForm, EditorForm, SettingsForm
from healthscore.models import HealthBackfill, HealthConfiguration
from segments.fields import Entity, catalogue_load
from segments.forms import builder_context, decorate, document_from_post, nodes_from_document
from segments.schema import ConditionError
from segments.selectors import conditions_resolve

TEMPLATE = "healthscore/configuration_form.html"


def _require_configure(request: HttpRequest) -> None:
    if not selectors.health_can_configure(request.user):
        raise PermissionDenied("Only members who configure product settings change health scores.")


@login_required
def configuration_list(request: HttpRequest) -> HttpResponse:
    """Every configuration in the order scoring tries them, with the accounts each scored on the newest day."""
    configurations = selectors.configurations_list()
    scored = selectors.accounts_scored_per_configuration()
    for configuration in configurations:
        configuration.scored = scored["counts"].get(configuration.pk, 0)
    can_configure = selectors.health_can_configure(request.user)
    context = {
        "configurations": configurations,
        "scored": scored,
        "settings": selectors.health_settings(),
        "settings_form": SettingsForm(instance=selectors.health_settings()) if can_configure else None,
        "can_configure": can_configure,
        "backfill": selectors.backfill_latest(),
    }
    return render(request, "healthscore/configuration_list.html", context)


@login_required
@require_POST
def settings_edit(request: HttpRequest) -> HttpResponse:
    """Change the band cut-offs."""
    _require_configure(request)
    form = SettingsForm(request.POST, instance=selectors.health_settings())
    if form.is_valid():
        try:
            editing.settings_update(**form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Band cut-offs saved.")
            return redirect("healthscore:configurations")
    for field, errors in form.errors.items():
        messages.error(request, f"{form.fields[field].label if field in form.fields else 'Cut-offs'}: {errors[0]}")
    return redirect("healthscore:configurations")


def _conditions(editor: EditorForm, request: HttpRequest) -> dict:
    """The configuration's own conditions from the list builder, when it uses them ({} otherwise)."""
    if editor.configuration.is_default or request.POST.get("list_source") != LIST_SOURCE.CONDITIONS:
        return {}
    return document_from_post(request.POST)


def _apply(editor: EditorForm, request: HttpRequest) -> bool:
    """Validate the editor and put its fields on the configuration (not saved); False when anything is wrong."""
    valid = editor.is_valid()
    configuration = editor.configuration
    if configuration.is_default:
        return valid
    document = _conditions(editor, request)
    if request.POST.get("list_source") == LIST_SOURCE.CONDITIONS:
        configuration.segment = None
        try:
            conditions_resolve(document, entity=Entity.ACCOUNT)
        except ConditionError as exc:
            editor.form.add_error(None, f"Conditions: {exc.label}")
            return False
        if not document.get("root", {}).get("children"):
            editor.form.add_error(None, "Conditions: add at least one condition, or choose a saved list.")
            return False
    configuration.conditions = document
    return valid


def _page(request: HttpRequest, editor: EditorForm, status: int = 200) -> HttpResponse:
    configuration = editor.configuration
    catalogue = catalogue_load(entity=Entity.ACCOUNT)
    document = _conditions(editor, request) if request.method == "POST" else configuration.conditions
    root = nodes_from_document(document or {})
    decorate(root, catalogue)
    context = {
        "configuration": configuration,
        "editor": editor,
        "form": editor.form,
        "root": root,
        "weights_figure": preview.weights_figure(editor.weights()),
        "backfill": selectors.backfill_latest(),
        "backfill_form": BackfillForm(),
        **builder_context(catalogue),
    }
    if is_partial_request(request) and request.POST.get("op"):
        return render(request, f"{TEMPLATE}#components", context, status=status)
    return render(request, TEMPLATE, context, status=status)


def _save(request: HttpRequest, configuration: HealthConfiguration) -> HttpResponse:
    editor = EditorForm(configuration, request.POST)
    if request.POST.get("op"):
        return _page(request, editor)
    if _apply(editor, request):
        try:
            configuration = editing.configuration_save(
                configuration=editor.form.save(commit=False), components=editor.components_data(), by=request.user
            )
        except ValidationError as exc:
            apply_errors(editor.form, exc)
        else:
            messages.success(
                request,
                f"“{configuration.name}” saved as version {configuration.version}; the newest day is being rescored.",
            )
            return redirect(reverse("healthscore:edit", args=[configuration.pk]) + "?saved=1")
    return _page(request, editor, status=400)


@login_required
def configuration_create(request: HttpRequest) -> HttpResponse:
    _require_configure(request)
    configuration = HealthConfiguration(priority=10)
    if request.method == "POST":
        return _save(request, configuration)
    return _page(request, EditorForm(configuration))


@login_required
def configuration_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    configuration = get_object_or_404(HealthConfiguration.objects.select_related("segment"), pk=pk)
    if request.method == "POST":
        return _save(request, configuration)
    return _page(request, EditorForm(configuration))


@login_required
@require_POST
def configuration_preview(request: HttpRequest) -> HttpResponse:
    """The live preview of the editor's unsaved form: accounts per band, with no data, on thin data, and the weight
    pie. `configuration` in the post names the configuration being edited (empty for a new one)."""
    _require_configure(request)
    raw = request.POST.get("configuration", "")
    if raw.isdigit():
        configuration = get_object_or_404(HealthConfiguration, pk=int(raw))
    else:
        configuration = HealthConfiguration(priority=10)
    editor = EditorForm(configuration, request.POST)
    context: dict = {"weights_figure": preview.weights_figure(editor.weights())}
    if _apply(editor, request):
        result = preview.configuration_preview(configuration=configuration, components=editor.components_data())
        context["preview"] = result
        if "bands" in result:
            context["bands_figure"] = preview.bands_figure(result)
    else:
        context["waiting"] = editor.first_error() or "Fix the marked fields to see the preview."
    return render(request, f"{TEMPLATE}#preview", context)


@login_required
@require_POST
def configuration_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_configure(request)
    configuration = get_object_or_404(HealthConfiguration, pk=pk)
    try:
        editing.configuration_delete(configuration=configuration)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("healthscore:edit", pk=pk)
    messages.success(request, f"“{configuration.name}” deleted; its accounts are being rescored by the others.")
    return redirect("healthscore:configurations")


@login_required
@require_POST
def backfill_start(request: HttpRequest) -> HttpResponse:
    """Start rescoring past days in the background; answers the progress bar (htmx) or goes back to the list."""
    _require_configure(request)
    form = BackfillForm(request.POST)
    raw = request.POST.get("configuration", "")
    configuration = HealthConfiguration.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    backfill = None
    if form.is_valid():
        try:
            backfill = editing.backfill_request(
                configuration=configuration, days=form.cleaned_data["days"], by=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc)
    context = {"backfill": backfill or selectors.backfill_latest(), "backfill_form": form}
    if is_partial_request(request):
        return render(request, f"{TEMPLATE}#backfill", context)
    if backfill is None:
        messages.error(request, f"Backfill: {form.errors.get('days', ['check the number of days'])[0]}")
    return redirect("healthscore:configurations")


@login_required
def backfill_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress bar of one backfill (polled by htmx while it runs)."""
    backfill = get_object_or_404(HealthBackfill, pk=pk)
    return render(request, f"{TEMPLATE}#backfill", {"backfill": backfill, "backfill_form": BackfillForm()})
