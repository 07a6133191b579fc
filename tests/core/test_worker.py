"""A real Celery worker on Redis runs a scheduled job and its effect lands in PostgreSQL."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from core.models import WorkerHeartbeat
from natero.celery import app

ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT = 180


@pytest.fixture
def real_worker(transactional_db):
    """Start `celery worker` on its own queue against the test database; stop it afterwards."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": os.environ.get("REDIS_URL", app.conf.broker_url)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "natero",
            "worker",
            "-Q",
            queue,
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready = threading.Event()
    output: list[str] = []

    def drain():
        # Read the worker's log as it comes, so a full pipe never blocks it, and note when it is ready.
        for line in proc.stdout:
            output.append(line)
            if " ready." in line:
                ready.set()

    threading.Thread(target=drain, daemon=True).start()
    # Starting a worker (Django, Celery, the broker connection) takes seconds, more on a loaded machine.
    if not ready.wait(timeout=WORKER_START_TIMEOUT):
        proc.kill()
        pytest.fail("the Celery worker did not start:\n" + "".join(output[-40:]))
    app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        app.conf.task_always_eager = True
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_real_worker_runs_the_heartbeat_job(real_worker):
    from core.jobs import heartbeat

    assert not WorkerHeartbeat.objects.exists()
    heartbeat.apply_async(queue=real_worker)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not WorkerHeartbeat.objects.exists():
        time.sleep(0.25)
    beat = WorkerHeartbeat.objects.get()
    assert beat.worker  # the worker's host name
    assert abs(time.time() - beat.beat_at.timestamp()) < 60
