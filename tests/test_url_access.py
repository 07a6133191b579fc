"""Every URL pattern of the project refuses anonymous visitors, so a new page cannot forget its login check."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# Pages that must work without logging in, each for a reason.
PUBLIC = {
    "healthz": "monitors and load balancers poll it",
    "login": "where anonymous visitors are sent",
    "logout": "logging out needs no session",
    "password_reset": "a member who forgot their password is not logged in",
    "password_reset_done": "same",
    "password_reset_confirm": "same",
    "password_reset_complete": "same",
    "team:invitation_accept": "an invited person has no login yet",
    "admin:login": "redirects to the product's login",
    "admin:logout": "logging out needs no session",
}
# Routes that authenticate otherwise (API keys, signed webhooks) answer 401 or 403 instead of redirecting.
API_PREFIXES: tuple[str, ...] = ("/api/", "/v1/", "/webhooks/")

SAMPLE = {"int": "1", "str": "x", "slug": "x", "uuid": str(uuid.UUID(int=1)), "path": "x"}
ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _group_value(group_regex: str) -> str:
    for candidate in ("team", "1", "x", "auth"):
        if re.fullmatch(group_regex, candidate):
            return candidate
    raise AssertionError(f"No sample value for {group_regex}")


def _regex_to_path(regex: str) -> str:
    regex = regex.lstrip("^").rstrip("$").replace("\\Z", "")
    out, i = "", 0
    while i < len(regex):
        if regex.startswith("(?P<", i):
            depth, j = 0, i
            while True:
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if depth == 0:
                    break
                j += 1
            inner = regex[regex.index(">", i) + 1 : j]
            out += _group_value(inner)
            i = j + 1
        else:
            out += regex[i].replace("\\", "")
            i += 1
    return out


def _part(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAM.sub(lambda m: SAMPLE[m.group("converter") or "str"], str(pattern))
    if isinstance(pattern, RegexPattern):
        return _regex_to_path(pattern.regex.pattern)
    raise AssertionError(f"Unknown pattern kind {pattern!r}")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str | None = None):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if entry.namespace and namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from _walk(entry, prefix + _part(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, "/" + prefix + _part(entry.pattern)


ALL_URLS = sorted(set(_walk(get_resolver())), key=lambda item: (item[1], str(item[0])))


def test_it_finds_the_projects_pages():
    names = {name for name, _ in ALL_URLS}
    assert {"home", "team:members", "team:security", "admin:index"} <= names
    assert len(ALL_URLS) > 40


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, p in ALL_URLS if n not in PUBLIC], ids=lambda v: str(v))
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_sends_anonymous_visitors_to_login(client, db, name, path, method):
    response = getattr(client, method)(path)
    if path.startswith(API_PREFIXES):
        assert response.status_code in (401, 403), f"{path} answered {response.status_code}"
        return
    # Admin's own login page hands over to the product's login: follow such hops inside admin.
    for _ in range(2):
        if response.status_code == 302 and response["Location"].startswith("/admin/"):
            response = client.get(response["Location"])
    assert response.status_code == 302, f"{method.upper()} {path} ({name}) answered {response.status_code}"
    assert response["Location"].startswith("/login/"), f"{path} redirected to {response['Location']}"


def test_public_pages_answer_without_login(client, db):
    for name, path in ALL_URLS:
        if name in {"login", "password_reset", "password_reset_done", "password_reset_complete"}:
            assert client.get(path).status_code == 200, path
