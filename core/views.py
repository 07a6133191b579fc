from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.health import health_report
from core.navigation import home_panel, home_panels
from core.params import API_PREFIXES


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Public liveness report for load balancers and monitors; 503 when a part is down."""
    ok, report = health_report()
    return JsonResponse(report, status=200 if ok else 503)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The member's home: their numbers (blocks other apps register, each loaded on its own), the areas they may
    use, and the system's status."""
    ok, report = health_report()
    return render(request, "core/home.html", {"health_ok": ok, "health": report, "home_panels": home_panels()})


@login_required
def home_block(request: HttpRequest, key: str) -> HttpResponse:
    """One block of the home page (`key`), for the member asking; 404 for an unknown block."""
    panel = home_panel(key)
    if panel is None:
        raise Http404("No such block.")
    return render(request, "core/home_block.html", {"panel_def": panel, "panel": panel.context(request)})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else "Your role does not allow this page."
    return render(request, "403.html", {"message": message}, status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 page: says what in the request could not be used (a query parameter, a malformed body); API paths
    get the same message as JSON."""
    message = str(exception) if isinstance(exception, BadRequest) and str(exception) else ""
    if request.path.startswith(API_PREFIXES):
        return JsonResponse({"detail": message or "Bad request."}, status=400)
    return render(request, "400.html", {"message": message}, status=400)
