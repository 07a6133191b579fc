"""Segment's two ways of sending the write key: HTTP Basic and `writeKey` in the JSON body, over HTTP."""

from __future__ import annotations

import pytest

from integrations.models import ApiCall
from tests.integrations.conftest import basic, post_json
from usage.models import Event

pytestmark = pytest.mark.django_db

TS = "2025-01-01T10:00:00Z"


def track(message_id: str, **extra) -> dict:
    return {
        "type": "track",
        "userId": "u1",
        "event": "Report Exported",
        "context": {"groupId": "acme"},
        "timestamp": TS,
        "messageId": message_id,
        **extra,
    }


@pytest.mark.parametrize("gz", [False, True])
def test_it_accepts_a_batch_authenticated_only_by_its_body_key(client, segment_source, gz):
    body = {"batch": [track("m1"), track("m2")], "writeKey": segment_source.key, "sentAt": TS}
    response = post_json(client, "/v1/batch", body, gz=gz)
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 2
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ["m1", "m2"]
    assert ApiCall.objects.get().source_id == segment_source.pk


def test_it_takes_the_key_its_batch_messages_share(client, segment_source):
    body = {"batch": [track("m1", writeKey=segment_source.key), track("m2", writeKey=segment_source.key)]}
    assert post_json(client, "/v1/batch", body).json()["stored"] == 2


def test_it_refuses_a_batch_whose_messages_name_different_keys(client, segment_source):
    body = {"batch": [track("m1", writeKey=segment_source.key), track("m2", writeKey="nat_other")]}
    response = post_json(client, "/v1/batch", body)
    assert response.status_code == 401 and "different write keys" in response.json()["detail"]
    assert not Event.objects.exists()


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/v1/track", {"userId": "u1", "event": "Clicked", "context": {"groupId": "acme"}}),
        ("/v1/identify", {"userId": "u1", "traits": {"account_id": "acme", "name": "Ann"}}),
        ("/v1/group", {"userId": "u1", "groupId": "acme", "traits": {"name": "Acme"}}),
        ("/v1/page", {"userId": "u1", "name": "Dashboard", "context": {"groupId": "acme"}}),
    ],
)
@pytest.mark.parametrize("gz", [False, True])
def test_each_single_call_accepts_the_body_key(client, segment_source, path, message, gz):
    response = post_json(client, path, {**message, "writeKey": segment_source.key, "timestamp": TS}, gz=gz)
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 1
    assert Event.objects.get().account_id == "acme"


def test_basic_auth_is_read_before_the_body_key(client, segment_source, api_source):
    # A valid Basic key wins over a wrong body key ...
    body = {"batch": [track("m1")], "writeKey": "nat_wrong"}
    assert post_json(client, "/v1/batch", body, HTTP_AUTHORIZATION=basic(segment_source.key)).status_code == 200
    # ... and a wrong Basic key is not rescued by a right body key.
    body = {"batch": [track("m2")], "writeKey": segment_source.key}
    assert post_json(client, "/v1/batch", body, HTTP_AUTHORIZATION=basic("nat_wrong")).status_code == 401
    assert list(Event.objects.values_list("event_id", flat=True)) == ["m1"]


def test_wrong_or_foreign_body_keys_are_refused(client, segment_source, api_source):
    assert post_json(client, "/v1/batch", {"batch": [track("m1")], "writeKey": "nat_nope"}).status_code == 401
    assert post_json(client, "/v1/track", {**track("m2"), "writeKey": api_source.key}).status_code == 403
    assert post_json(client, "/v1/track", {**track("m3"), "writeKey": 12}).status_code == 401
    assert post_json(client, "/v1/track", b"not json").status_code == 401
    assert not Event.objects.exists()
