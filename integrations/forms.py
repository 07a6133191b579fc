"""Forms of the data-source settings pages."""

from __future__ import annotations

from django import forms

from integrations.models import SourceKind


class SourceCreateForm(forms.Form):
    name = forms.CharField(max_length=100)
    kind = forms.ChoiceField(choices=SourceKind.choices, label="Kind")
    webhook_secret = forms.CharField(
        max_length=200,
        required=False,
        label="Webhook signing secret",
        help_text="Stripe: the endpoint's signing secret (whsec_…). Zendesk: the webhook's signing secret.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") in (SourceKind.STRIPE, SourceKind.ZENDESK) and not data.get("webhook_secret"):
            self.add_error("webhook_secret", "Stripe and Zendesk sources need their webhook signing secret.")
        return data


class SourceEditForm(forms.Form):
    name = forms.CharField(max_length=100)
    is_active = forms.BooleanField(required=False, label="Active (its keys and webhooks work)")
    webhook_secret = forms.CharField(
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        label="New webhook signing secret",
        help_text="Leave empty to keep the current one.",
    )
