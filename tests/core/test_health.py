import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import WorkerHeartbeat
from natero.celery import app


@pytest.fixture
def fresh_heartbeat(db):
    return WorkerHeartbeat.objects.create(worker="worker-a", beat_at=timezone.now() - timedelta(seconds=20))


def test_healthz_reports_every_part_ok(client, fresh_heartbeat):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": "postgresql"}
    assert body["broker"]["ok"] is True and body["broker"]["detail"] == "redis"
    assert body["worker"]["ok"] is True and 19 <= body["worker"]["age_seconds"] < 60
    assert body["worker"]["worker"] == "worker-a"


def test_healthz_is_503_without_any_worker_heartbeat(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"] == {"ok": False, "last_heartbeat": None, "age_seconds": None}


def test_healthz_is_503_when_the_last_heartbeat_is_stale(client, db, settings):
    WorkerHeartbeat.objects.create(
        worker="old", beat_at=timezone.now() - timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE + 5)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"]["ok"] is False


def test_healthz_is_503_when_the_broker_is_down(client, fresh_heartbeat):
    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get(reverse("healthz"))
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    body = response.json()
    assert body["broker"]["ok"] is False and body["database"]["ok"] is True


def test_the_heartbeat_job_records_this_worker(db):
    from core.jobs import heartbeat

    heartbeat.delay()
    beat = WorkerHeartbeat.objects.get()
    assert (timezone.now() - beat.beat_at).total_seconds() < 5


def test_home_shows_system_status(client, make_member, fresh_heartbeat):
    client.force_login(make_member("CSM"))
    html = client.get(reverse("home")).content.decode()
    assert "All systems running" in html
    # The heartbeat is 20 s old when the test starts; a slow machine may take a few seconds to render the page.
    assert re.search(r"last heartbeat 2\d s ago", html)
