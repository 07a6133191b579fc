"""The Event API and the Segment-compatible API over HTTP: auth, shapes, bad input, limits, duplicates."""

from __future__ import annotations

import datetime
import gzip
import uuid

import orjson
import pytest
from django.db.models import F

from accounts.models import Account, AccountContact, Contact
from integrations.models import ApiCall, CallStatus
from tests.integrations.conftest import NOW_MS, basic, event, post_json
from usage.models import Event, EventAction
from usage.services import events_apply_to_accounts

pytestmark = pytest.mark.django_db


def ev_url(source, key=None) -> str:
    return f"/v1/{source.public_id}/{key or source.key}"


def test_event_api_auth(client, api_source, segment_source):
    assert post_json(client, f"/v1/{api_source.public_id}/nat_wrong", event()).status_code == 401
    assert post_json(client, f"/v1/wrong/{api_source.key}", event()).status_code == 401
    assert post_json(client, f"/v1/{segment_source.public_id}/{segment_source.key}", event()).status_code == 403
    assert client.get(ev_url(api_source)).status_code == 405
    assert client.get(f"/v1/{api_source.public_id}/nope").status_code == 401


def test_event_api_stores_every_action(client, api_source):
    events = [
        event(0, action="identifyUser", details={"name": "Ann", "email": "ann@example.com"}),
        event(1, action="identifyAccount", details={"name": "Acme Inc"}),
        event(2, action="sessionSync", active_duration=60000),
        event(3, action="moduleEnd", module="dashboard", time_spent=30000),
        event(4, action="feature", feature="export", module="reports", total=3, product="web"),
    ]
    response = post_json(client, ev_url(api_source), events)
    assert response.status_code == 200, response.content
    assert response.json()["stored"] == 5
    rows = {e.action: e for e in Event.objects.all()}
    assert rows[EventAction.SESSION_SYNC].duration_ms == 60000
    assert rows[EventAction.MODULE_END].module == "dashboard"
    assert rows[EventAction.FEATURE].quantity == 3 and rows[EventAction.FEATURE].product == "web"
    assert rows[EventAction.FEATURE].occurred_at == datetime.datetime(2025, 1, 1, 0, 0, 4, tzinfo=datetime.UTC)
    assert rows[EventAction.IDENTIFY_USER].details == {"name": "Ann", "email": "ann@example.com"}
    assert {e.source_id for e in rows.values()} == {api_source.pk}
    # A single event (not a list) works too.
    assert post_json(client, ev_url(api_source), event(9)).json()["stored"] == 1


def test_event_api_keeps_good_events_of_a_bad_batch(client, api_source):
    events = [
        event(0),
        event(1, action="explode"),
        event(2, account_id=None),
        event(3, created_at="yesterday"),
        event(4, session_id=None),
        event(5, account_id="12345.0"),
        event(6, account_id=123.5),
        event(7, created_at=NOW_MS // 1000),  # seconds: converted
        event(8, total="many"),
        event(9, action="moduleEnd", module="m"),  # no time_spent
        event(10, created_at=4102444800000),  # 2100: in the future
        event(11, module="x" * 500),
        event(12, feature="nul\x00byte", details={"k": "v\x00"}),
        42,
    ]
    response = post_json(client, ev_url(api_source), events)
    assert response.status_code == 200
    body = response.json()
    assert [f["record"] for f in body["failed_results"]] == [1, 2, 3, 4, 6, 8, 9, 10, 11, 13]
    assert body["stored"] == 4
    assert Event.objects.filter(account_id="12345").exists()
    converted = Event.objects.get(occurred_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC), user_id="u2")
    assert converted.user_id == "u2"
    assert Event.objects.filter(feature="nulbyte").exists()
    assert ApiCall.objects.get(source=api_source).status == CallStatus.PARTIAL


def test_event_api_rejects_unreadable_bodies(client, api_source, settings):
    target = ev_url(api_source)
    assert post_json(client, target, b"[{").status_code == 400
    assert post_json(client, target, b'["\xff\xfe"]').status_code == 400
    assert post_json(client, target, b"").status_code == 400
    assert post_json(client, target, b"not gzip", HTTP_CONTENT_ENCODING="gzip").status_code == 400
    assert post_json(client, target, b"{}", HTTP_CONTENT_ENCODING="br").status_code == 415
    assert post_json(client, target, []).status_code == 400
    all_bad = post_json(client, target, [event(0, action="nope")])
    assert all_bad.status_code == 400 and all_bad.json()["status_is_ok"] is False
    settings.INGEST_MAX_BATCH = 3
    assert post_json(client, target, [event(i) for i in range(4)]).status_code == 413
    settings.INGEST_MAX_BODY_BYTES = 1000
    assert post_json(client, target, [event(i) for i in range(3)] + [event(0, product="p" * 2000)]).status_code == 413
    big = client.generic("POST", target, b"[]", content_type="application/json", CONTENT_LENGTH="999999999")
    assert big.status_code == 413
    assert ApiCall.objects.filter(source=api_source, status=CallStatus.FAILURE).count() >= 8


def test_event_api_accepts_gzip_and_stops_gzip_bombs(client, api_source, settings):
    response = post_json(client, ev_url(api_source), [event(i) for i in range(50)], gz=True)
    assert response.status_code == 200 and response.json()["stored"] == 50
    settings.INGEST_MAX_DECOMPRESSED_BYTES = 1024 * 1024
    bomb = gzip.compress(b"[" + b" " * (50 * 1024 * 1024) + b"]")
    assert len(bomb) < 100_000
    response = client.generic(
        "POST", ev_url(api_source), bomb, content_type="application/json", HTTP_CONTENT_ENCODING="gzip"
    )
    assert response.status_code == 413


def test_the_same_batch_twice_is_stored_once(client, api_source):
    events = [event(i) for i in range(20)] + [event(0, event_id="client-1"), event(0, event_id="client-1")]
    first = post_json(client, ev_url(api_source), events).json()
    assert first["stored"] == 21 and first["duplicates"] == 1
    second = post_json(client, ev_url(api_source), events).json()
    assert second["stored"] == 0 and second["duplicates"] == 22
    assert Event.objects.count() == 21


def test_segment_endpoints_map_calls(client, segment_source, api_source):
    auth = {"HTTP_AUTHORIZATION": basic(segment_source.key)}
    ts = "2025-01-01T10:00:00Z"
    batch = {
        "batch": [
            {
                "type": "group",
                "userId": "u1",
                "groupId": "acme",
                "traits": {"name": "Acme Corp", "employees": 50},
                "timestamp": ts,
                "messageId": "m1",
            },
            {
                "type": "identify",
                "userId": "u1",
                "traits": {"name": "Ann", "email": "ann@acme.test"},
                "timestamp": ts,
                "messageId": "m2",
            },
            {
                "type": "track",
                "userId": "u1",
                "event": "Report Exported",
                "properties": {"module": "reports", "total": 2},
                "timestamp": ts,
                "messageId": "m3",
            },
            {
                "type": "page",
                "userId": "u1",
                "name": "Dashboard",
                "properties": {"time_spent": 5000},
                "timestamp": ts,
                "messageId": "m4",
            },
            {"type": "track", "userId": "stranger", "event": "x", "timestamp": ts},
            {"type": "alias", "userId": "u1", "previousId": "anon"},
            {"type": "teleport", "userId": "u1"},
        ],
        "context": {"library": {"name": "test"}},
    }
    response = post_json(client, "/v1/batch", batch, **auth)
    assert response.status_code == 200, response.content
    body = response.json()
    assert [f["record"] for f in body["failed_results"]] == [4, 6]
    assert body["stored"] == 4
    rows = {e.event_id: e for e in Event.objects.all()}
    assert rows["m1"].action == EventAction.IDENTIFY_ACCOUNT and rows["m1"].account_id == "acme"
    assert rows["m3"].feature == "Report Exported" and rows["m3"].quantity == 2 and rows["m3"].account_id == "acme"
    assert rows["m4"].module == "Dashboard" and rows["m4"].duration_ms == 5000
    # Single calls, gzip, context.groupId.
    one = {"userId": "u9", "event": "Clicked", "context": {"groupId": "beta"}, "timestamp": ts}
    assert post_json(client, "/v1/track", one, gz=True, **auth).json()["stored"] == 1
    assert Event.objects.get(user_id="u9").account_id == "beta"
    assert (
        post_json(
            client, "/v1/identify", {"userId": "u9", "traits": {"account_id": "beta", "name": "Nine"}}, **auth
        ).status_code
        == 200
    )
    assert (
        post_json(
            client, "/v1/group", {"userId": "u9", "groupId": "beta", "traits": {"name": "Beta"}}, **auth
        ).status_code
        == 200
    )
    assert (
        post_json(
            client, "/v1/page", {"userId": "u9", "name": "Home", "context": {"groupId": "beta"}}, **auth
        ).status_code
        == 200
    )
    # Auth: no key, wrong key, another kind's key.
    assert post_json(client, "/v1/batch", batch).status_code == 401
    assert post_json(client, "/v1/batch", batch, HTTP_AUTHORIZATION=basic("nat_nope")).status_code == 401
    assert post_json(client, "/v1/batch", batch, HTTP_AUTHORIZATION=basic(api_source.key)).status_code == 403


def test_segment_uses_the_users_one_known_account(client, segment_source):
    AccountContact.objects.create(
        account=Account.objects.create(account_id="known", name="Known"), contact=Contact.objects.create(user_id="u5")
    )
    body = {"userId": "u5", "event": "Saved", "messageId": str(uuid.uuid4())}
    response = post_json(client, "/v1/track", body, HTTP_AUTHORIZATION=basic(segment_source.key))
    assert response.json()["stored"] == 1
    assert Event.objects.get().account_id == "known"


def test_events_create_their_accounts_and_contacts_later(client, api_source, segment_source):
    post_json(
        client,
        ev_url(api_source),
        [
            event(0, account_id="new-acc", user_id="nu1"),
            event(1, account_id="new-acc", user_id="nu2"),
            event(
                2, action="identifyAccount", account_id="new-acc", user_id="nu2", details={"name": "New Account Ltd"}
            ),
            event(
                3,
                action="identifyUser",
                account_id="new-acc",
                user_id="nu1",
                details={"email": "NU1@x.test", "name": "Nu One"},
            ),
        ],
    )
    assert not Account.objects.filter(account_id="new-acc").exists()  # not on the request path
    counts = events_apply_to_accounts(settle_seconds=0)
    assert counts["accounts"] == 1 and counts["contacts"] == 2
    account = Account.objects.get(account_id="new-acc")
    assert account.name == "New Account Ltd"
    assert set(account.contacts.values_list("user_id", flat=True)) == {"nu1", "nu2"}
    assert Contact.objects.get(user_id="nu1").email == "nu1@x.test"
    assert Contact.objects.get(user_id="nu1").first_seen is not None
    # Nothing new: a second run does nothing; deleted accounts are not re-created.
    assert events_apply_to_accounts(settle_seconds=0)["events"] == 0
    from accounts.services import account_delete

    account_delete(account=account, by=None)
    post_json(client, ev_url(api_source), [event(5, account_id="new-acc", user_id="nu3")])
    events_apply_to_accounts(settle_seconds=0)
    assert Account.objects.filter(account_id="new-acc").count() == 1
    assert not AccountContact.objects.filter(contact__user_id="nu3").exists()


def test_derived_ids_are_stable_per_payload(client, api_source):
    payload = orjson.dumps([event(1)])
    post_json(client, ev_url(api_source), payload)
    post_json(client, ev_url(api_source), payload)
    assert Event.objects.count() == 1
    assert Event.objects.get().event_id.startswith("h:")


def test_a_retried_segment_message_without_a_timestamp_is_stored_once(client, segment_source):
    """Without a timestamp the event takes the time it arrived, which differs on a retry; the message id still
    identifies it, on the same day or the next."""
    auth = {"HTTP_AUTHORIZATION": basic(segment_source.key)}
    body = {"userId": "u1", "context": {"groupId": "acme"}, "event": "Exported", "messageId": "retry-1"}
    assert post_json(client, "/v1/track", body, **auth).json()["stored"] == 1
    assert post_json(client, "/v1/track", body, **auth).json()["stored"] == 0
    Event.objects.update(occurred_at=F("occurred_at") - datetime.timedelta(hours=20))  # it first came yesterday
    assert post_json(client, "/v1/batch", {"batch": [{**body, "type": "track"}]}, **auth).json()["stored"] == 0
    assert Event.objects.count() == 1
    # Another message, and the same id with a timestamp of its own (a different event time), are stored.
    assert post_json(client, "/v1/track", {**body, "messageId": "retry-2"}, **auth).json()["stored"] == 1
    timed = {**body, "timestamp": "2025-01-01T10:00:00Z"}
    assert post_json(client, "/v1/track", timed, **auth).json()["stored"] == 1
    assert Event.objects.count() == 3
