"""CSV import pages: pick a target, download its template, upload, preview, commit, follow progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts import forms
from accounts.imports import import_run_commit, import_start, progress_of, target_for, targets
from accounts.models import ImportJob
from core.htmx import is_partial_request
from team.decorators import team_permission_required
from team.models import TeamPermission

UPDATE = TeamPermission.UPDATE_ACCOUNTS


def _require_all_accounts(request: HttpRequest) -> None:
    # An import writes accounts by id across the whole book, so it needs both update and view-all.
    if not request.user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS):
        raise PermissionDenied("Importing needs a role that can view all accounts and update them.")


@team_permission_required(UPDATE)
def import_upload(request: HttpRequest) -> HttpResponse:
    """Pick what to import, download the template, upload a CSV; recent imports below."""
    _require_all_accounts(request)
    choices = [(t.key, t.label) for t in targets()]
    form = forms.ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        targets=choices,
        initial={"target": request.GET.get("target", "accounts")},
    )
    if request.method == "POST" and form.is_valid():
        target = target_for(form.cleaned_data["target"])
        upload = form.cleaned_data["file"]
        try:
            job = import_start(target=target, filename=upload.name, data=upload.read(), by=request.user)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("accounts:import_detail", pk=job.pk)
    recent = ImportJob.objects.select_related("uploaded_by")[:20]
    return render(request, "accounts/import_upload.html", {"form": form, "targets": targets(), "recent": recent})


@team_permission_required(UPDATE)
def import_template(request: HttpRequest, target: str) -> HttpResponse:
    """A CSV template for a target: its columns and one example row."""
    _require_all_accounts(request)
    spec = target_for(target)
    if spec is None:
        raise Http404("No such import.")
    response = HttpResponse(spec.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{spec.key}-template.csv"'
    return response


@team_permission_required(UPDATE)
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's preview (errors per line and field), its progress while a job runs, or its result."""
    _require_all_accounts(request)
    job = get_object_or_404(ImportJob, pk=pk)
    done, total = progress_of(job)
    context = {
        "job": job,
        "target": target_for(job.target),
        "done": done,
        "total": total,
        "percent": int(100 * done / total) if total else 0,
        "columns": list(job.preview_rows[0].keys()) if job.preview_rows else [],
    }
    if is_partial_request(request):
        if not job.is_running:
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "accounts/import_detail.html#progress", context)
    return render(request, "accounts/import_detail.html", context)


@team_permission_required(UPDATE)
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the valid rows of a previewed file (in one transaction; in the background for large files)."""
    _require_all_accounts(request)
    job = get_object_or_404(ImportJob, pk=pk)
    try:
        job = import_run_commit(job=job)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:import_detail", pk=job.pk)
