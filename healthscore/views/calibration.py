"""The calibration report (how well scores foretold churn), the what-if of a changed configuration and the
suggested weights.

Figures cover the accounts the member can see: a member without "view all accounts" gets the report over the
accounts assigned to them. The what-if and the suggested weights work on configurations, so they need "configure
product settings" as the configuration editor does.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_http_methods

from accounts.selectors import accounts_visible_to
from core.htmx import is_partial_request, render_page
from healthscore import calibration
from healthscore.calibration_forms import proposal_data, proposal_from_data, proposal_from_editor, weight_field
from healthscore.models import HealthConfiguration
from healthscore.selectors import health_settings
from team.decorators import team_permission_required
from team.models import TeamPermission

ROC_COLOURS = ["#1f6f8b", "#c2410c", "#15803d", "#7c3aed", "#b45309", "#0f766e", "#be185d", "#4d7c0f"]
BAND_COLOURS = {"red": "#dc3545", "yellow": "#e0a800", "green": "#198754", calibration.NO_DATA: "#adb5bd"}


def _horizon(request: HttpRequest) -> int:
    raw = request.GET.get("horizon") or request.POST.get("horizon") or ""
    return int(raw) if raw.isdigit() and int(raw) in calibration.HORIZONS else calibration.HORIZONS[0]


def _scope(user) -> object | None:
    """None (every account) for a member who sees all accounts, else the accounts they can see."""
    return None if user.has_team_perm(TeamPermission.VIEW_ALL_ACCOUNTS) else accounts_visible_to(user)


def roc_chart(traces: list[tuple[str, calibration.Figures]]) -> dict:
    """ROC curves (one per named figure set) over the no-signal diagonal, as a plotly figure."""
    data = [
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [0, 1],
            "mode": "lines",
            "name": "No signal (AUC 0.5)",
            "line": {"color": "#adb5bd", "dash": "dash"},
            "hoverinfo": "skip",
        }
    ]
    for n, (name, figures) in enumerate(traces):
        if figures.auc is None:
            continue
        data.append(
            {
                "type": "scatter",
                "x": [round(x, 4) for x, _ in figures.roc],
                "y": [round(y, 4) for _, y in figures.roc],
                "mode": "lines",
                "name": f"{name} (AUC {figures.auc:.2f})",
                "line": {"color": ROC_COLOURS[n % len(ROC_COLOURS)], "width": 3 if n == 0 else 1.5},
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 360,
            "margin": {"l": 50, "r": 10, "t": 10, "b": 45},
            "xaxis": {"title": {"text": "Share of stayed accounts flagged"}, "range": [0, 1], "tickformat": ".0%"},
            "yaxis": {"title": {"text": "Share of churned accounts flagged"}, "range": [0, 1], "tickformat": ".0%"},
            "legend": {"orientation": "h", "y": -0.25},
        },
        "config": {"displayModeBar": False},
    }


def band_chart(series: list[tuple[str, calibration.Figures]]) -> dict:
    """Churn rate per band (a bar group per named figure set), as a plotly figure."""
    data = []
    for n, (name, figures) in enumerate(series):
        bands = [b for b in figures.bands if b.observations]
        data.append(
            {
                "type": "bar",
                "name": f"{name} ({'darker' if n == 0 else 'lighter'})" if len(series) > 1 else name,
                "x": [b.label for b in bands],
                "y": [round(b.rate, 2) for b in bands],
                # The bar says the rate; how many accounts it is of goes in the hover, so that two bars of a
                # group never print over each other.
                "text": [f"{b.rate:.1f} %" for b in bands],
                "textposition": "outside",
                "cliponaxis": False,
                "hovertext": [f"{b.rate:.1f} % of {b.observations:,} accounts churned" for b in bands],
                "hoverinfo": "text",
                "marker": {"color": [BAND_COLOURS[b.band] for b in bands], "opacity": 1 if n == 0 else 0.55},
            }
        )
    return {
        "data": data,
        "layout": {
            "height": 300,
            "barmode": "group",
            "margin": {"l": 50, "r": 10, "t": 10, "b": 30},
            "yaxis": {"title": {"text": "Churned within the horizon (%)"}, "rangemode": "tozero"},
            "showlegend": len(series) > 1,
        },
        "config": {"displayModeBar": False},
    }


@login_required
def report(request: HttpRequest) -> HttpResponse:
    """The calibration report at the chosen horizon (30, 60 or 90 days)."""
    horizon = _horizon(request)
    result = calibration.calibration_report(horizon=horizon, accounts=_scope(request.user))
    context = {
        "report": result,
        "horizon": horizon,
        "horizons": calibration.HORIZONS,
        "settings": health_settings(),
        "sees_all": _scope(request.user) is None,
        "can_configure": request.user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS),
        "configurations": HealthConfiguration.objects.order_by("-is_default", "priority", "name"),
    }
    if result.ready:
        traces = [("Health score", result.score), *((c.name, c.figures) for c in result.components)]
        context["roc_chart"] = roc_chart(traces)
        context["band_chart"] = band_chart([("Health score", result.score)])
    return render_page(request, "healthscore/calibration.html", context, partial="report")


def _configuration(request: HttpRequest, pk: int | None) -> HealthConfiguration:
    if pk is None:
        return get_object_or_404(HealthConfiguration, is_default=True)
    return get_object_or_404(HealthConfiguration, pk=pk)


def _form_rows(configuration: HealthConfiguration, data: dict, errors: dict) -> list[dict]:
    rows = []
    for component in calibration.proposal_of(configuration).components:
        name = weight_field(component.id)
        criteria = []
        for criterion in component.criteria:
            fields = {
                which: (f"criterion-{criterion.id}-{which}", data.get(f"criterion-{criterion.id}-{which}", ""))
                for which in ("low", "high", "inverted")
            }
            criteria.append(
                {
                    "label": criterion.label,
                    "low": fields["low"],
                    "high": fields["high"],
                    "inverted": fields["inverted"],
                    "low_error": errors.get(fields["low"][0], ""),
                    "high_error": errors.get(fields["high"][0], ""),
                }
            )
        rows.append(
            {
                "name": component.name,
                "field": name,
                "value": data.get(name, ""),
                "error": errors.get(name, ""),
                "criteria": criteria,
            }
        )
    return rows


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
@require_http_methods(["GET", "POST"])
def whatif(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The what-if form of a configuration (its saved weights and bounds, or values given in the query, e.g. the
    suggested weights) and, on POST, the figures the changed configuration would have had beside the saved one."""
    configuration = _configuration(request, pk)
    horizon = _horizon(request)
    scope = _scope(request.user)
    context: dict = {"configuration": configuration, "horizon": horizon, "horizons": calibration.HORIZONS}
    status = 200
    if request.method == "POST":
        proposal, errors = proposal_from_data(configuration, request.POST)
        data = {key: request.POST.get(key, "") for key in request.POST}
        if errors:
            # htmx swaps only successful responses: the fragment with the errors comes back as 200.
            status = 200 if is_partial_request(request) else 400
            context["errors"] = errors
        else:
            result = calibration.whatif(configuration, proposal, horizon=horizon, accounts=scope)
            context["result"] = result
            if result.ready:
                context["roc_chart"] = roc_chart([("Saved", result.current), ("Changed", result.changed)])
                context["band_chart"] = band_chart([("Saved", result.current), ("Changed", result.changed)])
    else:
        data = proposal_data(calibration.proposal_of(configuration))
        data.update({key: value for key, value in request.GET.items() if key in data})
        errors = {}
    context["rows"] = _form_rows(configuration, data, errors)
    return render_page(request, "healthscore/calibration_whatif.html", context, partial="whatif-result", status=status)


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
@require_http_methods(["POST"])
def suggest(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Weights fitted to the history for the configuration's components, with the figures they would reach."""
    configuration = _configuration(request, pk)
    horizon = _horizon(request)
    suggestion = calibration.suggested_weights(configuration, horizon=horizon, accounts=_scope(request.user))
    components = {c.id: c for c in calibration.proposal_of(configuration).components}
    rows = [
        {"name": components[cid].name, "current": components[cid].weight, "suggested": weight}
        for cid, weight in suggestion.weights.items()
        if cid in components
    ]
    apply = "&".join(f"{weight_field(cid)}={weight}" for cid, weight in suggestion.weights.items())
    context = {
        "configuration": configuration,
        "horizon": horizon,
        "suggestion": suggestion,
        "rows": rows,
        "apply_query": f"horizon={horizon}&{apply}" if apply else "",
    }
    return render_page(request, "healthscore/calibration_suggestion.html", context, partial="suggestion")


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
@require_http_methods(["POST"])
def editor_whatif(request: HttpRequest) -> HttpResponse:
    """The what-if of the configuration editor's unsaved form (posted as the editor posts it, `configuration`
    naming the configuration edited): its figures over the history beside the saved configuration's."""
    from healthscore.forms import EditorForm

    raw = request.POST.get("configuration", "")
    horizon = _horizon(request)
    context: dict = {"horizon": horizon, "in_editor": True}
    if not raw.isdigit():
        context["message"] = "A new configuration has no stored scores yet: save it, then compare."
        return render_page(request, "healthscore/calibration_whatif.html", context, partial="whatif-result")
    configuration = get_object_or_404(HealthConfiguration, pk=int(raw))
    context["configuration"] = configuration
    editor = EditorForm(configuration, request.POST)
    if not editor.is_valid():
        context["message"] = editor.first_error() or "Fix the marked fields first."
        return render_page(request, "healthscore/calibration_whatif.html", context, partial="whatif-result")
    proposal = proposal_from_editor(configuration, editor.components_data())
    result = calibration.whatif(configuration, proposal, horizon=horizon, accounts=_scope(request.user))
    context["result"] = result
    if result.ready:
        context["roc_chart"] = roc_chart([("Saved", result.current), ("Changed", result.changed)])
        context["band_chart"] = band_chart([("Saved", result.current), ("Changed", result.changed)])
    return render_page(request, "healthscore/calibration_whatif.html", context, partial="whatif-result")
