"""The project's routes, enumerated from the URL resolver, with sample values for their path parameters; shared by
the tests that walk every page (access, account scope, hostile input), so a new page is covered without editing them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

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


def part(pattern) -> str:
    """One pattern's path with sample values for its parameters."""
    if isinstance(pattern, RoutePattern):
        return ROUTE_PARAM.sub(lambda m: SAMPLE[m.group("converter") or "str"], str(pattern))
    if isinstance(pattern, RegexPattern):
        return _regex_to_path(pattern.regex.pattern)
    raise AssertionError(f"Unknown pattern kind {pattern!r}")


def walk_routes(resolver: URLResolver | None = None, prefix: tuple = (), namespace: str | None = None):
    """(name, patterns from the root) of every route, so that parameters can be filled per name."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if entry.namespace and namespace:
                ns = f"{namespace}:{entry.namespace}"
            yield from walk_routes(entry, (*prefix, entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, (*prefix, entry.pattern)


def all_urls() -> list[tuple[str | None, str]]:
    """(name, path with sample parameters) of every route, sorted by path."""
    urls = {(name, "/" + "".join(part(p) for p in patterns)) for name, patterns in walk_routes()}
    return sorted(urls, key=lambda item: (item[1], str(item[0])))


def fill(patterns: tuple, value: Callable[[str, str], str | None]) -> tuple[str, set[str]]:
    """The path of a route with each parameter of a route pattern taken from `value(converter, name)` (the sample
    value where it answers None), and the names of the int parameters."""
    int_params: set[str] = set()

    def sub(match: re.Match) -> str:
        converter, name = match.group("converter") or "str", match.group("name")
        if converter == "int":
            int_params.add(name)
        chosen = value(converter, name)
        return SAMPLE[converter] if chosen is None else chosen

    parts = [ROUTE_PARAM.sub(sub, str(p)) if isinstance(p, RoutePattern) else part(p) for p in patterns]
    return "/" + "".join(parts), int_params
