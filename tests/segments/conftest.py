"""Fixtures for list tests: a small catalogue of metrics, tiers and stages, and a helper evaluating conditions."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Account, AccountCSM, CustomDimension, Stage, Tier
from metrics.models import Metric, MetricKind, MetricUnit, MetricValue, TimeAggregation

AS_OF = datetime.date(2025, 6, 18)  # a Wednesday


def group(*children, match: str = "all") -> dict:
    return {"type": "group", "match": match, "children": list(children)}


def doc(*children, match: str = "all") -> dict:
    return {"version": 1, "root": group(*children, match=match)}


def attr(field: str, op: str, value=None, value2=None, values=None) -> dict:
    out = {"type": "attribute", "field": field, "op": op}
    if value is not None:
        out["value"] = value
    if value2 is not None:
        out["value2"] = value2
    if values is not None:
        out["values"] = values
    return out


def last(days: int) -> dict:
    return {"kind": "last_days", "days": days}


@pytest.fixture
def catalogue(db):
    """Tiers, stages, dimensions of every type, and metrics of every kind."""
    tiers = {
        name: Tier.objects.get_or_create(name=name, defaults={"order": i})[0]
        for i, name in enumerate(["Enterprise", "SMB"])
    }
    stages = {s.name: s for s in Stage.objects.all()}
    for i, name in enumerate(["Trial", "Onboarding", "Established", "Renewal"]):
        stages.setdefault(name, Stage.objects.get_or_create(name=name, defaults={"order": i})[0])
    dims = {
        "region": CustomDimension.objects.create(key="region", label="Region", data_type="text"),
        "seats": CustomDimension.objects.create(key="seats", label="Seats", data_type="number"),
        "kickoff": CustomDimension.objects.create(key="kickoff", label="Kickoff", data_type="date"),
        "plan": CustomDimension.objects.create(
            key="plan", label="Plan", data_type="picklist", choices=["Gold", "Silver"]
        ),
        "persona": CustomDimension.objects.create(key="persona", label="Persona", data_type="text", entity="contact"),
    }
    metrics = {
        "events": Metric.objects.create(key="events", name="Events", kind=MetricKind.BUILTIN, unit=MetricUnit.COUNT),
        "session_time": Metric.objects.create(
            key="session_time", name="Session time", kind=MetricKind.BUILTIN, unit=MetricUnit.SECONDS
        ),
        "reporting_time": Metric.objects.create(
            key="reporting_time", name="Reporting time", kind=MetricKind.CUSTOM, unit=MetricUnit.SECONDS
        ),
        "score": Metric.objects.create(
            key="score", name="Score", kind=MetricKind.CUSTOM, time_aggregation=TimeAggregation.LATEST
        ),
        "ratio": Metric.objects.create(key="ratio", name="Ratio", kind=MetricKind.COMPUTED, formula="events / 2"),
    }
    return {"tiers": tiers, "stages": stages, "dims": dims, "metrics": metrics}


@pytest.fixture
def make_account(catalogue):
    counter = iter(range(1, 10_000))

    def make(name: str, *, dims: dict | None = None, csms=(), **fields) -> Account:
        n = next(counter)
        for key in ("tier", "stage"):
            if isinstance(fields.get(key), str):
                fields[key] = catalogue[f"{key}s"][fields[key]]
        account = Account.objects.create(account_id=f"T-{n}", name=name, **fields)
        for key, value in (dims or {}).items():
            dimension = catalogue["dims"][key]
            row = account.dimension_values.model(account=account, dimension=dimension)
            row.set_value(dimension.parse(value))
            row.save()
        for user in csms:
            AccountCSM.objects.create(account=account, user=user, assigned_at=datetime.datetime.now(datetime.UTC))
        return account

    return make


@pytest.fixture
def put_values(catalogue):
    def put(account: Account, key: str, values: dict[int, float]) -> None:
        """values: {days before AS_OF: value}."""
        metric = catalogue["metrics"][key]
        MetricValue.objects.bulk_create(
            MetricValue(metric=metric, account=account, date=AS_OF - datetime.timedelta(days=ago), value=value)
            for ago, value in values.items()
        )

    return put
