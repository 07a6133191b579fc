"""Health checks for /healthz: the database, the broker and the age of the last worker heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.utils import timezone


def check_database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is down
        return False, exc.__class__.__name__
    return True, connection.vendor


def check_broker() -> tuple[bool, str]:
    from natero.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as exc:  # any kombu or socket error means the broker is down
        return False, exc.__class__.__name__
    return True, str(transport)


def check_worker() -> tuple[bool, dict]:
    from core.models import WorkerHeartbeat

    try:
        last = WorkerHeartbeat.objects.order_by("-beat_at").first()
    except Exception as exc:
        return False, {"error": exc.__class__.__name__}
    if last is None:
        return False, {"last_heartbeat": None, "age_seconds": None}
    age = (timezone.now() - last.beat_at).total_seconds()
    return age <= settings.WORKER_HEARTBEAT_MAX_AGE, {
        "last_heartbeat": last.beat_at.isoformat(),
        "age_seconds": round(age, 1),
        "worker": last.worker,
    }


def health_report() -> tuple[bool, dict]:
    db_ok, db_detail = check_database()
    broker_ok, broker_detail = check_broker()
    worker_ok, worker_detail = check_worker() if db_ok else (False, {"error": "database down"})
    report = {
        "status": "ok" if db_ok and broker_ok and worker_ok else "down",
        "database": {"ok": db_ok, "detail": db_detail},
        "broker": {"ok": broker_ok, "detail": broker_detail},
        "worker": {"ok": worker_ok, **worker_detail},
    }
    return report["status"] == "ok", report
