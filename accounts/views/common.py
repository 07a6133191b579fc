"""Access checks and small helpers shared by the accounts views."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

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
