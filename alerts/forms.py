"""Forms of the alert pages: a rule (its conditions come from the lists' builder), snooze, convert to task."""

from __future__ import annotations

from django import forms

from accounts.models import Document
from alerts.models import AlertRule, AlertType
from playbooks.models import Playbook
from segments.fields import Entity
from segments.models import Segment
from segments.selectors import segments_visible_to
from tasks.models import TaskOutcome, TaskPriority
from tasks.selectors import owner_choices
from team.models import TeamGroup

DATE = forms.DateInput(attrs={"type": "date"})


class RuleForm(forms.ModelForm):
    type_name = forms.CharField(
        label="Type",
        max_length=60,
        help_text="Churn, renewal, expansion, conversion, engagement, or type a new one (kept for reuse).",
        widget=forms.TextInput(attrs={"list": "alert-types"}),
    )
    retrigger_delay_days = forms.IntegerField(
        label="Retrigger delay (days)",
        min_value=0,
        max_value=3650,
        initial=0,
        help_text="After an alert is closed or dismissed, the rule fires again for that account once this many days "
        "have passed since it triggered.",
    )

    class Meta:
        model = AlertRule
        fields = [
            "name",
            "description",
            "segment",
            "playbook",
            "trigger_for_churned",
            "retrigger_delay_days",
            "never_retrigger",
            "auto_generate_task",
            "subscribed_group",
            "is_active",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        lists = Segment.objects.filter(entity=Entity.ACCOUNT)
        if user is not None:
            lists = segments_visible_to(user).filter(entity=Entity.ACCOUNT)
        if self.instance.segment_id:
            lists = lists | Segment.objects.filter(pk=self.instance.segment_id)
        self.fields["segment"].queryset = lists.order_by("name")
        self.fields["segment"].empty_label = "Any account"
        self.fields["playbook"].queryset = Playbook.objects.order_by("name")
        self.fields["subscribed_group"].queryset = TeamGroup.objects.order_by("name")
        self.fields["subscribed_group"].label = "Task group (subscribed)"
        if self.instance.pk and self.instance.type_id:
            self.fields["type_name"].initial = self.instance.type.name
        self.type_choices = list(AlertType.objects.values_list("name", flat=True))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the rule a name.")
        return name


class SnoozeForm(forms.Form):
    until = forms.DateField(widget=DATE, label="Snooze until")
    reason = forms.CharField(max_length=300, required=False)


class ConvertForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=owner_choices(), required=False, empty_label="The account's CSM")
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    due_date = forms.DateField(required=False, widget=DATE)
    documents = forms.ModelMultipleChoiceField(
        queryset=Document.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()
        self.fields["documents"].queryset = Document.objects.filter(account=account).order_by("name")


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=TaskOutcome.choices)
