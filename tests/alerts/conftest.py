"""Fixtures of the alert tests: the shared book fixtures with retail accounts, a bystander, and a rule builder."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from alerts.models import AlertRule
from alerts.services import alert_type_for, rule_save
from tests.book import (  # noqa: F401  (fixtures)
    _default_picklists,
    account,
    client_for,
    csm,
    other_account,
    other_csm,
    send_outbox,
)


@pytest.fixture
def account_fields():
    """Both CSMs' accounts are retail, which the example rule matches."""
    return {"industry": "Retail"}


@pytest.fixture
def bystander(db, manager):
    """An account the rule does not match."""
    return account_services.account_create(by=manager, account_id="INI-1", name="Initech", industry="Banking")


def retail(**extra) -> dict:
    return {
        "version": 1,
        "root": {
            "type": "group",
            "match": "all",
            "children": [
                {"type": "attribute", "field": "industry", "op": "is", "value": "Retail"},
                *extra.get("more", []),
            ],
        },
    }


@pytest.fixture
def make_rule(db):
    def make(**fields) -> AlertRule:
        fields.setdefault("name", "Retail accounts")
        fields.setdefault("conditions", retail())
        rule = AlertRule(type=alert_type_for(fields.pop("type", "Churn")), **fields)
        return rule_save(rule=rule)

    return make
