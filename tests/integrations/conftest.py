"""Fixtures of the integrations tests: sources of each kind with their keys, and signed-request helpers."""

from __future__ import annotations

import base64
import gzip

import orjson
import pytest

from integrations.models import SourceKind
from integrations.services import source_create

NOW_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z


@pytest.fixture
def api_source(db):
    source, key = source_create(name="Product API", kind=SourceKind.API, by=None)
    source.key = key
    return source


@pytest.fixture
def segment_source(db):
    source, key = source_create(name="Segment", kind=SourceKind.SEGMENT, by=None)
    source.key = key
    return source


@pytest.fixture
def stripe_source(db):
    source, _ = source_create(name="Stripe", kind=SourceKind.STRIPE, by=None, webhook_secret="whsec_test_secret")
    return source


@pytest.fixture
def zendesk_source(db):
    source, _ = source_create(name="Zendesk", kind=SourceKind.ZENDESK, by=None, webhook_secret="zd-secret")
    return source


def basic(user: str, password: str = "") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def post_json(client, path: str, body, *, gz: bool = False, **headers):
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    if gz:
        data = gzip.compress(data)
        headers["HTTP_CONTENT_ENCODING"] = "gzip"
    return client.generic("POST", path, data, content_type="application/json", **headers)


def event(n: int = 0, **overrides) -> dict:
    base = {
        "action": "feature",
        "account_id": "acme",
        "user_id": f"u{n % 5}",
        "created_at": NOW_MS + n * 1000,
        "session_id": "s1",
        "feature": "export",
        "module": "reports",
        "total": 1,
    }
    base.update(overrides)
    return base
