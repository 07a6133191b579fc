"""Security headers: every page carries a Content-Security-Policy with a fresh script nonce and a
Permissions-Policy, and the page's own scripts carry that nonce or come from our static files."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def _nonce(response) -> str:
    policy = response["Content-Security-Policy"]
    match = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_-]{20,})'", policy)
    assert match, policy
    return match.group(1)


def test_it_sends_a_policy_with_a_fresh_nonce_each_request(manager_client):
    first = manager_client.get("/accounts/")
    second = manager_client.get("/accounts/")
    assert first.status_code == second.status_code == 200
    assert _nonce(first) != _nonce(second)
    policy = first["Content-Security-Policy"]
    assert "'unsafe-eval'" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    # The only inline-script exception is the nonce: no 'unsafe-inline' for scripts.
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src


def test_it_gives_the_page_scripts_the_request_nonce(manager_client):
    response = manager_client.get("/accounts/")
    html = response.content.decode()
    nonce = _nonce(response)
    # django-htmx writes the nonce it finds in the template context.
    assert re.search(rf'<script src="[^"]*htmx[^"]*" defer nonce="{nonce}"', html)
    # Any other script is a static file: no inline code, no inline handlers.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html)
    assert "hx-on" not in html


def test_it_switches_off_browser_features_nobody_uses(client):
    response = client.get("/login/")
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert "Content-Security-Policy" in response


def test_the_api_docs_load_swagger_from_our_own_static_files(manager_client):
    html = manager_client.get("/api/docs").content.decode()
    assert "cdn.jsdelivr.net" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html
