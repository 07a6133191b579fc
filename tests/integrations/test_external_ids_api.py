"""External ids over the API and in webhooks: one live account per id, and no guessing when none matches."""

from __future__ import annotations

import pytest

from accounts.models import Account, SupportTicket
from integrations.models import ApiCall, CallStatus
from revenue.models import Subscription
from tests.integrations.conftest import post_json
from tests.integrations.test_webhooks import SUBSCRIPTION, stripe_event, stripe_post, zendesk_post

pytestmark = pytest.mark.django_db


def url(path: str, key: str) -> str:
    return f"/api/v2/{path}?api_key={key}"


def test_put_account_names_the_taken_field(client, api_source):
    Account.objects.create(account_id="acme", name="Acme", support_account_id="org-7")
    Account.objects.create(account_id="globex", name="Globex")
    response = client.put(
        url("accounts/globex", api_source.key), {"support_account_id": "org-7"}, content_type="application/json"
    )
    assert response.status_code == 400
    failure = response.json()["failed_results"][0]
    assert failure["message"].startswith("support_account_id:") and "acme" in failure["message"]
    assert Account.objects.get(account_id="globex").support_account_id == ""


def test_bulk_upsert_fails_only_the_conflicting_records(client, api_source):
    Account.objects.create(account_id="acme", name="Acme", billing_account_id="cus_1")
    records = [
        {"account_id": "globex", "name": "Globex", "billing_account_id": "cus_1"},  # taken by acme
        {"account_id": "initech", "name": "Initech", "crm_account_id": "crm-x"},  # both claim crm-x
        {"account_id": "hooli", "name": "Hooli", "crm_account_id": "crm-x"},
        {"account_id": "umbrella", "name": "Umbrella", "billing_account_id": "cus_2"},
        {"account_id": "acme", "billing_account_id": "cus_1", "crm_account_id": "crm-acme"},  # its own id
    ]
    response = post_json(client, url("accounts", api_source.key), {"records": records})
    body = response.json()
    failed = {f["record"]: f["message"] for f in body["failed_results"]}
    assert set(failed) == {0, 1, 2}, failed
    assert failed[0].startswith("billing_account_id:") and "acme" in failed[0]
    assert failed[1].startswith("crm_account_id:") and failed[2].startswith("crm_account_id:")
    assert set(Account.objects.values_list("account_id", flat=True)) == {"acme", "umbrella"}
    assert Account.objects.get(account_id="acme").crm_account_id == "crm-acme"
    assert Account.objects.get(account_id="umbrella").billing_account_id == "cus_2"


def test_a_zendesk_ticket_for_an_unknown_organization_is_logged_as_failed(client, zendesk_source):
    Account.objects.create(account_id="acme", name="Acme", support_account_id="org-7", is_deleted=True)
    payload = {"event_id": "zd-9", "ticket": {"id": 901, "subject": "Hi", "organization_id": "org-7"}}
    response = zendesk_post(client, zendesk_source, payload)
    assert response.status_code == 200
    assert not SupportTicket.objects.exists()
    call = ApiCall.objects.filter(source=zendesk_source).get()
    assert call.status == CallStatus.FAILURE
    assert "org-7" in call.error and "support account id" in call.error


def test_a_stripe_subscription_for_an_unknown_customer_is_logged_as_failed(client, stripe_source):
    Account.objects.create(account_id="acme", name="Acme")
    response = stripe_post(client, stripe_source, stripe_event("evt_9", "customer.subscription.created", SUBSCRIPTION))
    assert response.status_code == 200
    assert not Subscription.objects.exists()
    call = ApiCall.objects.filter(source=stripe_source).get()
    assert call.status == CallStatus.FAILURE
    assert "cus_1" in call.error and "billing account id" in call.error
