"""One reader for query-string values, shared by every view that takes dates, numbers or text from the URL.

A value that is present but cannot be used (a date outside 1900-2199, a number that is not finite or is too large
for the database, text with a NUL character or too long) raises `BadQueryParameter`, which Django answers with the
400 page naming the parameter (`handler400`), instead of reaching the database or date arithmetic and failing
there. An absent or empty value gives the default.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict

MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2199, 12, 31)
# Numbers that a PostgreSQL NUMERIC comparison, a float column and the page's formatting all handle.
MAX_NUMBER = Decimal("1e15")
MAX_TEXT = 200
API_PREFIXES = ("/api/", "/v1/", "/webhooks/")


class BadQueryParameter(BadRequest):
    """A query-string value that cannot be used; `name` is the parameter, `message` says why."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"“{name[:60]}” {message}")
        self.name = name
        self.message = message


def _raw(params: QueryDict, name: str) -> str:
    raw = params.get(name, "")
    if not isinstance(raw, str):
        raw = str(raw)
    if "\x00" in raw:
        raise BadQueryParameter(name, "contains a NUL character.")
    return raw.strip()


def query_text(params: QueryDict, name: str, default: str = "", *, max_length: int = MAX_TEXT) -> str:
    """A text value, at most `max_length` characters (longer text is cut, as a search box would)."""
    raw = _raw(params, name)
    return raw[:max_length] if raw else default


def query_date(params: QueryDict, name: str, default: datetime.date | None = None) -> datetime.date | None:
    """An ISO date (YYYY-MM-DD) between 1900-01-01 and 2199-12-31."""
    raw = _raw(params, name)
    if not raw:
        return default
    try:
        value = datetime.date.fromisoformat(raw[:40])
    except ValueError:
        raise BadQueryParameter(name, "is not a date (use YYYY-MM-DD).") from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise BadQueryParameter(name, f"must be between {MIN_DATE} and {MAX_DATE}.")
    return value


def query_number(
    params: QueryDict,
    name: str,
    default: Decimal | None = None,
    *,
    minimum: Decimal = -MAX_NUMBER,
    maximum: Decimal = MAX_NUMBER,
) -> Decimal | None:
    """A finite decimal number between `minimum` and `maximum` (by default ±10^15)."""
    raw = _raw(params, name).replace(",", "")
    if not raw:
        return default
    try:
        value = Decimal(raw[:60]) if len(raw) <= 60 else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise BadQueryParameter(name, "is not a number.")
    if not minimum <= value <= maximum:
        raise BadQueryParameter(name, f"must be between {minimum:,} and {maximum:,}.")
    return value


def query_int(
    params: QueryDict, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = 2**31 - 1
) -> int | None:
    """A whole number between `minimum` and `maximum` (by default one that fits a database id)."""
    raw = _raw(params, name)
    if not raw:
        return default
    if len(raw) > 20 or not raw.lstrip("-").isdigit():
        raise BadQueryParameter(name, "is not a whole number.")
    value = int(raw)
    if not minimum <= value <= maximum:
        raise BadQueryParameter(name, f"must be between {minimum:,} and {maximum:,}.")
    return value


class QueryStringGuard:
    """Middleware: a query string with a NUL character anywhere (a name or a value) is answered 400 before any
    page's view runs, since no parameter of the pages can carry one and PostgreSQL refuses them in text. API paths
    are left to the API, which answers its own JSON errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIXES):
            return self.get_response(request)  # the API names the bad field in its own JSON errors
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                raise BadQueryParameter(name.replace("\x00", ""), "contains a NUL character.")
        return self.get_response(request)
