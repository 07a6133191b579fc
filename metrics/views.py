"""The metric catalogue page and the computed-metric editor, which checks the formula as you type."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from metrics import formula, selectors, services
from metrics.forms import ComputedMetricForm
from metrics.models import Metric, MetricKind
from team.decorators import team_permission_required
from team.models import TeamPermission

SETTINGS = TeamPermission.CONFIGURE_SETTINGS


@team_permission_required(SETTINGS)
def catalogue(request: HttpRequest) -> HttpResponse:
    known = selectors.live_keys()
    rows = [
        (metric, selectors.formula_problem(metric, known) if metric.kind == MetricKind.COMPUTED else "")
        for metric in selectors.catalogue()
    ]
    return render(request, "metrics/metric_catalogue.html", {"rows": rows})


@team_permission_required(SETTINGS)
def computed_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    metric = get_object_or_404(Metric, pk=pk, kind=MetricKind.COMPUTED, deleted_at=None) if pk else Metric()
    form = ComputedMetricForm(request.POST or None, instance=metric)
    if request.method == "POST" and form.is_valid():
        try:
            services.metric_save_computed(metric=form.instance)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Metric “{metric.name}” is saved; its values appear after the next daily run.")
            return redirect("metrics:catalogue")
    return render(request, "metrics/computed_edit.html", {"form": form, "metric": metric})


@team_permission_required(SETTINGS)
@require_POST
def formula_check(request: HttpRequest) -> HttpResponse:
    """htmx: the verdict on the formula being typed (its error, or the metrics it uses)."""
    source = request.POST.get("formula", "")
    self_key = request.POST.get("key") or None
    known = selectors.live_keys()
    context: dict = {"source": source}
    if source.strip():
        try:
            node = formula.validate(source, known - {self_key} if self_key else known, self_key=self_key)
        except formula.FormulaError as exc:
            context["error"] = str(exc)
        else:
            names = dict(Metric.objects.filter(key__in=formula.metric_keys(node)).values_list("key", "name"))
            context["uses"] = [names.get(key, key) for key in formula.metric_keys(node)]
    return render(request, "metrics/computed_edit.html#formula-verdict", context)


@team_permission_required(SETTINGS)
@require_POST
def metric_delete(request: HttpRequest, pk: int) -> HttpResponse:
    metric = get_object_or_404(Metric, pk=pk, deleted_at=None)
    try:
        services.metric_delete(metric=metric)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Metric “{metric.name}” deleted. Its history is kept.")
    return redirect("metrics:catalogue")
