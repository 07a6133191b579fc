"""CSV import target of the metrics app: values of custom metrics, per account and day (or moment).

The same values the Account API's `metrics` collection takes, stored raw through the same service; a name seen for
the first time joins the catalogue as a custom metric. Values dated before today also reach the daily history at
once: a background job recomputes those days' custom and computed metrics once the import commits.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.utils import timezone

from accounts.importers import accounts_by_id, external_ids, live_account, parse_external_id
from accounts.imports import ImportColumn, ImportTarget, RowInvalid, parse_decimal, register_target
from metrics.models import Metric, MetricKind
from metrics.services import custom_key
from usage.models import CustomMetricValue
from usage.services import metric_values_upsert

NAME = re.compile(r"^[A-Za-z0-9_.:\- ]{1,100}$")
VALUE_LIMIT = 10**18


def _moment(value: str) -> datetime.datetime:
    """A date (midnight UTC) or a date and time (UTC unless it says otherwise), as the API reads them."""
    if not value:
        raise RowInvalid("date", "is required.")
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowInvalid("date", f"“{value}” is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM.") from None
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment


class MetricValuesTarget(ImportTarget):
    key = "metric_values"
    order = 70
    label = "Metric values"
    description = "Values of custom metrics (seats purchased, licences used...) per account and date."
    key_label = "same account, metric and date"

    def columns(self) -> list[ImportColumn]:
        return [
            ImportColumn("account_id", True, example="ACME-001"),
            ImportColumn(
                "metric", True, "The custom metric's name; a new name joins the catalogue.", "Seats purchased"
            ),
            ImportColumn("date", True, "YYYY-MM-DD or YYYY-MM-DD HH:MM (UTC)", "2025-01-31", text=False),
            ImportColumn("value", True, "A number.", "120", text=False),
        ]

    def prepare(self, rows: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "accounts": accounts_by_id(external_ids(rows, "account_id")),
            "catalogue": {m.key: m for m in Metric.objects.all()},
            "days": set(),
        }

    def row_key(self, row: dict[str, str]) -> str | None:
        try:
            account = parse_external_id(row.get("account_id", ""), "account_id")
            return f"date:{account}|{custom_key(row.get('metric', ''))}|{_moment(row.get('date', '')).isoformat()}"
        except RowInvalid:
            return None

    def validate(self, row: dict[str, str], ctx: dict[str, Any]) -> dict[str, Any]:
        account = live_account(ctx, parse_external_id(row.get("account_id", ""), "account_id"), "account_id")
        name = row.get("metric", "")
        if not name:
            raise RowInvalid("metric", "is required.")
        if not NAME.match(name):
            raise RowInvalid("metric", "uses letters, digits, spaces and _ . : - only (at most 100).")
        metric = ctx["catalogue"].get(custom_key(name))
        if metric is not None and metric.kind != MetricKind.CUSTOM:
            raise RowInvalid(
                "metric",
                f"“{name}” is the {metric.get_kind_display().lower()} metric {metric.name}: pick another name.",
            )
        if metric is not None and metric.deleted_at:
            raise RowInvalid("metric", f"the custom metric {metric.name} was deleted from the catalogue.")
        moment = _moment(row.get("date", ""))
        if moment > timezone.now() + datetime.timedelta(days=1):
            raise RowInvalid("date", "is in the future.")
        value = parse_decimal(row.get("value", ""), "value", places=6, limit=VALUE_LIMIT)
        if value is None:
            raise RowInvalid("value", "is required.")
        return {"metric": name, "account_id": account.account_id, "timestamp": moment, "value": value}

    def write(self, line: int, clean: dict[str, Any], ctx: dict[str, Any]) -> str:
        existing = CustomMetricValue.objects.filter(
            metric=clean["metric"], account_id=clean["account_id"], timestamp=clean["timestamp"]
        ).first()
        if existing is not None and existing.value == clean["value"]:
            return "unchanged"
        metric_values_upsert(source_id=0, values=[clean])
        ctx["days"].add(clean["timestamp"].astimezone(datetime.UTC).date())
        return "created" if existing is None else "updated"

    def after_write(self, ctx: dict[str, Any]) -> None:
        from metrics.jobs import custom_history_refresh_later

        custom_history_refresh_later(ctx["days"])


def register() -> None:
    register_target(MetricValuesTarget())
