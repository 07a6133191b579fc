"""Configuration pages: the list of configurations (what each applies to, its priority, what broke)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from healthscore import selectors


@login_required
def configuration_list(request: HttpRequest) -> HttpResponse:
    """Every configuration in the order scoring tries them, with the accounts each scored on the newest day."""
    configurations = selectors.configurations_list()
    scored = selectors.accounts_scored_per_configuration()
    for configuration in configurations:
        configuration.scored = scored["counts"].get(configuration.pk, 0)
    context = {
        "configurations": configurations,
        "scored": scored,
        "settings": selectors.health_settings(),
        "can_configure": selectors.health_can_configure(request.user),
    }
    return render(request, "healthscore/configuration_list.html", context)
