"""Paths under the API prefixes that match nothing answer JSON, as the API does, instead of the HTML 404 page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIXES = ("/api/", "/v1/", "/webhooks/")


class ApiNotFoundMiddleware:
    """Turns an HTML 404 under an API prefix (no route matched, or a view raised Http404) into
    `{"detail": "Not Found"}`. JSON answers the API gives itself (e.g. an unknown account id) pass unchanged."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.path.startswith(API_PREFIXES)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            return JsonResponse({"detail": "Not Found"}, status=404)
        return response
