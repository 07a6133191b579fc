"""Forms of the accounts pages. They validate input shape; services apply the rules."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import QueryDict

from accounts import selectors
from accounts.constants import PER_PAGE_CHOICES
from accounts.ids import EXTERNAL_ID_MAX_LENGTH, normalize_external_id
from accounts.models import (
    Account,
    Contact,
    CustomDimension,
    DimensionType,
    InteractionType,
    Stage,
    TicketOption,
    TicketOptionKind,
    Tier,
)
from accounts.selectors import AccountFilters, AccountView
from core.forms import ListedModelChoiceField, ListedModelMultipleChoiceField
from core.params import query_date, query_number, query_text
from team.models import TeamPermission, User

DATE = forms.DateInput(attrs={"type": "date"})
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CsmChoiceField(ListedModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def dimension_field(dimension: CustomDimension) -> forms.Field:
    """A form field for one custom dimension (values are parsed again by the dimension itself)."""
    common = {"label": dimension.label, "required": False}
    if dimension.data_type == DimensionType.PICKLIST:
        return forms.ChoiceField(choices=[("", "—"), *[(c, c) for c in dimension.choices]], **common)
    if dimension.data_type == DimensionType.NUMBER:
        return forms.DecimalField(max_digits=20, decimal_places=6, **common)
    if dimension.data_type == DimensionType.DATE:
        return forms.DateField(widget=DATE, **common)
    return forms.CharField(max_length=500, **common)


class DimensionsMixin:
    """Adds one `dim_<key>` field per custom dimension and collects their values."""

    def add_dimension_fields(self, dimensions: list[CustomDimension], initial: dict[str, Any] | None = None) -> None:
        self.dimensions = dimensions
        for dimension in dimensions:
            name = f"dim_{dimension.key}"
            self.fields[name] = dimension_field(dimension)
            if initial and name in initial:
                self.initial[name] = initial[name]

    def dimension_values(self) -> dict[CustomDimension, Any]:
        return {d: self.cleaned_data.get(f"dim_{d.key}") for d in self.dimensions}


class AccountForm(DimensionsMixin, forms.Form):
    """Create or edit an account. The parent is named by its account id (a select of every account would not
    scale)."""

    name = forms.CharField(max_length=200)
    account_id = forms.CharField(
        label="Account id", max_length=EXTERNAL_ID_MAX_LENGTH, help_text="The id of this account in your systems."
    )
    join_date = forms.DateField(required=False, widget=DATE)
    renewal_date = forms.DateField(required=False, widget=DATE)
    tier = ListedModelChoiceField(queryset=Tier.objects.all(), required=False)
    stage = ListedModelChoiceField(queryset=Stage.objects.all(), required=False)
    csm_score = forms.IntegerField(
        label="CSM score", required=False, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    nps = forms.IntegerField(label="NPS", required=False, validators=[MinValueValidator(0), MaxValueValidator(10)])
    industry = forms.CharField(max_length=100, required=False)
    employees = forms.IntegerField(required=False, min_value=0)
    website = forms.URLField(max_length=300, required=False, assume_scheme="https")
    billing_address = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    source = forms.CharField(max_length=100, required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    crm_account_id = forms.CharField(label="CRM account id", max_length=EXTERNAL_ID_MAX_LENGTH, required=False)
    billing_account_id = forms.CharField(label="Billing account id", max_length=EXTERNAL_ID_MAX_LENGTH, required=False)
    support_account_id = forms.CharField(label="Support account id", max_length=EXTERNAL_ID_MAX_LENGTH, required=False)
    parent_account_id = forms.CharField(label="Parent account id", max_length=EXTERNAL_ID_MAX_LENGTH, required=False)
    hierarchy_label = forms.CharField(max_length=80, required=False)
    csms = CsmChoiceField(
        label="CSMs", queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user: User, account: Account | None = None, **kwargs) -> None:
        self.user = user
        self.account = account
        super().__init__(*args, **kwargs)
        self.fields["tier"].queryset = selectors.tiers_list()
        self.fields["stage"].queryset = selectors.stages_list()
        if account is None:
            self.fields["csms"].queryset = selectors.csm_candidates()
        else:
            del self.fields["csms"]
        values = dict(selectors.account_dimension_values(account)) if account else {}
        self.add_dimension_fields(selectors.dimensions_for("account"), {f"dim_{d.key}": v for d, v in values.items()})

    @classmethod
    def initial_for(cls, account: Account) -> dict[str, Any]:
        data = {
            name: getattr(account, name)
            for name in [
                "name",
                "account_id",
                "join_date",
                "renewal_date",
                "tier",
                "stage",
                "csm_score",
                "nps",
                "industry",
                "employees",
                "website",
                "billing_address",
                "source",
                "description",
                "crm_account_id",
                "billing_account_id",
                "support_account_id",
                "hierarchy_label",
            ]
        }
        data["parent_account_id"] = account.parent.account_id if account.parent else ""
        return data

    def clean_account_id(self) -> str:
        try:
            return normalize_external_id(self.cleaned_data["account_id"], label="account id")
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None

    def clean_parent_account_id(self) -> Account | None:
        raw = self.cleaned_data.get("parent_account_id", "").strip()
        if not raw:
            return None
        try:
            key = normalize_external_id(raw, label="parent account id")
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None
        parent = selectors.accounts_visible_to(self.user).filter(account_id=key).first()
        if parent is None:
            raise ValidationError(f"No account you can see has the id “{key}”.")
        if self.account is not None and parent.pk == self.account.pk:
            raise ValidationError("An account cannot be its own parent.")
        return parent

    def account_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["parent"] = data.pop("parent_account_id")
        for key in [k for k in data if k.startswith("dim_")]:
            data.pop(key)
        data.pop("csms", None)
        for name in [
            "industry",
            "website",
            "billing_address",
            "source",
            "description",
            "crm_account_id",
            "billing_account_id",
            "support_account_id",
            "hierarchy_label",
        ]:
            data[name] = data.get(name) or ""
        return data


class StatusForm(forms.Form):
    title = forms.CharField(label="Status", max_length=200, required=False)
    details = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    date = forms.DateField(required=False, widget=DATE)


class ContactForm(DimensionsMixin, forms.Form):
    name = forms.CharField(max_length=200, required=False)
    email = forms.EmailField(required=False)
    user_id = forms.CharField(
        label="User id",
        max_length=EXTERNAL_ID_MAX_LENGTH,
        required=False,
        help_text="The person's id in your product, if they use it.",
    )
    title = forms.CharField(max_length=150, required=False)
    role = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=50, required=False)
    email_opt_out = forms.BooleanField(label="Opted out of email", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_dimension_fields(selectors.dimensions_for("contact"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("name") or data.get("email") or data.get("user_id")):
            raise ValidationError("Give at least a name, an email or a user id.")
        return data

    def contact_fields(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if not k.startswith("dim_")}


class InteractionForm(forms.Form):
    date = forms.DateTimeField(widget=DATETIME)
    type = ListedModelChoiceField(queryset=InteractionType.objects.all(), empty_label=None)
    subject = forms.CharField(max_length=300)
    body = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    contacts = ListedModelMultipleChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].queryset = selectors.interaction_types_list()
        self.fields["contacts"].queryset = selectors.account_contact_choices(account)


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(forms.Form):
    name = forms.CharField(max_length=200)
    file = forms.FileField(required=False, help_text="PDF, Office, text or image files up to 20 MB.")
    url = forms.URLField(label="Or a link", max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("file")) == bool(data.get("url")):
            raise ValidationError("Upload a file or give a link (one of the two).")
        return data


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=300)
    ticket_id = forms.CharField(label="Ticket id", max_length=EXTERNAL_ID_MAX_LENGTH, required=False)
    status = ListedModelChoiceField(queryset=TicketOption.objects.none(), empty_label=None)
    priority = ListedModelChoiceField(queryset=TicketOption.objects.none(), required=False)
    type = ListedModelChoiceField(queryset=TicketOption.objects.none(), required=False)
    opened_at = forms.DateTimeField(label="Opened", widget=DATETIME)
    requester = ListedModelChoiceField(queryset=Contact.objects.none(), required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, account: Account, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in TicketOptionKind.values:
            self.fields[kind].queryset = selectors.ticket_options(kind)
        self.fields["requester"].queryset = selectors.account_contact_choices(account)


class NpsForm(forms.Form):
    score = forms.IntegerField(min_value=0, max_value=10, help_text="0-10")
    date = forms.DateField(widget=DATE)
    respondent = forms.CharField(max_length=200, required=False)
    survey = forms.CharField(max_length=200, required=False)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class AssignCsmsForm(forms.Form):
    csms = CsmChoiceField(
        label="CSMs", queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["csms"].queryset = selectors.csm_candidates()


class ChurnForm(forms.Form):
    churned_on = forms.DateField(label="Churn date", widget=DATE)
    reason = forms.CharField(max_length=300, required=False)


class BulkActionForm(forms.Form):
    ACTIONS = [
        ("assign", "Assign CSMs"),
        ("stage", "Change stage"),
        ("tier", "Change tier"),
        ("churn", "Churn"),
    ]
    action = forms.ChoiceField(choices=ACTIONS)
    # "page": the ticked accounts (`ids`); "all": every account the list's query (`query`) matches.
    scope = forms.ChoiceField(choices=[("page", "Selected accounts"), ("all", "All matching accounts")], required=False)
    query = forms.CharField(max_length=4000, required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[], required=False)
    csms = CsmChoiceField(queryset=User.objects.none(), required=False)
    replace = forms.BooleanField(label="Replace current CSMs", required=False)
    stage = ListedModelChoiceField(queryset=Stage.objects.all(), required=False)
    tier = ListedModelChoiceField(queryset=Tier.objects.all(), required=False)
    churned_on = forms.DateField(required=False, widget=DATE)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["csms"].queryset = selectors.csm_candidates()
        # Any integer id is accepted here; the view keeps only the accounts the member may see.
        self.fields["ids"].valid_value = lambda value: True  # type: ignore[method-assign]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        if data.get("scope") != "all" and not data.get("ids") and "ids" not in self.errors:
            self.add_error("ids", "Select at least one account.")
        if action == "assign" and not data.get("csms"):
            self.add_error("csms", "Pick at least one CSM.")
        if action == "stage" and not data.get("stage"):
            self.add_error("stage", "Pick a stage.")
        if action == "churn" and not data.get("churned_on"):
            self.add_error("churned_on", "Give the churn date.")
        return data


class ColumnsForm(forms.Form):
    columns = forms.MultipleChoiceField(choices=[], required=False, widget=forms.CheckboxSelectMultiple)
    per_page = forms.TypedChoiceField(label="Rows per page", coerce=int, choices=[(n, n) for n in PER_PAGE_CHOICES])

    def __init__(self, *args, columns: dict[str, selectors.Column], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [(key, col.label) for key, col in columns.items()]


def _int(value: str | None) -> int | None:
    """An id from the query string; anything that cannot be one (text, a number past the id range) is ignored."""
    try:
        number = int(value) if value not in (None, "") and len(value) <= 12 else None
    except (TypeError, ValueError):
        return None
    return number if number is not None and 0 < number < 2**31 else None


def _ints(values: list[str]) -> list[int]:
    return [n for n in (_int(v) for v in values) if n is not None]


def _bound(dimension: CustomDimension, params: QueryDict, name: str) -> Decimal | datetime.date | None:
    if dimension.data_type == DimensionType.DATE:
        return query_date(params, name)
    return query_number(params, name)


def list_filters(
    params: QueryDict,
    *,
    user: User,
    dimensions: list[CustomDimension],
    extra_views: frozenset[str] = frozenset(),
    ranged: frozenset[str] = frozenset(),
) -> AccountFilters:
    """Read the account list's filters from a query string. Unknown views, tiers, stages and CSMs are ignored; a
    dimension or metric bound that is not a usable number or date raises BadQueryParameter (a 400 naming the parameter).

    `extra_views` are the keys of the member's other views (saved lists); `ranged` the keys of the provided columns
    (metrics) filtered by `<key>_min` / `<key>_max`."""
    owns = user.role is not None and user.role.own_accounts
    view = params.get("view") or (AccountView.MY if owns else AccountView.ACTIVE)
    if view not in AccountView.LABELS and view not in extra_views:
        view = AccountView.ACTIVE
    if view == AccountView.DELETED and not user.has_team_perm(TeamPermission.UPDATE_ACCOUNTS):
        view = AccountView.ACTIVE
    sort = params.get("sort") or "name"
    descending = sort.startswith("-")
    dims: dict[CustomDimension, dict[str, Any]] = {}
    for dimension in dimensions:
        name = f"dim_{dimension.key}"
        if dimension.data_type in (DimensionType.NUMBER, DimensionType.DATE):
            low, high = _bound(dimension, params, f"{name}_min"), _bound(dimension, params, f"{name}_max")
            if low is not None or high is not None:
                dims[dimension] = {"min": low, "max": high}
        elif value := query_text(params, name):
            dims[dimension] = {"value": value}
    ranges = {}
    for key in sorted(ranged):
        low, high = query_number(params, f"{key}_min"), query_number(params, f"{key}_max")
        if low is not None or high is not None:
            ranges[key] = (None if low is None else float(low), None if high is None else float(high))
    return AccountFilters(
        view=view,
        q=query_text(params, "q"),
        tiers=_ints(params.getlist("tier")),
        stages=_ints(params.getlist("stage")),
        csm=_int(params.get("csm")),
        dimensions=dims,
        ranges=ranges,
        sort=sort.lstrip("-")[:60],
        descending=descending,
    )


# Settings ------------------------------------------------------------------------------------------------------


class PicklistForm(forms.Form):
    name = forms.CharField(max_length=80)
    order = forms.IntegerField(min_value=0, initial=0, help_text="Lower comes first.")


class TicketOptionForm(PicklistForm):
    kind = forms.ChoiceField(choices=TicketOptionKind.choices)
    is_closed = forms.BooleanField(label="Counts as closed (statuses only)", required=False)


class DimensionForm(forms.ModelForm):
    choices = forms.CharField(
        label="Allowed values",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For picklists: one value per line.",
    )

    class Meta:
        model = CustomDimension
        fields = ["label", "key", "entity", "data_type", "choices", "order"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.initial["choices"] = "\n".join(self.instance.choices or [])

    def clean_choices(self) -> list[str]:
        return [line.strip() for line in (self.cleaned_data.get("choices") or "").splitlines() if line.strip()]


class ImportUploadForm(forms.Form):
    target = forms.ChoiceField(label="What to import")
    file = forms.FileField(label="CSV file", help_text="UTF-8 encoded, with a header row.")

    def __init__(self, *args, targets: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
