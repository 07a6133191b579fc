"""Security headers of every response: a Content-Security-Policy with a fresh nonce per request, and a
Permissions-Policy.

Scripts run only from our own origin (static files) or when they carry the request's nonce: templates write
`<script nonce="{{ csp_nonce }}">` for the rare inline script (django-htmx's `{% htmx_script %}` reads the same
variable). Styles allow 'unsafe-inline' because plotly.js injects `<style>` rules and templates use `style=`
attributes; a style cannot run code. See docs/security.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# Browser features the product never uses are switched off for every page (and any frame it might embed).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


def content_security_policy(nonce: str) -> str:
    """The policy for one response, with that response's script nonce."""
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' 'nonce-{nonce}'",
        "style-src": "'self' 'unsafe-inline'",
        # Bootstrap draws its icons from data: SVGs; the two-factor QR code is a data: image.
        "img-src": "'self' data:",
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Gives each request a nonce (`request.csp_nonce`) and each response the CSP and Permissions-Policy headers.

    A view that sets its own Content-Security-Policy keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(nonce)
        if "Permissions-Policy" not in response:
            response["Permissions-Policy"] = PERMISSIONS_POLICY
        return response


def csp_nonce(request: HttpRequest) -> dict[str, str]:
    """Template context: `csp_nonce`, the nonce an inline `<script nonce="...">` needs to run."""
    return {"csp_nonce": getattr(request, "csp_nonce", "")}
