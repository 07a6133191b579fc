"""Shared fixtures of the apps that work on a CSM's book (tasks, playbooks, alerts): two CSMs with an account each,
a client logged in as anyone, and the outbox run the way a worker runs it. A conftest imports what it uses."""

from __future__ import annotations

import pytest

from accounts import services as account_services


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
def account_fields():
    """Fields every book account gets (a conftest overrides it)."""
    return {}


@pytest.fixture
def account(db, csm, manager, account_fields):
    return account_services.account_create(
        by=manager, account_id="ACME-1", name="Acme Corp", csms=[csm], **account_fields
    )


@pytest.fixture
def other_account(db, other_csm, manager, account_fields):
    return account_services.account_create(
        by=manager, account_id="GLOBEX-1", name="Globex", csms=[other_csm], **account_fields
    )


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def send_outbox(mailoutbox):
    """Run the outbox job as a worker would; answers the emails sent so far."""
    from core.outbox import outbox_send_pending

    def run():
        outbox_send_pending()
        return mailoutbox

    return run
