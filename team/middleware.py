"""Per-request team member handling: time zone, and the two-factor gate."""

from __future__ import annotations

import zoneinfo
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

# Pages a member may open before finishing two-factor authentication.
OPEN_DURING_2FA = {"team:verify", "team:twofactor_setup", "team:backup_codes", "logout", "healthz"}


class TeamMemberMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            redirect = self._twofactor_gate(request)
            if redirect is not None:
                return redirect
        else:
            timezone.deactivate()
        return self.get_response(request)

    def _twofactor_gate(self, request: HttpRequest) -> HttpResponse | None:
        if request.path_info.startswith("/static/"):
            return None
        try:
            url_name = resolve(request.path_info).view_name
        except Resolver404:
            return None
        if url_name in OPEN_DURING_2FA:
            return None
        user = request.user
        if user.is_verified():
            return None
        if user.has_confirmed_device:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('team:verify')}?{query}")
        if user.requires_2fa:
            messages.info(request, "Your role requires two-factor authentication. Set it up to continue.")
            return HttpResponseRedirect(reverse("team:twofactor_setup"))
        return None
