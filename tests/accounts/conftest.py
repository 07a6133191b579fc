"""Fixtures of the accounts tests: accounts owned by different CSMs, and clients logged in as each role."""

from __future__ import annotations

import datetime

import pytest

from accounts import services
from tests import book
from tests.accounts.factories import AccountFactory, stage

# The fixtures shared with the other apps' tests (tests/book.py); this book's own account is below.
_default_picklists = book._default_picklists
account_fields, client_for, csm = book.account_fields, book.client_for, book.csm
other_account, other_csm = book.other_account, book.other_csm


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
def unassigned_account(db):
    return AccountFactory(name="Initech", account_id="INI-1")


@pytest.fixture
def csm_client(client_for, csm):
    return client_for(csm)


@pytest.fixture
def guest_client(client_for, members):
    return client_for(members["Guest"])
