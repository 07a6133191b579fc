"""One way to show dates, times, numbers and money everywhere: pages, lists, the grid, emails and exports.

The template filters (`as_date`, `as_datetime`, `as_number`, `as_money`, `as_value`) are template builtins
(settings.TEMPLATES OPTIONS "builtins"), so no template needs `{% load %}` for them. The same functions are
usable from Python (`format_date`, ...). Dates and times show in the active time zone, which
team.middleware.TeamMemberMiddleware sets to the member's own (a profile setting) on every request; emails are
rendered in the recipient's time zone (core.emails).

Pages and emails: "2 Dec 2026", "2 Dec 2026, 14:05", "1,234,567", "$1,234.50".
Machine-readable output (CSV exports, the grid's inputs): `plain_value` gives ISO 8601 dates and times and
numbers without separators or exponent ("2026-12-02", "50", "1234.5").
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from typing import Any

from django import template
from django.utils import timezone

register = template.Library()

EMPTY = "—"
TIME_FORMAT = "%H:%M"

# Symbols for the currencies people most often bill in; any other currency shows its ISO code ("CHF 1,200.00").
CURRENCY_SYMBOLS = {
    "USD": "$",
    "EUR": "€",
    "GBP": "£",
    "JPY": "¥",
    "INR": "₹",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "BRL": "R$",
}
# ISO 4217 currencies without minor units.
ZERO_DECIMAL_CURRENCIES = {"JPY", "KRW", "CLP", "ISK", "VND", "HUF"}

# The installation's base currency is known to the revenue app, which sits above core: it registers a getter.
_currency_getter: Callable[[], str] | None = None
_currency_cache: tuple[str, float] | None = None
_CURRENCY_TTL_SECONDS = 30.0


def register_default_currency(getter: Callable[[], str]) -> None:
    """Let a higher app tell core where the default currency for `as_money` comes from."""
    global _currency_getter
    _currency_getter = getter
    forget_default_currency()


def forget_default_currency() -> None:
    """Drop the remembered default currency (after the base currency changed)."""
    global _currency_cache
    _currency_cache = None


def default_currency() -> str:
    global _currency_cache
    now = time.monotonic()
    if _currency_cache is not None and _currency_cache[1] > now:
        return _currency_cache[0]
    code = "USD"
    if _currency_getter is not None:
        try:
            code = _currency_getter() or "USD"
        except Exception:  # formatting must never break a page (e.g. before migrations ran)
            code = "USD"
    _currency_cache = (code, now + _CURRENCY_TTL_SECONDS)
    return code


# -- conversions --------------------------------------------------------------------------------------------------


def to_decimal(value: Any) -> Decimal | None:
    """`value` as a finite Decimal, or None when it is empty or not a number. Floats go through repr (no noise)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    try:
        number = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _quantized(number: Decimal, places: int) -> Decimal:
    with localcontext() as context:
        context.prec = max(60, number.adjusted() + places + 2)
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _trimmed(number: Decimal, max_places: int) -> Decimal:
    """Round to at most `max_places` decimals and drop trailing zeros, never producing an exponent."""
    rounded = _quantized(number, max_places)
    if rounded == rounded.to_integral_value():
        return rounded.to_integral_value()
    return rounded.normalize()


def _default_places(number: Decimal) -> int:
    """Two decimals for ordinary numbers; small fractions (a rate of 0.0345) keep four."""
    return 4 if 0 < abs(number) < 1 else 2


def _local(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return timezone.localtime(value)


def _day(value: dt.date) -> str:
    return f"{value.day} {value.strftime('%b %Y')}"


def _parse_temporal(value: Any) -> dt.date | dt.datetime | None:
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value) if "T" in value or " " in value else dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


# -- for people -----------------------------------------------------------------------------------------------------


def format_date(value: Any) -> str:
    """A date as "2 Dec 2026"; a datetime is first moved to the active time zone."""
    parsed = _parse_temporal(value)
    if parsed is None:
        return EMPTY if value in (None, "") else str(value)
    if isinstance(parsed, dt.datetime):
        parsed = _local(parsed)
    return _day(parsed)


def format_datetime(value: Any, with_zone: bool = False, with_seconds: bool = False) -> str:
    """A moment as "2 Dec 2026, 14:05" in the active time zone (the member's, or an email recipient's)."""
    parsed = _parse_temporal(value)
    if parsed is None:
        return EMPTY if value in (None, "") else str(value)
    if not isinstance(parsed, dt.datetime):
        return format_date(parsed)
    local = _local(parsed)
    text = f"{_day(local)}, {local.strftime(TIME_FORMAT + (':%S' if with_seconds else ''))}"
    if with_zone:
        text += f" {local.tzname() or ''}".rstrip()
    return text


def format_number(value: Any, places: int | None = None) -> str:
    """A number with thousands separators and never an exponent: 1234567 -> "1,234,567", 5E+1 -> "50".

    With `places`, exactly that many decimals; without, at most two (four below 1) and no trailing zeros.
    """
    number = to_decimal(value)
    if number is None:
        return _fallback(value)
    number = _quantized(number, places) if places is not None else _trimmed(number, _default_places(number))
    if number == 0:
        number = abs(number)  # no "-0"
    return f"{number:,f}"


def format_money(value: Any, currency: str | None = None, places: int | None = None) -> str:
    """An amount with its currency: "$1,234.50", "-€80.00", "CHF 1,200.00"; cents unless `places` says otherwise."""
    number = to_decimal(value)
    if number is None:
        return _fallback(value)
    code = (currency or default_currency()).upper()
    if places is None:
        places = 0 if code in ZERO_DECIMAL_CURRENCIES else 2
    digits = format_number(abs(number), places)
    sign = "-" if number < 0 and digits.strip("0.,") else ""
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{code} {digits}"


def format_value(value: Any) -> str:
    """Any value by its type: dates and times, numbers, yes/no, or text; empty shows as a dash."""
    if value is None or value == "":
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, (int, float, Decimal)):
        return format_number(value)
    return str(value)


# -- for machines ---------------------------------------------------------------------------------------------------


def plain_number(value: Any) -> str:
    """A number as typed, for inputs and exports: no separators, no exponent, no trailing zeros ("50", "0.5")."""
    number = to_decimal(value)
    if number is None:
        return "" if value in (None, "") else str(value)
    if number == number.to_integral_value():
        return f"{abs(number.to_integral_value()) if number == 0 else number.to_integral_value():f}"
    return f"{number.normalize():f}"


def plain_value(value: Any) -> str:
    """Any value for a CSV export or a form input: ISO 8601 dates ("2026-12-02") and times (in the active time zone,
    with its offset), plain numbers, "true"/"false", or text; empty stays empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return _local(value).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        return plain_number(value)
    return str(value)


# -- template filters -----------------------------------------------------------------------------------------------


@register.filter
def as_date(value: Any, empty: str = "") -> str:
    """{{ account.join_date|as_date }} -> "2 Dec 2026"; `|as_date:"now"` shows "now" when there is no date."""
    if empty and value in (None, ""):
        return empty
    return format_date(value)


@register.filter
def as_datetime(value: Any, arg: str = "") -> str:
    """{{ note.created_at|as_datetime }} -> "2 Dec 2026, 14:05"; `|as_datetime:"zone"` adds the zone's name and
    `|as_datetime:"seconds"` the seconds (call logs)."""
    return format_datetime(value, with_zone=arg == "zone", with_seconds=arg == "seconds")


@register.filter
def as_number(value: Any, places: Any = None) -> str:
    """{{ seats|as_number }} -> "1,250"; `|as_number:2` -> "1,250.00"."""
    return format_number(value, _places(places))


@register.filter
def as_money(value: Any, arg: str = "") -> str:
    """{{ mrr|as_money }} in the base currency, `|as_money:sub.currency`, `|as_money:"EUR:0"` (whole units)."""
    currency, _, places = str(arg or "").partition(":")
    return format_money(value, currency.strip() or None, _places(places))


@register.filter
def as_value(value: Any) -> str:
    """{{ cell|as_value }}: formats by type (date, moment, number, yes/no, text)."""
    return format_value(value)


@register.filter
def as_plain(value: Any) -> str:
    """{{ value|as_plain }}: the machine-readable form, for form inputs ("50", "2026-12-02")."""
    return plain_value(value)


def _fallback(value: Any) -> str:
    """What a non-number shows as: a dash when empty or not finite (NaN, infinity), else its text."""
    if value is None or value == "" or isinstance(value, (float, Decimal)):
        return EMPTY
    return str(value)


def _places(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return max(0, min(int(value), 10))
    except (TypeError, ValueError):
        return None
