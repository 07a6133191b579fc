"""Fixtures of the accounts tests: accounts owned by different CSMs, and clients logged in as each role."""

from __future__ import annotations

import datetime

import pytest

from accounts import services
from tests.accounts.factories import AccountFactory, stage


@pytest.fixture(autouse=True)
def _default_picklists(request):
    """Default stages, tiers, interaction types and ticket values (a transactional test's flush removes the rows
    the data migration installed)."""
    for name in ("transactional_db", "db"):
        if name in request.fixturenames:
            request.getfixturevalue(name)
            services.picklists_install_defaults()
            return


@pytest.fixture
def csm(members):
    return members["CSM"]


@pytest.fixture
def other_csm(make_member):
    return make_member("CSM", full_name="Other Csm")


@pytest.fixture
def account(db, csm, manager):
    """An active account in Onboarding owned by `csm`."""
    account = services.account_create(
        by=manager,
        account_id="ACME-1",
        name="Acme Corp",
        stage=stage("Onboarding"),
        csms=[csm],
        on=datetime.date(2024, 1, 1),
        join_date=datetime.date(2024, 1, 1),
    )
    return account


@pytest.fixture
def other_account(db, other_csm, manager):
    """An account owned by another CSM."""
    return services.account_create(by=manager, account_id="GLOBEX-1", name="Globex", csms=[other_csm])


@pytest.fixture
def unassigned_account(db):
    return AccountFactory(name="Initech", account_id="INI-1")


@pytest.fixture
def client_for(client):
    """Log the test client in as a given member."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def csm_client(client_for, csm):
    return client_for(csm)


@pytest.fixture
def guest_client(client_for, members):
    return client_for(members["Guest"])
