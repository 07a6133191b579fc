"""Access checks for views: login plus a team permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def team_permission_required(permission: str) -> Callable:
    """Require a logged-in member whose role grants `permission`; others get 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_team_perm(permission):
                raise PermissionDenied(f"Your role does not allow this ({permission.replace('_', ' ')}).")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
