"""The list form and the condition builder's flat form encoding.

The builder posts one `node` entry per group or condition, in document order, named by a path of short ids
("r" is the root group, "r-k3" a child of it, "r-k3-p9" a grandchild). Each node's inputs are named
`<path>:<part>` (`r-k3:field`, `r-k3:op`, ...). `document_from_post` turns that into the JSON document of
`segments.schema`; `nodes_from_document` turns a document back into rows to render. Anything malformed becomes a
document that fails validation with the part named, never an exception here.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.http import QueryDict

from segments.columns import available_columns
from segments.fields import (
    AGGREGATION_LABELS,
    ANCHORS,
    DATE_OPERATOR_LABELS,
    DATE_OPERATORS,
    METRIC_OPERATORS,
    NO_VALUE_OPERATORS,
    OPERATOR_LABELS,
    WINDOW_KINDS,
    Catalogue,
    Entity,
    FieldType,
)
from segments.models import Segment, Visibility

ROOT = "r"
KINDS = {
    "attribute": "Field",
    "metric": "Metric",
    "metric_compare": "Metric vs metric",
    "metric_trend": "Metric over time",
    "date": "Date occurred",
}
LEAF_PARTS = [
    "field",
    "op",
    "value",
    "value2",
    "values",
    "metric",
    "aggregation",
    "other",
    "other_aggregation",
    "direction",
    "percent",
    "days",
    "wkind",
    "wdays",
    "wstart",
    "wend",
    "wanchor",
]


def new_path(parent: str) -> str:
    return f"{parent}-{secrets.token_hex(3)}"


def _number(raw: str) -> Any:
    """A number when it reads as one, else the text (validation then names the field)."""
    text = (raw or "").strip().replace(",", "")
    if text == "":
        return None
    try:
        number = float(text)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _window(parts: dict[str, str]) -> dict[str, Any]:
    window: dict[str, Any] = {"kind": parts.get("wkind") or "last_days"}
    if parts.get("wdays", "").strip():
        window["days"] = _number(parts["wdays"])
    for key, name in (("wstart", "start"), ("wend", "end")):
        if parts.get(key, "").strip():
            window[name] = parts[key].strip()
    if parts.get("wanchor"):
        window["anchor"] = parts["wanchor"]
    return window


def _leaf(kind: str, parts: dict[str, str]) -> dict[str, Any]:
    """One condition of the document from its posted parts."""
    leaf: dict[str, Any] = {"type": kind}
    if kind == "attribute":
        leaf.update(field=parts.get("field", ""), op=parts.get("op", ""))
        if leaf["op"] == "in":
            leaf["values"] = [v.strip() for v in parts.get("values", "").split(",") if v.strip()]
        elif leaf["op"] not in NO_VALUE_OPERATORS:
            for part in ("value", "value2"):
                if parts.get(part, "").strip():
                    leaf[part] = parts[part].strip()
        return leaf
    if kind == "date":
        leaf.update(field=parts.get("field", ""), op=parts.get("op", ""))
        if leaf["op"] in ("within", "not_within"):
            leaf["window"] = _window(parts)
        elif leaf["op"] in ("more_than_days_ago", "more_than_days_ahead"):
            leaf["days"] = _number(parts.get("days", ""))
        return leaf
    leaf.update(metric=parts.get("metric", ""), window=_window(parts))
    if parts.get("aggregation"):
        leaf["aggregation"] = parts["aggregation"]
    if kind == "metric":
        leaf["op"] = parts.get("op", "")
        if leaf["op"] not in NO_VALUE_OPERATORS:
            leaf["value"] = _number(parts.get("value", ""))
            if leaf["op"] == "between":
                leaf["value2"] = _number(parts.get("value2", ""))
        return leaf
    if kind == "metric_compare":
        leaf["other"] = parts.get("other", "")
        if parts.get("other_aggregation"):
            leaf["other_aggregation"] = parts["other_aggregation"]
    leaf.update(direction=parts.get("direction", "below"), percent=_number(parts.get("percent", "")))
    return leaf


def document_from_post(data: QueryDict) -> dict[str, Any]:
    """The conditions document the builder's inputs describe."""
    root: dict[str, Any] = {"type": "group", "match": data.get(f"{ROOT}:match", "all"), "children": []}
    groups: dict[str, dict] = {ROOT: root}
    for path in data.getlist("node")[:200]:
        if path == ROOT or "-" not in path or len(path) > 80:
            continue
        parent = groups.get(path.rsplit("-", 1)[0])
        if parent is None:
            continue
        kind = data.get(f"{path}:type", "")
        if kind == "group":
            node = {"type": "group", "match": data.get(f"{path}:match", "all"), "children": []}
            groups[path] = node
        else:
            node = _leaf(kind, {part: data.get(f"{path}:{part}", "") for part in LEAF_PARTS})
        parent["children"].append(node)
    return {"version": 1, "root": root}


# Rendering -------------------------------------------------------------------------------------------------------


@dataclass
class Node:
    """A group or condition row as the builder template draws it."""

    path: str
    type: str
    parts: dict[str, Any] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    error: str = ""
    # Filled by `decorate` for leaves:
    field_type: str = ""
    operators: list[tuple[str, str]] = field(default_factory=list)
    choices: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return self.type == "group"

    @property
    def needs_value(self) -> bool:
        return self.parts.get("op") not in NO_VALUE_OPERATORS

    @property
    def depth(self) -> int:
        return self.path.count("-")


def _parts_of(leaf: dict[str, Any]) -> dict[str, Any]:
    parts = {k: v for k, v in leaf.items() if k not in ("type", "window", "values")}
    if "values" in leaf and leaf["values"] is not None:
        parts["values"] = ", ".join(str(v) for v in leaf["values"])
    window = leaf.get("window") or {}
    for key, name in (
        ("wkind", "kind"),
        ("wdays", "days"),
        ("wstart", "start"),
        ("wend", "end"),
        ("wanchor", "anchor"),
    ):
        if window.get(name) is not None:
            parts[key] = window[name]
    return {k: ("" if v is None else v) for k, v in parts.items()}


def nodes_from_document(document: dict[str, Any] | None) -> Node:
    """The root group of a stored document, with fresh paths, ready to draw (tolerates broken documents)."""

    def build(data: Any, path: str) -> Node:
        if not isinstance(data, dict):
            return Node(path, "attribute")
        if data.get("type") == "group":
            children = data.get("children") if isinstance(data.get("children"), list) else []
            return Node(
                path,
                "group",
                {"match": data.get("match", "all")},
                [build(child, new_path(path)) for child in children],
            )
        return Node(path, str(data.get("type", "attribute")), _parts_of(data))

    root = (document or {}).get("root") if isinstance(document, dict) else None
    return build(root if isinstance(root, dict) else {"type": "group"}, ROOT)


def node_from_query(data: QueryDict, path: str) -> Node:
    """One row as posted (the builder re-draws a row when its kind, field or operator changes)."""
    kind = data.get(f"{path}:type", "attribute")
    if kind == "group":
        return Node(path, "group", {"match": data.get(f"{path}:match", "all")})
    parts = {part: data.get(f"{path}:{part}", "") for part in LEAF_PARTS}
    return Node(path, kind if kind in KINDS else "attribute", parts)


def decorate(node: Node, catalogue: Catalogue) -> Node:
    """Fill in what the row needs to draw: the operators that fit its field and the kind of value input."""
    if node.is_group:
        for child in node.children:
            decorate(child, catalogue)
        return node
    parts = node.parts
    if node.type == "attribute":
        spec = catalogue.fields.get(parts.get("field", "")) or next(iter(catalogue.fields.values()))
        parts["field"] = spec.key
        node.field_type = spec.data_type
        labels = DATE_OPERATOR_LABELS if spec.data_type == FieldType.DATE else OPERATOR_LABELS
        node.operators = [(op, labels[op]) for op in spec.operators]
        node.choices = spec.choices
    elif node.type == "date":
        dates = catalogue.date_fields()
        if not any(spec.key == parts.get("field") for spec in dates) and dates:
            parts["field"] = dates[0].key
        node.field_type = FieldType.DATE
        node.operators = [(op, DATE_OPERATOR_LABELS[op]) for op in DATE_OPERATORS]
    else:
        node.field_type = FieldType.NUMBER
        node.operators = [(op, OPERATOR_LABELS[op]) for op in METRIC_OPERATORS]
        if not parts.get("metric") and catalogue.metrics:
            parts["metric"] = next(iter(catalogue.metrics))
        parts.setdefault("wkind", "last_days")
        if not parts.get("wkind"):
            parts["wkind"] = "last_days"
        if parts["wkind"] in ("last_days", "next_days", "after_date", "before_date") and not parts.get("wdays"):
            parts["wdays"] = 30
    if node.operators and parts.get("op") not in dict(node.operators) and node.type in ("attribute", "date", "metric"):
        parts["op"] = node.operators[0][0]
    if node.type == "date" and parts.get("op") in ("within", "not_within") and not parts.get("wkind"):
        parts["wkind"], parts["wdays"] = "last_days", 30
    if node.type in ("metric_compare", "metric_trend"):
        parts.setdefault("direction", "below")
        if parts.get("percent") in (None, ""):
            parts["percent"] = 30
    return node


def builder_context(catalogue: Catalogue) -> dict[str, Any]:
    """The choices every row draws from."""
    return {
        "kinds": [(k, v) for k, v in KINDS.items() if catalogue.entity == Entity.ACCOUNT or k in ("attribute", "date")],
        "field_choices": [(spec.key, spec.label) for spec in catalogue.fields.values()],
        "date_field_choices": [(spec.key, spec.label) for spec in catalogue.date_fields()],
        "metric_choices": [(key, metric.name) for key, metric in catalogue.metrics.items()],
        "aggregation_choices": list(AGGREGATION_LABELS.items()),
        "window_choices": list(WINDOW_KINDS.items()),
        "anchor_choices": list(ANCHORS[catalogue.entity].items()),
        "entity": catalogue.entity,
    }


class SegmentForm(forms.ModelForm):
    """Name, description, sharing, columns and sort of a list; its conditions come from the builder."""

    columns = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple, label="Columns")

    class Meta:
        model = Segment
        fields = ["name", "description", "visibility"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"visibility": "Who can see it"}

    def __init__(self, *args: Any, catalogue: Catalogue, as_of: datetime.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["columns"].choices = [
            (key, column.label) for key, column in available_columns(catalogue, as_of).items() if key != "field:name"
        ]
        self.initial.setdefault("columns", self.instance.columns or [])
        if not self.instance.pk:
            self.initial.setdefault("visibility", Visibility.PRIVATE)
