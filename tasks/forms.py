"""Forms of the task pages: a task (create and edit), quick add, close, the checklist, bulk actions, switches."""

from __future__ import annotations

from django import forms

from accounts.models import Account, Document
from tasks.models import NotificationSettings, TaskOutcome, TaskPriority, TaskStatus
from tasks.selectors import owner_choices
from team.models import TeamGroup

DATE = forms.DateInput(attrs={"type": "date"})


class TaskForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = forms.ModelChoiceField(queryset=owner_choices(), required=False, empty_label="Nobody yet")
    priority = forms.ChoiceField(choices=TaskPriority.choices, initial=TaskPriority.NORMAL)
    due_date = forms.DateField(required=False, widget=DATE)
    status = forms.ChoiceField(
        choices=[(TaskStatus.OPEN, "Open"), (TaskStatus.PENDING, "Pending")], initial=TaskStatus.OPEN
    )
    subscribers = forms.ModelMultipleChoiceField(
        queryset=owner_choices(), required=False, widget=forms.SelectMultiple(attrs={"size": 4})
    )
    subscriber_group = forms.ModelChoiceField(
        queryset=TeamGroup.objects.order_by("name"), required=False, label="Subscribed group", empty_label="None"
    )
    documents = forms.ModelMultipleChoiceField(
        queryset=Document.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    subtasks = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Checklist",
        help_text="One item per line.",
    )

    def __init__(self, *args, account: Account, with_checklist: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()
        self.fields["subscribers"].queryset = owner_choices()
        self.fields["documents"].queryset = Document.objects.filter(account=account).order_by("name")
        if not self.fields["documents"].queryset.exists():
            del self.fields["documents"]
        if not with_checklist:
            del self.fields["subtasks"]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the task a title.")
        return title

    def clean_subtasks(self) -> list[str]:
        lines = [line.strip() for line in self.cleaned_data.get("subtasks", "").splitlines()]
        items = [line[:200] for line in lines if line]
        if len(items) > 100:
            raise forms.ValidationError("At most 100 checklist items.")
        return items


class QuickAddForm(forms.Form):
    title = forms.CharField(max_length=200, label="New task")
    due_date = forms.DateField(required=False, widget=DATE)
    owner = forms.ModelChoiceField(queryset=owner_choices(), required=False, empty_label="Me")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the task a title.")
        return title


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(choices=TaskOutcome.choices, widget=forms.RadioSelect)


class SubtaskForm(forms.Form):
    title = forms.CharField(max_length=200, label="New item")
    due_date = forms.DateField(required=False, widget=DATE)


def ticked_ids(values: list[str]) -> list[int]:
    """The ticked task ids of a bulk form; raises ValidationError when none (or garbage) was sent."""
    ids = [int(v) for v in values if v.isdigit()]
    if not ids or len(ids) != len(values):
        raise forms.ValidationError("Tick at least one task.")
    if len(ids) > 500:
        raise forms.ValidationError("At most 500 tasks at once.")
    return ids


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("reassign", "Reassign to"), ("close", "Close as"), ("due_date", "Change due date to")]
    )
    owner = forms.ModelChoiceField(queryset=owner_choices(), required=False)
    outcome = forms.ChoiceField(choices=[("", "—"), *TaskOutcome.choices], required=False)
    due_date = forms.DateField(required=False, widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owner_choices()


class NotificationSettingsForm(forms.ModelForm):
    class Meta:
        model = NotificationSettings
        fields = ["email_new", "email_reassigned", "email_updated", "email_overdue", "email_alert", "daily_digest"]
