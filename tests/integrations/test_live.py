"""Against a live server: Segment's official Python client, concurrent duplicate batches, a bounded schemathesis
run over the OpenAPI document, and a real Celery worker running the call-log trim job."""

from __future__ import annotations

import threading
import time
import uuid

import orjson
import pytest
import requests
import schemathesis
from django.db import connection
from hypothesis import HealthCheck, given, settings

from integrations.models import ApiCall, SourceKind
from integrations.services import source_create
from tests.core.test_worker import real_worker  # noqa: F401  (fixture)
from tests.integrations.conftest import event
from usage.models import Event
from usage.services import EventRow, events_store


@pytest.fixture
def live_sources(transactional_db):
    api, api_key = source_create(name="API", kind=SourceKind.API, by=None)
    seg, seg_key = source_create(name="Segment", kind=SourceKind.SEGMENT, by=None)
    api.key, seg.key = api_key, seg_key
    return api, seg


def test_segments_own_python_client_delivers_to_us(live_server, live_sources):
    from segment.analytics.client import Client

    _, seg = live_sources
    errors = []
    client = Client(
        write_key=seg.key, host=live_server.url, sync_mode=True, on_error=lambda e, b: errors.append(e), max_retries=1
    )
    client.group("u1", "acme", {"name": "Acme"})
    client.identify("u1", {"email": "u1@acme.test", "name": "User One"})
    client.track("u1", "Report Exported", {"module": "reports", "total": 3})
    client.page("u1", "Docs", "Getting started", {"time_spent": 1200})
    client.flush()
    assert errors == []
    rows = {e.action: e for e in Event.objects.filter(source_id=seg.pk)}
    assert set(rows) == {"identifyAccount", "identifyUser", "feature", "moduleEnd"}
    assert rows["feature"].account_id == "acme"  # from the group call of the same user
    assert rows["feature"].quantity == 3
    assert rows["moduleEnd"].module == "Getting started"

    # Batching mode (gzip is on by default in the library's batch uploads).
    batched = Client(write_key=seg.key, host=live_server.url, on_error=lambda e, b: errors.append(e), gzip=True)
    for n in range(30):
        batched.track("u1", f"Feature {n}", {"account_id": "acme"})
    batched.flush()
    batched.join()
    assert errors == []
    assert Event.objects.filter(source_id=seg.pk, feature__startswith="Feature ").count() == 30


def test_overlapping_batches_sent_concurrently_are_stored_once(live_server, live_sources):
    api, _ = live_sources
    url = f"{live_server.url}/v1/{api.public_id}/{api.key}"
    events = [event(n, user_id=f"u{n}", event_id=f"e{n}") for n in range(400)]
    batches = [events[0:250], events[150:400], events[100:300], events[0:400]]
    results, failures = [], []

    def send(batch):
        try:
            response = requests.post(
                url, data=orjson.dumps(batch), headers={"Content-Type": "application/json"}, timeout=60
            )
            results.append(response.json()["stored"])
        except Exception as exc:
            failures.append(exc)

    threads = [threading.Thread(target=send, args=(b,)) for b in batches for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert Event.objects.filter(source_id=api.pk).count() == 400
    assert sum(results) == 400


def test_concurrent_service_calls_store_each_event_once(transactional_db):
    def rows(start, stop):
        import datetime

        return [
            EventRow(
                f"id-{n}",
                "acc",
                "u",
                "feature",
                "",
                "f",
                1.0,
                None,
                "",
                "",
                datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
            )
            for n in range(start, stop)
        ]

    errors = []

    def work(start, stop):
        try:
            for _ in range(3):
                events_store(source_id=7, rows=list(reversed(rows(start, stop))))
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(s, s + 500)) for s in (0, 250, 100, 400)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Event.objects.filter(source_id=7).count() == 900


def test_schemathesis_finds_no_server_error(live_server, live_sources):
    api, seg = live_sources
    raw = requests.get(f"{live_server.url}/api/openapi.json", params={"api_key": api.key}, timeout=30).json()
    schema = schemathesis.openapi.from_dict(raw)
    targets = [
        ("/api/v2/accounts", "POST", {}),
        ("/api/v2/accounts", "GET", {}),
        ("/api/v2/subscriptions", "POST", {}),
        ("/api/v2/metrics", "POST", {}),
        ("/api/v2/accounts/{account_id}", "PUT", {}),
        ("/v1/{auth_key}/{api_key}", "POST", {"auth_key": api.public_id, "api_key": api.key}),
        ("/v1/batch", "POST", {}),
    ]
    import base64

    seg_auth = "Basic " + base64.b64encode(f"{seg.key}:".encode()).decode()
    server_errors = []
    session = requests.Session()
    for path, method, path_params in targets:
        operation = schema[path][method]
        strategy = operation.as_strategy(path_parameters=path_params or None)
        headers = {"Authorization": seg_auth} if path.startswith("/v1/batch") else {}
        params = {} if path.startswith("/v1/") else {"api_key": api.key}

        def make(headers=headers, params=params):
            @settings(
                max_examples=12, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
            )
            @given(case=strategy)
            def run(case):
                response = case.call(base_url=live_server.url, session=session, headers=headers, params=params)
                if response.status_code >= 500:
                    server_errors.append((case.method, case.formatted_path, case.body, response.status_code))

            return run

        make()()
    assert server_errors == []


def test_a_real_worker_trims_the_api_call_log(real_worker, live_sources):  # noqa: F811
    from django.utils import timezone

    from integrations.jobs import trim_api_calls_job

    api, _ = live_sources
    now = timezone.now()
    ApiCall.objects.bulk_create(
        [
            ApiCall(source=api, at=now, method="POST", endpoint="/x", status_code=200, status="success")
            for _ in range(1050)
        ]
    )
    newest = ApiCall.objects.order_by("-id").values_list("id", flat=True)[:1000]
    newest = set(newest)
    trim_api_calls_job.apply_async(queue=real_worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and ApiCall.objects.filter(source=api).count() > 1000:
        time.sleep(0.25)
    assert set(ApiCall.objects.filter(source=api).values_list("id", flat=True)) == newest
    assert uuid  # keep the import for ids above
