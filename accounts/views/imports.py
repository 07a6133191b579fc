"""CSV import pages: pick a target, download its template, upload, preview, commit, follow progress."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts import forms
from accounts.imports import MAX_FILE_BYTES, import_run_commit, import_start, progress_of, target_for, targets
from accounts.models import ImportJob
from core.htmx import is_partial_request
from core.params import query_text
from team.decorators import team_permission_required
from team.models import TeamPermission

UPDATE = TeamPermission.UPDATE_ACCOUNTS


def _require_all_accounts(request: HttpRequest) -> None:
    # An import writes accounts by id across the whole book, so it needs both update and view-all.
    if not request.user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS):
        raise PermissionDenied("Importing needs a role that can view all accounts and update them.")


class _CappedUpload(TemporaryFileUploadHandler):
    """Streams an upload to a temporary file and stops reading once it passes MAX_FILE_BYTES, so an oversize file
    is refused without being held in memory or written out whole."""

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > MAX_FILE_BYTES:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)


TOO_LARGE = f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB: split it in parts."
NO_LENGTH = (
    "The upload did not say its size (no Content-Length), so it was not read: upload the file from this page, or "
    "send it with a Content-Length header."
)


@csrf_exempt  # the upload handler must be set before the CSRF check reads the body; csrf_protect checks it after
@team_permission_required(UPDATE)
def import_upload(request: HttpRequest) -> HttpResponse:
    """Pick what to import, download the template, upload a CSV; recent imports below.

    An oversize upload is refused before its body is read (by its Content-Length) or while it streams in; an upload
    without a Content-Length (sent in chunks) is refused unread, since Django reads no body it cannot measure."""
    _require_all_accounts(request)
    capped = _CappedUpload(request)
    if request.method == "POST":
        if not request.META.get("CONTENT_LENGTH"):
            return _upload_page(request, _upload_form(request, bound=False), error=NO_LENGTH, status=411)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        # The multipart envelope adds a little to the file itself.
        if length > MAX_FILE_BYTES + 64 * 1024:
            return _upload_page(request, _upload_form(request, bound=False), error=TOO_LARGE, status=413)
        request.upload_handlers = [capped]
    return _import_upload(request, capped)


def _upload_form(request: HttpRequest, *, bound: bool = True) -> forms.ImportUploadForm:
    return forms.ImportUploadForm(
        (request.POST or None) if bound else None,
        (request.FILES or None) if bound else None,
        targets=[(t.key, t.label) for t in targets()],
        initial={"target": query_text(request.GET, "target", "accounts", max_length=40)},
    )


def _upload_page(
    request: HttpRequest, form: forms.ImportUploadForm, *, error: str = "", status: int = 200
) -> HttpResponse:
    if error:
        form.errors  # noqa: B018  (an unbound form gets its empty error list here, so an error can be added)
        if not form.is_bound:
            form.cleaned_data = {}  # an unbound form has none, and add_error looks the field up in it
        form.add_error("file" if form.is_bound else None, error)
    recent = ImportJob.objects.select_related("uploaded_by")[:20]
    context = {"form": form, "targets": targets(), "recent": recent}
    return render(request, "accounts/import_upload.html", context, status=status)


@csrf_protect
def _import_upload(request: HttpRequest, capped: _CappedUpload) -> HttpResponse:
    form = _upload_form(request)
    if request.method == "POST" and capped.too_large:
        return _upload_page(request, form, error=TOO_LARGE, status=413)
    if request.method == "POST" and form.is_valid():
        target = target_for(form.cleaned_data["target"])
        upload = form.cleaned_data["file"]
        try:
            job = import_start(target=target, filename=upload.name, data=upload.read(), by=request.user)
        except ValidationError as exc:
            form.add_error("file", exc.messages)
        else:
            return redirect("accounts:import_detail", pk=job.pk)
    return _upload_page(request, form)


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
