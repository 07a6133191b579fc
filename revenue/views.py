"""The currencies and exchange rates settings page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from revenue import selectors, services
from revenue.forms import BaseCurrencyForm, CurrencyForm, ExchangeRateForm
from revenue.models import Currency, ExchangeRate
from team.decorators import team_permission_required
from team.models import TeamPermission

SETTINGS = TeamPermission.CONFIGURE_SETTINGS


def _page(request: HttpRequest, **forms) -> HttpResponse:
    context = {
        "base_form": forms.get("base_form") or BaseCurrencyForm(initial={"base_currency": selectors.base_currency()}),
        "currency_form": forms.get("currency_form") or CurrencyForm(),
        "rate_form": forms.get("rate_form") or ExchangeRateForm(),
        "currencies": selectors.currencies_with_rates(),
        "base_currency": selectors.base_currency(),
    }
    return render(request, "revenue/currencies.html", context, status=400 if forms else 200)


@team_permission_required(SETTINGS)
def currencies(request: HttpRequest) -> HttpResponse:
    """Base currency, currencies and their dated exchange rates."""
    return _page(request)


@team_permission_required(SETTINGS)
@require_POST
def base_currency(request: HttpRequest) -> HttpResponse:
    form = BaseCurrencyForm(request.POST)
    if form.is_valid():
        try:
            services.base_currency_set(code=form.cleaned_data["base_currency"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Base currency saved.")
            return redirect("revenue:currencies")
    return _page(request, base_form=form)


@team_permission_required(SETTINGS)
@require_POST
def currency_add(request: HttpRequest) -> HttpResponse:
    form = CurrencyForm(request.POST)
    if form.is_valid():
        try:
            services.currency_save(**form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Currency saved.")
            return redirect("revenue:currencies")
    return _page(request, currency_form=form)


@team_permission_required(SETTINGS)
@require_POST
def currency_delete(request: HttpRequest, code: str) -> HttpResponse:
    currency = get_object_or_404(Currency, code=code)
    try:
        services.currency_delete(currency=currency)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{code} removed.")
    return redirect("revenue:currencies")


@team_permission_required(SETTINGS)
@require_POST
def rate_add(request: HttpRequest) -> HttpResponse:
    form = ExchangeRateForm(request.POST)
    if form.is_valid():
        try:
            services.exchange_rate_save(
                code=form.cleaned_data["currency"], date=form.cleaned_data["date"], rate=form.cleaned_data["rate"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Exchange rate saved.")
            return redirect("revenue:currencies")
    return _page(request, rate_form=form)


@team_permission_required(SETTINGS)
@require_POST
def rate_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.exchange_rate_delete(rate=get_object_or_404(ExchangeRate, pk=pk))
    messages.success(request, "Exchange rate removed.")
    return redirect("revenue:currencies")
