from __future__ import annotations

import zoneinfo

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.password_validation import password_validators_help_text_html

from core.emails import queue_email
from core.navigation import landing_choices
from team.models import Role, TeamGroup, TeamPermission, User, WorkspaceSettings
from team.throttling import normalize_login_email


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That email and password do not match an active team member.",
        "inactive": "This team member is deactivated. Ask a team admin to re-activate you.",
    }


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset that sends its email from a job instead of inside the request."""

    def clean_email(self) -> str:
        return normalize_login_email(self.cleaned_data["email"])

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        member = context["user"]
        context = {**context, "user": member.display_name, "site_name": settings.SITE_NAME}
        queue_email("password-reset", context, [to_email], timezone_name=member.timezone)


class VerifyForm(forms.Form):
    token = forms.CharField(
        label="Authentication code",
        max_length=20,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "text"}),
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
    )


class TOTPConfirmForm(forms.Form):
    token = forms.CharField(
        label="Code from your app",
        max_length=8,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class InvitationAcceptForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Password again", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}), strip=False
    )

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_confirm"):
            self.add_error("password_confirm", "The two passwords do not match.")
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autofocus": True}))
    role = forms.ModelChoiceField(queryset=Role.objects.all(), empty_label=None)
    groups = forms.ModelMultipleChoiceField(
        queryset=TeamGroup.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


class MemberForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=150, required=False)
    role = forms.ModelChoiceField(queryset=Role.objects.all(), empty_label=None)
    groups = forms.ModelMultipleChoiceField(
        queryset=TeamGroup.objects.all(), required=False, widget=forms.CheckboxSelectMultiple
    )


class RoleForm(forms.ModelForm):
    landing_page = forms.ChoiceField(choices=landing_choices, help_text="Where members of this role land after login.")

    class Meta:
        model = Role
        fields = ["name", "description", *TeamPermission.values, "landing_page", "require_2fa"]


class GroupForm(forms.ModelForm):
    members = forms.ModelMultipleChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = TeamGroup
        fields = ["name", "description"]


class ProfileForm(forms.Form):
    full_name = forms.CharField(label="Name", max_length=150)
    timezone = forms.ChoiceField(label="Time zone", choices=timezone_choices, help_text="Dates and times show in it.")


class WorkspaceSettingsForm(forms.ModelForm):
    default_timezone = forms.ChoiceField(choices=timezone_choices, help_text="New team members start with it.")

    class Meta:
        model = WorkspaceSettings
        fields = ["company_name", "default_timezone"]
