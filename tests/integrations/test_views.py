"""Data source settings pages: who may see them, keys shown once and stored hashed, rotate, revoke, API status."""

from __future__ import annotations

import pytest

from integrations.models import ApiCall, ApiKey, Source
from integrations.services import api_call_record, api_calls_trim, key_hash

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["CSM", "Guest", "Executive"])
def test_it_refuses_roles_without_the_connectors_permission(client, members, role):
    client.force_login(members[role])
    assert client.get("/settings/sources/").status_code == 403
    assert client.post("/settings/sources/new/", {"name": "x", "kind": "api"}).status_code == 403


def test_it_creates_a_source_and_shows_its_key_once(manager_client):
    response = manager_client.post("/settings/sources/new/", {"name": "Product", "kind": "api"})
    assert response.status_code == 200
    key = response.context["key"]
    assert key.startswith("nat_") and key in response.content.decode()
    stored = ApiKey.objects.get()
    assert stored.key_hash == key_hash(key) and key not in (stored.prefix, stored.key_hash)
    source = Source.objects.get()
    page = manager_client.get(f"/settings/sources/{source.pk}/").content.decode()
    assert key not in page and stored.prefix in page
    assert manager_client.get("/settings/sources/").status_code == 200


def test_it_rotates_and_revokes_keys(manager_client, api_source, client):
    old = api_source.key
    response = manager_client.post(f"/settings/sources/{api_source.pk}/keys/rotate/")
    new = response.context["key"]
    assert client.get(f"/api/v2/accounts?api_key={old}").status_code == 401
    assert client.get(f"/api/v2/accounts?api_key={new}").status_code == 200
    active = api_source.keys.get(revoked_at__isnull=True)
    manager_client.post(f"/settings/sources/{api_source.pk}/keys/{active.pk}/revoke/")
    assert client.get(f"/api/v2/accounts?api_key={new}").status_code == 401


def test_webhook_sources_need_a_secret(manager_client):
    response = manager_client.post("/settings/sources/new/", {"name": "Stripe", "kind": "stripe"})
    assert response.status_code == 200 and "signing secret" in response.content.decode()
    response = manager_client.post(
        "/settings/sources/new/", {"name": "Stripe", "kind": "stripe", "webhook_secret": "whsec_1"}
    )
    assert response.status_code == 302
    assert Source.objects.get().webhook_secret == "whsec_1"


def test_api_status_page_lists_calls_and_filters(manager_client, api_source):
    api_call_record(source=api_source, method="POST", endpoint="/v1/x", status_code=200, records=10)
    api_call_record(
        source=api_source, method="POST", endpoint="/v1/x", status_code=200, records=10, failed=2, error="2 bad"
    )
    api_call_record(source=api_source, method="POST", endpoint="/v1/x", status_code=400, error="not JSON")
    response = manager_client.get(f"/settings/sources/{api_source.pk}/calls/")
    assert response.status_code == 200 and len(response.context["calls"]) == 3
    partial = manager_client.get(f"/settings/sources/{api_source.pk}/calls/?status=failure", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "not JSON" in partial.content.decode()
    assert len(partial.context["calls"]) == 1


def test_the_call_log_keeps_the_last_1000_per_source(api_source, segment_source, django_assert_max_num_queries):
    from django.utils import timezone

    for source in (api_source, segment_source):
        ApiCall.objects.bulk_create(
            [
                ApiCall(source=source, at=timezone.now(), method="GET", endpoint="/", status_code=200, status="success")
                for _ in range(1200)
            ]
        )
    with django_assert_max_num_queries(8):
        assert api_calls_trim() == 400
    assert ApiCall.objects.filter(source=api_source).count() == 1000
    assert ApiCall.objects.filter(source=segment_source).count() == 1000
