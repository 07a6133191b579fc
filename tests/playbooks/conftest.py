"""Fixtures of these tests: the shared book fixtures (two CSMs' accounts, a client for anyone, the outbox run)."""

from tests.book import (  # noqa: F401  (fixtures)
    _default_picklists,
    account,
    account_fields,
    client_for,
    csm,
    other_account,
    other_csm,
    send_outbox,
)
