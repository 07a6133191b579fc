"""Forms of the configuration editor: the configuration itself, its components and their criteria, posted flat.

Components post their prefix in `component` ("c0", "c1", ...), criteria theirs in `<component>-criterion`
("c0-k0", ...), in page order; each form's inputs are named `<prefix>-<field>`. `EditorForm` reads them back
(at most `MAX_COMPONENTS` components of `MAX_CRITERIA` criteria each) and adds or removes one when the post asks for
it (`op`). Anything a browser could not have sent (an unknown prefix, metric or id) is a field error, never an
exception.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict

from accounts.models import CustomDimension, DimensionType
from healthscore.models import HealthConfiguration, HealthSettings
from metrics.models import Metric, TimeAggregation
from segments.models import Segment

MAX_COMPONENTS = 20
MAX_CRITERIA = 20
MAX_WINDOW_DAYS = 730
COMPONENT_PREFIX = re.compile(r"^c\d{1,3}$")
CRITERION_PREFIX = re.compile(r"^c\d{1,3}-k\d{1,3}$")
# Health metrics are written after scoring, so a criterion cannot read them for the day it scores.
HEALTH_METRIC = re.compile(r"^(health_score|avg_child_health_score|health\..*)$")


class LIST_SOURCE:
    SEGMENT = "segment"
    CONDITIONS = "conditions"


def measure_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The values a criterion can score, grouped: every metric not deleted (but the health metrics themselves) and
    every number dimension of accounts. Values are `metric:<key>` and `dimension:<key>`."""
    metrics = [
        (f"metric:{key}", name)
        for key, name in Metric.objects.filter(deleted_at=None).order_by("name").values_list("key", "name")
        if not HEALTH_METRIC.match(key)
    ]
    dimensions = [
        (f"dimension:{key}", label)
        for key, label in CustomDimension.objects.filter(entity="account", data_type=DimensionType.NUMBER)
        .order_by("label")
        .values_list("key", "label")
    ]
    return [("Metrics", metrics), ("Number dimensions", dimensions)]


class CriterionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    measure = forms.CharField(label="Value", max_length=160)
    aggregation = forms.ChoiceField(
        label="Over the window", choices=TimeAggregation.choices, initial=TimeAggregation.AVERAGE
    )
    window_days = forms.IntegerField(label="Days", min_value=1, max_value=MAX_WINDOW_DAYS, initial=30)
    low = forms.FloatField(label="Score 0 at or below (X)", error_messages={"required": "Enter X (score 0)."})
    high = forms.FloatField(label="Score 100 at or above (Y)", error_messages={"required": "Enter Y (score 100)."})
    inverted = forms.BooleanField(label="Inverted", required=False, help_text="100 at or below X, 0 at or above Y.")

    def __init__(self, *args: Any, measures: dict[str, str], dimensions: dict[str, CustomDimension], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.measures = measures
        self.dimensions = dimensions

    def clean_measure(self) -> str:
        value = self.cleaned_data["measure"]
        if value in self.measures:
            return value
        kind, _, key = value.partition(":")
        dimension = self.dimensions.get(key) if kind == "dimension" else None
        if dimension is not None and dimension.data_type != DimensionType.NUMBER:
            raise forms.ValidationError(
                f"“{dimension.label}” is a {dimension.get_data_type_display().lower()} dimension: only number "
                "dimensions and metrics can be scored."
            )
        raise forms.ValidationError("Choose a metric or a number dimension from the list.")

    def _finite(self, name: str) -> float | None:
        value = self.cleaned_data.get(name)
        if value is not None and not math.isfinite(value):
            self.add_error(name, "Enter a finite number.")
            return None
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        low, high = self._finite("low"), self._finite("high")
        if low is not None and high is not None and low >= high:
            self.add_error("high", f"Y must be above X ({low:g}); use “Inverted” to score low values high.")
        return cleaned

    @property
    def measure_label(self) -> str:
        return self.measures.get(self.data.get(self.add_prefix("measure"), "") if self.is_bound else "", "")


class ComponentForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label="Component", max_length=80, error_messages={"required": "Give the component a name."})
    weight = forms.DecimalField(label="Weight", max_digits=9, decimal_places=3, initial=Decimal(10))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not component_key(name):
            raise forms.ValidationError("Give the component a name with letters or digits.")
        return name

    def clean_weight(self) -> Decimal:
        weight = self.cleaned_data["weight"]
        if weight <= 0:
            raise forms.ValidationError("The weight must be a positive number (above 0).")
        return weight


def component_key(name: str) -> str:
    """The key of a component's metric (`health.<key>`): the name in lowercase letters, digits and underscores."""
    key = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]
    if key and not key[0].isalpha():
        key = f"c_{key}"[:60]
    return key


class ConfigurationForm(forms.ModelForm):
    """Name and description; for a configuration other than the Default also whether it is active, its priority and
    the accounts it applies to (a saved list, or conditions of its own from the list builder)."""

    list_source = forms.ChoiceField(
        label="Applies to",
        choices=[
            (LIST_SOURCE.SEGMENT, "The accounts of a saved list"),
            (LIST_SOURCE.CONDITIONS, "Conditions of its own"),
        ],
        initial=LIST_SOURCE.SEGMENT,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = HealthConfiguration
        fields = ["name", "description", "is_active", "priority", "segment"]
        labels = {"segment": "Saved list", "is_active": "Active"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = "Give the configuration a name."
        self.fields["segment"].queryset = Segment.objects.filter(entity="account").order_by("name")
        self.fields["segment"].required = False
        self.fields["priority"].min_value = 1
        if self.instance.is_default:
            for name in ("is_active", "priority", "segment", "list_source"):
                del self.fields[name]
        elif self.instance.pk and not self.instance.segment_id and self.instance.conditions:
            self.initial["list_source"] = LIST_SOURCE.CONDITIONS

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the configuration a name.")
        return name

    def clean_priority(self) -> int:
        priority = self.cleaned_data["priority"]
        if priority is None or priority < 1:
            raise forms.ValidationError("The priority is a whole number from 1 (tried first).")
        return priority

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        source = cleaned.get("list_source")
        if "list_source" in self.fields and source == LIST_SOURCE.SEGMENT and not cleaned.get("segment"):
            self.add_error("segment", "Choose the saved list of accounts this configuration applies to.")
        return cleaned


class SettingsForm(forms.ModelForm):
    """The band cut-offs: red 0 to `red_max`, yellow up to `yellow_max`, green above."""

    class Meta:
        model = HealthSettings
        fields = ["red_max", "yellow_max"]
        labels = {"red_max": "Red up to", "yellow_max": "Yellow up to"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        red, yellow = cleaned.get("red_max"), cleaned.get("yellow_max")
        if red is not None and yellow is not None and not 0 <= red < yellow < 100:
            self.add_error("yellow_max", "Cut-offs must rise: 0 ≤ red < yellow < 100.")
        return cleaned


class BackfillForm(forms.Form):
    days = forms.IntegerField(label="Days of history", min_value=1, max_value=MAX_WINDOW_DAYS, initial=180)


@dataclass
class ComponentRow:
    """One component of the editor with the forms of its criteria."""

    form: ComponentForm
    criteria: list[CriterionForm] = field(default_factory=list)
    error: str = ""

    @property
    def prefix(self) -> str:
        return self.form.prefix


class EditorForm:
    """The configuration form and its components, from a POST (or from the saved configuration)."""

    def __init__(self, configuration: HealthConfiguration, data: QueryDict | None = None):
        self.configuration = configuration
        self.data = data
        self.measures = {value: label for _, group in measure_choices() for value, label in group}
        self.measure_groups = measure_choices()
        self.dimensions = {d.key: d for d in CustomDimension.objects.filter(entity="account")}
        self.form = ConfigurationForm(data, instance=configuration)
        self.errors: list[str] = []
        self.rows = self._rows_from_post(data) if data is not None else self._rows_from_instance()

    # Building -------------------------------------------------------------------------------------------------------

    def _criterion(self, prefix: str, data: Any = None, initial: dict | None = None) -> CriterionForm:
        return CriterionForm(data, prefix=prefix, initial=initial, measures=self.measures, dimensions=self.dimensions)

    def _rows_from_instance(self) -> list[ComponentRow]:
        rows = []
        components = self.configuration.components.prefetch_related("criteria") if self.configuration.pk else []
        for n, component in enumerate(components):
            weight = f"{component.weight.normalize():f}"  # 30, not 30.000
            initial = {"id": component.pk, "name": component.name, "weight": weight}
            row = ComponentRow(ComponentForm(prefix=f"c{n}", initial=initial))
            for k, criterion in enumerate(component.criteria.all()):
                measure = (
                    f"dimension:{criterion.dimension_key}"
                    if criterion.source == "dimension"
                    else f"metric:{criterion.metric_key}"
                )
                row.criteria.append(
                    self._criterion(
                        f"c{n}-k{k}",
                        initial={
                            "id": criterion.pk,
                            "measure": measure,
                            "aggregation": criterion.aggregation,
                            "window_days": criterion.window_days,
                            "low": criterion.low,
                            "high": criterion.high,
                            "inverted": criterion.inverted,
                        },
                    )
                )
            rows.append(row)
        return rows

    def _rows_from_post(self, data: QueryDict) -> list[ComponentRow]:
        op = data.get("op", "")
        rows: list[ComponentRow] = []
        prefixes = data.getlist("component")
        if len(prefixes) > MAX_COMPONENTS or len(set(prefixes)) != len(prefixes):
            self.errors.append(f"A configuration has at most {MAX_COMPONENTS} components.")
            prefixes = list(dict.fromkeys(prefixes))[:MAX_COMPONENTS]
        for prefix in prefixes:
            if not COMPONENT_PREFIX.match(prefix):
                self.errors.append("The form was changed outside the page: reload it and try again.")
                continue
            if op == f"remove:{prefix}":
                continue
            row = ComponentRow(ComponentForm(data, prefix=prefix))
            criteria = list(dict.fromkeys(data.getlist(f"{prefix}-criterion")))
            for criterion_prefix in criteria[:MAX_CRITERIA]:
                if not CRITERION_PREFIX.match(criterion_prefix) or not criterion_prefix.startswith(f"{prefix}-"):
                    self.errors.append("The form was changed outside the page: reload it and try again.")
                    continue
                if op == f"remove:{criterion_prefix}":
                    continue
                row.criteria.append(self._criterion(criterion_prefix, data))
            if op == f"add-criterion:{prefix}" and len(row.criteria) < MAX_CRITERIA:
                free = self._free(f"{prefix}-k", criteria)
                row.criteria.append(self._criterion(free, initial=self._blank_criterion()))
            rows.append(row)
        if op == "add-component" and len(rows) < MAX_COMPONENTS:
            prefix = self._free("c", prefixes)
            row = ComponentRow(ComponentForm(prefix=prefix, initial={"weight": Decimal(10)}))
            row.criteria.append(self._criterion(f"{prefix}-k0", initial=self._blank_criterion()))
            rows.append(row)
        return rows

    @staticmethod
    def _free(stem: str, taken: list[str]) -> str:
        n = 0
        while f"{stem}{n}" in taken:
            n += 1
        return f"{stem}{n}"

    def _blank_criterion(self) -> dict:
        first = next((value for _, group in self.measure_groups for value, _ in group), "")
        return {"measure": first, "aggregation": TimeAggregation.AVERAGE, "window_days": 30}

    # Validation ------------------------------------------------------------------------------------------------------

    def is_valid(self) -> bool:
        """Whether the configuration, every component and every criterion are valid (the forms of a row added or
        removed just now are unbound: the editor is then shown again, never saved)."""
        valid = self.form.is_valid() and not self.errors
        if self.data is not None and self.data.get("op"):
            valid = False
        if not self.rows:
            self.errors.append("Add at least one component.")
            valid = False
        known_components, known_criteria = self._known_ids()
        keys: dict[str, str] = {}
        for row in self.rows:
            if not row.form.is_bound:
                valid = False
                continue
            valid = row.form.is_valid() and valid
            component_id = row.form.cleaned_data.get("id") if hasattr(row.form, "cleaned_data") else None
            if component_id is not None and component_id not in known_components:
                row.form.add_error(None, "This component is not part of this configuration: reload the page.")
                valid = False
            name = row.form.cleaned_data.get("name") if hasattr(row.form, "cleaned_data") else None
            if name:
                key = component_key(name)
                if key in keys:
                    row.form.add_error("name", f"Two components are named “{keys[key]}”: give each its own name.")
                    valid = False
                keys[key] = name
            if not row.criteria:
                row.error = "Add at least one criterion to this component."
                valid = False
            for criterion in row.criteria:
                if not criterion.is_bound:
                    valid = False
                    continue
                valid = criterion.is_valid() and valid
                criterion_id = criterion.cleaned_data.get("id") if hasattr(criterion, "cleaned_data") else None
                if criterion_id is not None and known_criteria.get(criterion_id) != component_id:
                    criterion.add_error(None, "This criterion is not part of this component: reload the page.")
                    valid = False
        return valid

    def _known_ids(self) -> tuple[set[int], dict[int, int]]:
        if not self.configuration.pk:
            return set(), {}
        components = set(self.configuration.components.values_list("pk", flat=True))
        criteria = dict(self.configuration.components.values_list("criteria__pk", "pk").exclude(criteria__pk=None))
        return components, criteria

    def components_data(self) -> list[dict[str, Any]]:
        """The valid components as plain data for the services: name, weight, id and criteria."""
        out = []
        for row in self.rows:
            criteria = []
            for criterion in row.criteria:
                data = criterion.cleaned_data
                kind, _, key = data["measure"].partition(":")
                criteria.append(
                    {
                        "id": data.get("id"),
                        "source": kind,
                        "metric_key": key if kind == "metric" else "",
                        "dimension_key": key if kind == "dimension" else "",
                        "aggregation": data["aggregation"],
                        "window_days": data["window_days"],
                        "low": data["low"],
                        "high": data["high"],
                        "inverted": data["inverted"],
                    }
                )
            out.append(
                {
                    "id": row.form.cleaned_data.get("id"),
                    "name": row.form.cleaned_data["name"],
                    "key": component_key(row.form.cleaned_data["name"]),
                    "weight": row.form.cleaned_data["weight"],
                    "criteria": criteria,
                }
            )
        return out

    def weights(self) -> list[tuple[str, float]]:
        """(name, weight) of the components whose name and weight are valid so far, for the weight pie."""
        pairs = []
        for row in self.rows:
            if row.form.is_bound and row.form.is_valid():
                pairs.append((row.form.cleaned_data["name"], float(row.form.cleaned_data["weight"])))
            elif not row.form.is_bound and row.form.initial.get("name"):
                pairs.append((row.form.initial["name"], float(Decimal(str(row.form.initial.get("weight") or 0)))))
        return pairs

    def first_error(self) -> str:
        """The first problem of the form, for the preview ("the preview waits for ...")."""
        if self.errors:
            return self.errors[0]
        for name, errors in self.form.errors.items():
            return f"{self.form.fields[name].label if name in self.form.fields else 'Configuration'}: {errors[0]}"
        for row in self.rows:
            if row.error:
                return f"{row.form.data.get(row.form.add_prefix('name'), '') or 'A component'}: {row.error}"
            for name, errors in row.form.errors.items():
                return f"{row.form.fields[name].label if name in row.form.fields else 'Component'}: {errors[0]}"
            for criterion in row.criteria:
                for name, errors in criterion.errors.items():
                    label = criterion.fields[name].label if name in criterion.fields else "Criterion"
                    return f"{label}: {errors[0]}"
        return ""
