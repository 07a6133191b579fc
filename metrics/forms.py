from django import forms
from django.urls import reverse_lazy

from metrics.models import Metric


class ComputedMetricForm(forms.ModelForm):
    formula = forms.CharField(
        max_length=500,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "class": "font-monospace",
                # Checked as you type: the verdict appears under the form.
                "hx-post": reverse_lazy("metrics:formula_check"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#formula-verdict",
                "hx-swap": "outerHTML",
                "hx-include": "[name=key]",
            }
        ),
        help_text="Metric keys with + - * / and parentheses, e.g. session_time / active_users. "
        "Write a key with spaces in square brackets.",
    )

    class Meta:
        model = Metric
        fields = ["name", "key", "description", "unit", "time_aggregation", "formula"]
        help_texts = {"key": "Lowercase letters, digits, _ and dots; used in formulas and the API."}
