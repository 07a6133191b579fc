"""Login throttling keyed on the email address as the product understands it, however it was typed."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.conf import settings
from django.http import HttpRequest


def normalize_login_email(value: object) -> str:
    """The form of an email address that logins, lockouts, resets and invitations agree on."""
    return str(value or "").strip().lower()


def login_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    """The name django-axes counts failed logins under (AXES_USERNAME_CALLABLE).

    Login matches email addresses without regard to case or surrounding spaces, so the count must too: otherwise
    every spelling of one address would get its own tries.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials:
        return normalize_login_email(credentials.get(field))
    data = getattr(request, "data", None) or getattr(request, "POST", {})
    return normalize_login_email(data.get(field))


def lockout_clear(*, email: str) -> int:
    """Forget the failed logins counted for `email` (from any address); returns how many records went."""
    return axes_reset(username=normalize_login_email(email))
