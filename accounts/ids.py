"""External identifiers: the ids an account or contact carries in other systems (CRM, billing, product)."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

EXTERNAL_ID_MAX_LENGTH = 100
# "12345.0" is what a spreadsheet makes of the integer id 12345: keep the integer.
_FLOAT_OF_INTEGER = re.compile(r"^[+-]?\d+\.0+$")
# "1.2345E+4" is a spreadsheet's scientific notation: the original digits may be lost, so refuse it.
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def normalize_external_id(value: object, *, label: str = "id") -> str:
    """Return the canonical string form of an external id, or raise ValidationError.

    Integers become their digits, a float with a zero fraction ("12345.0") becomes the integer ("12345"),
    surrounding spaces are dropped. Scientific notation, other floats given as numbers, empty values and
    control characters are refused.
    """
    if value is None:
        raise ValidationError(f"The {label} is required.")
    if isinstance(value, bool):
        raise ValidationError(f"The {label} must be text, not true/false.")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise ValidationError(f"The {label} {value!r} is a decimal number; ids are text such as 12345 or acme-1.")
    text = str(value).strip()
    if not text:
        raise ValidationError(f"The {label} is required.")
    if _FLOAT_OF_INTEGER.match(text):
        text = text.split(".", 1)[0].lstrip("+")
    elif _SCIENTIFIC.match(text):
        raise ValidationError(
            f"The {label} “{text}” looks like a spreadsheet number in scientific notation; "
            "format the column as text and export again."
        )
    if _CONTROL.search(text):
        raise ValidationError(f"The {label} contains control characters.")
    if len(text) > EXTERNAL_ID_MAX_LENGTH:
        raise ValidationError(f"The {label} is longer than {EXTERNAL_ID_MAX_LENGTH} characters.")
    return text
