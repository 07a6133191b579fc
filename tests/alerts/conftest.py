"""Fixtures of the alert tests: accounts of two CSMs in two industries, and a rule builder."""

from __future__ import annotations

import pytest

from accounts import services as account_services
from alerts.models import AlertRule
from alerts.services import alert_type_for, rule_save


@pytest.fixture(autouse=True)
def _default_picklists(request):
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            account_services.picklists_install_defaults()
            return


@pytest.fixture
def csm(members):
    return members["CSM"]


@pytest.fixture
def other_csm(make_member):
    return make_member("CSM", full_name="Other Csm")


@pytest.fixture
def account(db, csm, manager):
    return account_services.account_create(
        by=manager, account_id="ACME-1", name="Acme Corp", csms=[csm], industry="Retail"
    )


@pytest.fixture
def other_account(db, other_csm, manager):
    return account_services.account_create(
        by=manager, account_id="GLOBEX-1", name="Globex", csms=[other_csm], industry="Retail"
    )


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
