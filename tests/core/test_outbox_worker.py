"""Two real Celery workers on Redis send the outbox: every email leaves exactly once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from core.models import OutboxMessage, OutboxStatus
from natero.celery import app

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_workers(transactional_db, tmp_path):
    """Two `celery worker` processes on one queue, printing the emails they send (console backend) to files."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", app.conf.broker_url),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    }
    logs, procs = [], []
    for n in range(2):
        log = (tmp_path / f"worker{n}.log").open("w")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "natero", "worker", "-Q", queue, "--pool", "solo",
                 "-n", f"outbox{n}-{queue}@%h", "--without-gossip", "--without-mingle", "--loglevel", "INFO"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
            )
        )  # fmt: skip
    app.conf.task_always_eager = False
    try:
        yield queue, [tmp_path / f"worker{n}.log" for n in range(2)]
    finally:
        app.conf.task_always_eager = True
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()


def test_two_real_workers_send_each_email_once(two_workers):
    from core.jobs import outbox_send

    queue, logs = two_workers
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                kind="email",
                key=f"worker-mail:{i}",
                payload={"to": ["csm@example.com"], "subject": f"Outbox test {i:03d}", "body": "b", "html": ""},
                available_at=now,
            )
            for i in range(30)
        ]
    )
    for _ in range(4):  # retried and duplicated jobs, taken by both workers
        outbox_send.apply_async(kwargs={"limit": 500}, queue=queue)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and OutboxMessage.objects.filter(status=OutboxStatus.PENDING).exists():
        time.sleep(0.5)
    assert OutboxMessage.objects.filter(status=OutboxStatus.SENT).count() == 30
    time.sleep(1)  # let the console backend flush
    printed = re.findall(r"Subject: Outbox test (\d{3})", "".join(log.read_text() for log in logs))
    assert sorted(printed) == [f"{i:03d}" for i in range(30)]
