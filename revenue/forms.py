"""Forms of the currencies and exchange rates settings page."""

from __future__ import annotations

from django import forms


class BaseCurrencyForm(forms.Form):
    base_currency = forms.CharField(max_length=3, label="Base currency", help_text="ISO 4217 code, e.g. USD.")


class CurrencyForm(forms.Form):
    code = forms.CharField(max_length=3, label="Code", help_text="ISO 4217, e.g. EUR.")
    name = forms.CharField(max_length=80, required=False)


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(max_length=3)
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), help_text="In force from this day.")
    rate = forms.DecimalField(
        max_digits=20, decimal_places=10, min_value=0, help_text="Units of the base currency for 1 unit."
    )
