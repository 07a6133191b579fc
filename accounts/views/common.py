"""Access checks and small helpers shared by the accounts views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import selectors
from accounts.models import Account
from team.models import TeamPermission, User

UPDATE = TeamPermission.UPDATE_ACCOUNTS
CONFIGURE = TeamPermission.CONFIGURE_SETTINGS


def can_update(user: User) -> bool:
    return user.has_team_perm(UPDATE)


def account_for_write(request: HttpRequest, pk: int, *, include_deleted: bool = False) -> Account:
    """The account a write applies to: 403 without "update accounts", 404 if the member may not see it."""
    if not can_update(request.user):
        raise PermissionDenied("Your role does not allow changing accounts (update accounts).")
    return selectors.account_for(request.user, pk, include_deleted=include_deleted)


def apply_errors(form: Form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on the field it names, else at the top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback
