"""The Account API v2 over HTTP: auth, bulk upserts with partial failures, lists, single accounts, sub-resources."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.models import Account, AccountContact, Contact, CustomDimension, Interaction, SupportTicket
from integrations.models import ApiCall, CallStatus, SourceKind
from integrations.services import api_key_revoke, source_create
from revenue.models import Invoice, Subscription
from tests.integrations.conftest import basic, post_json
from usage.models import CustomMetricValue

pytestmark = pytest.mark.django_db


def url(path: str, key: str | None = None) -> str:
    return f"/api/v2/{path}" + (f"?api_key={key}" if key else "")


def test_it_refuses_missing_wrong_and_revoked_keys(client, api_source):
    assert client.get(url("accounts")).status_code == 401
    assert client.get(url("accounts", "nat_wrong")).status_code == 401
    assert client.post(url("accounts")).status_code == 401
    assert client.get(url("accounts"), HTTP_AUTHORIZATION=basic("api", "nat_wrong")).status_code == 401
    assert client.get(url("accounts", api_source.key)).status_code == 200
    assert client.get(url("accounts"), HTTP_AUTHORIZATION=basic("api", api_source.key)).status_code == 200
    api_key_revoke(key=api_source.keys.get())
    assert client.get(url("accounts", api_source.key)).status_code == 401


def test_it_refuses_a_key_of_another_kind_with_403(client, segment_source):
    response = client.get(url("accounts", segment_source.key))
    assert response.status_code == 403
    assert "Segment" in response.json()["detail"]


def test_it_answers_401_not_405_to_a_wrong_method_without_key(client, db):
    assert client.put(url("accounts")).status_code == 401
    assert client.get("/v1/batch").status_code == 401


def test_it_upserts_accounts_keeping_valid_records(client, api_source):
    CustomDimension.objects.create(key="region", label="Region", data_type="text")
    CustomDimension.objects.create(key="seats", label="Seats", data_type="number")
    records = [
        {
            "account_id": "A-1",
            "name": "Acme",
            "stage": "Trial",
            "tier": "SMB",
            "join_date": "2024-01-15",
            "custom_label_dimensions": [{"key": "region", "value": "EMEA"}],
            "custom_value_dimensions": [{"key": "seats", "value": 25}],
        },
        {"account_id": "12345.0", "name": "Float id"},
        {"account_id": 1.5, "name": "Bad id"},
        {"name": "No id"},
        {"account_id": "A-2", "name": 42},
        {"account_id": "A-3", "stage": "Nope"},
        "not an object",
    ]
    response = post_json(client, url("accounts", api_source.key), {"records": records})
    assert response.status_code == 200
    body = response.json()
    assert body["status_is_ok"] is False
    assert [f["record"] for f in body["failed_results"]] == [2, 3, 4, 5, 6]
    assert body["failed_results"][3]["account_id"] == "A-3"
    assert "Unknown stage" in body["failed_results"][3]["message"]
    acme = Account.objects.get(account_id="A-1")
    assert acme.stage.name == "Trial" and acme.tier.name == "SMB"
    assert acme.stage_history.get().start == datetime.date(2024, 1, 15)
    assert Account.objects.filter(account_id="12345").exists()
    got = client.get(url("accounts/A-1", api_source.key)).json()
    assert got["custom_label_dimensions"] == [{"key": "region", "value": "EMEA"}]
    assert got["custom_value_dimensions"] == [{"key": "seats", "value": "25"}]
    call = ApiCall.objects.filter(source=api_source, method="POST").get()
    assert call.status == CallStatus.PARTIAL and call.records == 7 and call.failed == 5

    # Again, changing the stage: history moves, nothing duplicated.
    response = post_json(
        client, url("accounts", api_source.key), {"records": [{"account_id": "A-1", "stage": "Onboarding", "nps": 9}]}
    )
    assert response.json() == {"status_is_ok": True, "failed_results": [], "created": 0, "updated": 1}
    acme.refresh_from_db()
    assert acme.stage.name == "Onboarding" and acme.nps == 9
    assert acme.stage_history.count() == 2 and acme.nps_history.count() == 1


def test_it_refuses_to_recreate_deleted_accounts(client, api_source):
    post_json(client, url("accounts", api_source.key), {"records": [{"account_id": "gone", "name": "Gone"}]})
    assert client.delete(url("accounts/gone", api_source.key)).status_code == 200
    assert Account.objects.get(account_id="gone").is_deleted
    assert client.get(url("accounts/gone", api_source.key)).status_code == 404
    body = post_json(
        client, url("accounts", api_source.key), {"records": [{"account_id": "gone", "name": "Back"}]}
    ).json()
    assert body["status_is_ok"] is False
    assert "deleted" in body["failed_results"][0]["message"]
    assert Account.objects.get(account_id="gone").name == "Gone"


def test_it_answers_400_for_bodies_it_cannot_read(client, api_source):
    target = url("accounts", api_source.key)
    assert post_json(client, target, b"{not json").status_code == 400
    assert post_json(client, target, b"\xff\xfe{}").status_code == 400
    assert post_json(client, target, {"records": "x"}).status_code == 400
    assert post_json(client, target, [1, 2]).status_code == 400
    response = post_json(client, target, {"records": []})
    assert response.status_code == 400


def test_it_lists_pages_of_1000_with_order_and_inactive(client, api_source):
    Account.objects.bulk_create([Account(account_id=f"acc-{i:04d}", name=f"N{i}") for i in range(1005)])
    Account.objects.filter(account_id="acc-0000").update(churned_on=datetime.date(2024, 1, 1))
    first = client.get(url("accounts", api_source.key)).json()
    assert len(first["results"]) == 1000 and first["has_more"] is True
    assert first["results"][0]["account_id"] == "acc-0001"  # churned one left out
    second = client.get(url("accounts", api_source.key) + "&page=2").json()
    assert len(second["results"]) == 4 and second["has_more"] is False
    everything = client.get(
        url("accounts", api_source.key) + "&include_inactive=true&order_by=account_id&direction=desc"
    ).json()
    assert everything["results"][0]["account_id"] == "acc-1004"
    assert client.get(url("accounts", api_source.key) + "&order_by=password").status_code == 400
    assert client.get(url("accounts", api_source.key) + "&page=0").status_code == 422


def test_it_puts_one_account(client, api_source):
    response = client.put(
        url("accounts/P-1", api_source.key), {"name": "Put Co", "industry": "Retail"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["name"] == "Put Co"
    response = client.put(url("accounts/P-1", api_source.key), {"csm_score": 900}, content_type="application/json")
    assert response.status_code == 400
    assert Account.objects.get(account_id="P-1").industry == "Retail"
    # A NUL character (which PostgreSQL cannot store) is refused, naming the field, in one record or a batch.
    response = client.put(url("accounts/P-1", api_source.key), {"name": "Nul\u0000Co"}, content_type="application/json")
    assert response.status_code == 400 and "name" in response.text and "NUL" in response.text
    batch = [{"account_id": "P-2", "name": "Fine"}, {"account_id": "P-3", "description": "a\u0000b"}]
    body = post_json(client, url("accounts", api_source.key), {"records": batch}).json()
    assert [f["record"] for f in body["failed_results"]] == [1] and "NUL" in body["failed_results"][0]["message"]
    assert Account.objects.get(account_id="P-1").name == "Put Co" and Account.objects.filter(account_id="P-2").exists()


def test_users_contacts_and_their_account_lists(client, api_source):
    post_json(client, url("accounts", api_source.key), {"records": [{"account_id": "A", "name": "A"}]})
    users = [
        {"account_id": "A", "user_id": "u1", "name": "Ann", "email": "ANN@example.com"},
        {"account_id": "B", "user_id": "u2", "name": "Bob"},
        {"account_id": "A", "name": "No user id"},
    ]
    body = post_json(client, url("account_users", api_source.key), {"records": users}).json()
    assert [f["record"] for f in body["failed_results"]] == [2]
    assert Contact.objects.get(user_id="u1").email == "ann@example.com"
    assert Account.objects.filter(account_id="B").exists()  # created for its user
    contacts = [{"account_id": "A", "email": "crm@example.com", "name": "Crm Person"}, {"account_id": "A"}]
    body = post_json(client, url("account_contacts", api_source.key), {"records": contacts}).json()
    assert [f["record"] for f in body["failed_results"]] == [1]
    assert AccountContact.objects.filter(account__account_id="A").count() == 2
    listed = client.get(url("accounts/A/users", api_source.key)).json()["results"]
    assert [u["user_id"] for u in listed] == ["u1"]
    listed = client.get(url("accounts/A/contacts", api_source.key)).json()["results"]
    assert {c["email"] for c in listed} == {"ann@example.com", "crm@example.com"}
    assert len(client.get(url("account_users", api_source.key)).json()["results"]) == 2


def test_metric_values_for_past_days_reach_the_history(client, api_source, django_capture_on_commit_callbacks):
    from metrics.models import MetricCurrent, MetricValue

    post_json(client, url("account_users", api_source.key), {"records": [{"account_id": "A", "user_id": "u1"}]})
    day = datetime.date.today() - datetime.timedelta(days=3)
    records = [{"account_id": "A", "metric": "Seats used", "value": 40, "date": day.isoformat()}]
    with django_capture_on_commit_callbacks(execute=True):
        assert post_json(client, url("metrics", api_source.key), {"records": records}).status_code == 200
    value = MetricValue.objects.get(metric__key="seats_used")
    assert (value.date, value.value, value.account.account_id) == (day, 40, "A")
    assert MetricCurrent.objects.get(metric__key="seats_used").value == 40


def test_metrics_interactions_and_tickets(client, api_source):
    post_json(client, url("account_users", api_source.key), {"records": [{"account_id": "A", "user_id": "u1"}]})
    metrics = [
        {"account_id": "A", "metric": "seats_used", "value": 12, "date": "2025-01-01"},
        {"account_id": "A", "metric": "seats_used", "value": "13.5", "timestamp": "2025-01-01T00:00:00Z"},
        {"account_id": "A", "metric": "seats_used", "value": "NaN", "date": "2025-01-02"},
        {"account_id": "A", "metric": "seats_used", "value": 1},
    ]
    body = post_json(client, url("metrics", api_source.key), {"records": metrics}).json()
    assert [f["record"] for f in body["failed_results"]] == [2, 3]
    assert CustomMetricValue.objects.get().value == Decimal("13.5")  # the later one at the same time wins
    assert client.get(url("accounts/A/metrics", api_source.key)).json()["results"][0]["value"] == "13.500000"

    interactions = [
        {
            "interaction_id": "i1",
            "account_id": "A",
            "date": "2025-01-02T10:00:00Z",
            "type": "Call",
            "subject": "Kick-off",
            "contacts": ["u1"],
        },
        {"interaction_id": "i2", "account_id": "A", "date": "2025-01-02T10:00:00Z", "type": "Séance", "subject": "x"},
        {
            "interaction_id": "i3",
            "account_id": "nobody",
            "date": "2025-01-02T10:00:00Z",
            "type": "Call",
            "subject": "x",
        },
    ]
    body = post_json(client, url("interactions", api_source.key), {"records": interactions}).json()
    assert [f["record"] for f in body["failed_results"]] == [1, 2]
    post_json(client, url("interactions", api_source.key), {"records": interactions[:1]})
    assert Interaction.objects.get().contacts.get().user_id == "u1"

    tickets = [
        {"ticket_id": "t1", "account_id": "A", "subject": "Broken", "status": "Open", "priority": "High"},
        {
            "ticket_id": "t2",
            "account_id": "A",
            "subject": "Done",
            "status": "Solved",
            "opened_at": "2025-01-01T00:00:00Z",
        },
        {"ticket_id": "t3", "account_id": "A", "subject": "x", "priority": "Whenever"},
    ]
    body = post_json(client, url("tickets", api_source.key), {"records": tickets}).json()
    assert [f["record"] for f in body["failed_results"]] == [2]
    assert SupportTicket.objects.get(ticket_id="t2").closed_at is not None
    listed = client.get(url("accounts/A/support_tickets", api_source.key)).json()["results"]
    assert {t["ticket_id"] for t in listed} == {"t1", "t2"}


def test_subscriptions_invoices_and_rates(client, api_source):
    post_json(client, url("accounts", api_source.key), {"records": [{"account_id": "A", "name": "A"}]})
    subs = [
        {
            "subscription_id": "s1",
            "account_id": "A",
            "plan": "Pro",
            "start_date": "2025-01-01",
            "amount": "100.00",
            "currency": "eur",
            "line_items": [
                {"kind": "addon", "name": "Extra seats", "quantity": 5, "amount": 50},
                {"kind": "discount", "name": "Launch", "amount": 20},
            ],
        },
        {"subscription_id": "s2", "account_id": "A", "start_date": "2025-02-01", "end_date": "2025-01-01", "amount": 1},
        {"subscription_id": "s3", "account_id": "A", "start_date": "2025-02-01", "amount": 1e300},
    ]
    body = post_json(client, url("subscriptions", api_source.key), {"records": subs}).json()
    assert [f["record"] for f in body["failed_results"]] == [1, 2]
    sub = Subscription.objects.get()
    assert sub.currency == "EUR"
    assert sorted(li.amount for li in sub.line_items.all()) == [Decimal("-20"), Decimal("50")]
    listed = client.get(url("accounts/A/subscriptions", api_source.key)).json()["results"]
    assert listed[0]["line_items"][1]["amount"] == "-20.0000"

    invoices = [
        {
            "invoice_id": "in1",
            "account_id": "A",
            "issued_on": "2025-01-01",
            "line_items": [{"description": "Pro", "amount": 100}, {"description": "Seats", "amount": 50}],
        }
    ]
    post_json(client, url("invoices", api_source.key), {"records": invoices})
    assert Invoice.objects.get().amount == Decimal("150")
    assert len(client.get(url("accounts/A/statements", api_source.key)).json()["results"]) == 1

    rates = [
        {"currency": "EUR", "date": "2025-01-01", "rate": "1.08"},
        {"currency": "EUR", "date": "2025-01-01", "rate": -1},
    ]
    body = post_json(client, url("exchange_rates", api_source.key), {"records": rates}).json()
    assert [f["record"] for f in body["failed_results"]] == [1]
    assert client.get(url("exchange_rates", api_source.key)).json()["results"][0]["rate"] == "1.0800000000"


def test_it_answers_413_past_the_batch_limit(client, api_source, settings):
    settings.INGEST_MAX_BATCH = 10
    response = post_json(
        client, url("accounts", api_source.key), {"records": [{"account_id": str(i)} for i in range(11)]}
    )
    assert response.status_code == 413


def test_it_serves_the_openapi_document_to_key_holders_and_members(client, api_source, manager):
    assert client.get("/api/openapi.json").status_code == 401
    doc = client.get(f"/api/openapi.json?api_key={api_source.key}").json()
    assert "/api/v2/accounts" in doc["paths"] and "/v1/batch" in doc["paths"]
    client.force_login(manager)
    assert client.get("/api/docs").status_code == 200


def test_a_csv_source_key_opens_no_api(client, db):
    _source, key = source_create(name="CSV", kind=SourceKind.CSV, by=None)
    assert client.get(url("accounts", key)).status_code == 403


def test_moments_with_offsets_past_the_databases_range_are_taken_to_utc(client, api_source):
    post_json(client, url("account_users", api_source.key), {"records": [{"account_id": "A", "user_id": "u1"}]})
    metrics = [
        {"account_id": "A", "metric": "seats_used", "value": 3, "timestamp": "2025-03-01T20:00:00+18:04"},
        {"account_id": "A", "metric": "seats_used", "value": 4, "timestamp": "0001-01-01T00:10:00+18:04"},
    ]
    response = post_json(client, url("metrics", api_source.key), {"records": metrics})
    assert response.status_code == 200
    failed = response.json()["failed_results"]
    assert [f["record"] for f in failed] == [1] and "timestamp" in str(failed[0])
    stored = CustomMetricValue.objects.get()
    assert stored.value == 3 and stored.timestamp == datetime.datetime(2025, 3, 1, 1, 56, tzinfo=datetime.UTC)
