"""Sustained ingestion benchmark: the Event API and the Segment batch endpoint, served by gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/natero_bench_ingest python bench/ingest.py --seconds 60

Starts gunicorn on 127.0.0.1 (several sync workers, --no-control-socket), loads it from client processes on
loopback with pre-serialised batches of 500 events over keep-alive connections (http.client), half to the Event
API and half to /v1/batch, for a bounded time. Reports events/s accepted (answered 200) and durable (counted in
PostgreSQL afterwards), p50 / p99 batch latency, then COPYs the same number of rows straight into the events
table as the ceiling, and the ratio. The database is migrated and its events table emptied first.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import multiprocessing as mp
import os
import platform
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "natero.settings")
BATCH = 500
BASE_MS = 1_735_689_600_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def event_api_template(accounts: int) -> bytes:
    """A batch whose event ids carry a @@@@@@@@@@ slot, replaced by a per-request prefix."""
    events = []
    for n in range(BATCH):
        kind = n % 4
        event = {
            "event_id": f"@@@@@@@@@@-{n}",
            "account_id": f"acc-{n % accounts}",
            "user_id": f"user-{n % (accounts * 5)}",
            "created_at": BASE_MS + n * 1000,
            "session_id": f"s-{n % 50}",
            "product": "web",
        }
        if kind == 0:
            event.update(action="feature", feature=f"feature-{n % 40}", module=f"module-{n % 8}", total=1)
        elif kind == 1:
            event.update(action="moduleEnd", module=f"module-{n % 8}", time_spent=30_000)
        elif kind == 2:
            event.update(action="sessionSync", active_duration=60_000)
        else:
            event.update(action="feature", feature="export", module="reports", total=2)
        events.append(event)
    return orjson.dumps(events)


def segment_template(accounts: int) -> bytes:
    messages = []
    for n in range(BATCH):
        base = {
            "messageId": f"@@@@@@@@@@-{n}",
            "userId": f"user-{n % (accounts * 5)}",
            "timestamp": "2025-01-01T10:00:00Z",
            "context": {"groupId": f"acc-{n % accounts}", "library": {"name": "bench"}},
        }
        if n % 2:
            base.update(type="track", event=f"feature-{n % 40}", properties={"module": f"module-{n % 8}", "total": 1})
        else:
            base.update(type="page", name=f"module-{n % 8}", properties={"time_spent": 20_000})
        messages.append(base)
    return orjson.dumps({"batch": messages})


def client_proc(
    worker: int, port: int, target: str, path: str, headers: dict, body: bytes, deadline: float, queue
) -> None:
    """Send batches until the deadline; report (accepted events, stored events, latencies, errors)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    latencies: list[float] = []
    accepted = stored = errors = 0
    counter = 0
    while time.time() < deadline:
        counter += 1
        prefix = f"{target[0]}{worker:02d}{counter:07d}".encode()
        payload = body.replace(b"@@@@@@@@@@", prefix)
        started = time.perf_counter()
        try:
            conn.request("POST", path, payload, headers)
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        latencies.append(time.perf_counter() - started)
        if response.status == 200:
            answer = orjson.loads(data)
            accepted += answer["accepted"]
            stored += answer["stored"]
        else:
            errors += 1
    queue.put((target, accepted, stored, latencies, errors))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=4, help="client processes (half Event API, half Segment)")
    parser.add_argument("--accounts", type=int, default=200)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database for the benchmark.")

    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.db import connection

    from integrations.models import ApiCall, SourceKind
    from integrations.services import source_create

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE usage_event")
    ApiCall.objects.all().delete()
    api, api_key = source_create(name="bench api", kind=SourceKind.API, by=None)
    _seg, seg_key = source_create(name="bench segment", kind=SourceKind.SEGMENT, by=None)
    connection.close()

    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
        "AXES_ENABLED": "false",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "natero.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(args.workers),
            "--no-control-socket",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(1.0)
        targets = [
            (
                "event",
                f"/v1/{api.public_id}/{api_key}",
                {"Content-Type": "application/json"},
                event_api_template(args.accounts),
            ),
            (
                "segment",
                "/v1/batch",
                {
                    "Content-Type": "application/json",
                    "Authorization": "Basic " + base64.b64encode(f"{seg_key}:".encode()).decode(),
                },
                segment_template(args.accounts),
            ),
        ]
        # Warm every worker (imports, connections) before the clock starts.
        for name, path, headers, body in targets:
            for n in range(args.workers * 2):
                warm = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                warm.request("POST", path, body.replace(b"@@@@@@@@@@", f"w{name[0]}{n:08d}".encode()), headers)
                assert warm.getresponse().status == 200
                warm.close()
        queue: mp.Queue = mp.Queue()
        started = time.time()
        deadline = started + args.seconds
        procs = []
        for worker in range(args.clients):
            name, path, headers, body = targets[worker % 2]
            proc = mp.Process(target=client_proc, args=(worker, port, name, path, headers, body, deadline, queue))
            proc.start()
            procs.append(proc)
        results = [queue.get(timeout=args.seconds + 120) for _ in procs]
        elapsed = time.time() - started
        for proc in procs:
            proc.join(timeout=30)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    from django.db import connection as conn2

    with conn2.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM usage_event WHERE event_id NOT LIKE 'w%%'")
        durable = cursor.fetchone()[0]
    accepted = sum(r[1] for r in results)
    stored = sum(r[2] for r in results)
    latencies = [x for r in results for x in r[3]]
    errors = sum(r[4] for r in results)
    per_target = {}
    for target, acc, _st, lat, _err in results:
        bucket = per_target.setdefault(target, [0, []])
        bucket[0] += acc
        bucket[1].extend(lat)

    # Ceiling: COPY the same number of rows straight into the events table (same columns, same indexes).
    ceiling_rows = durable
    copy_started = time.perf_counter()
    with conn2.cursor() as cursor:
        raw = cursor.cursor
        import datetime

        when = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        with raw.copy(
            "COPY usage_event (source_id, event_id, account_id, user_id, action, module, feature, quantity, "
            "duration_ms, session_id, product, occurred_at, received_at) FROM STDIN"
        ) as copy:
            for n in range(ceiling_rows):
                copy.write_row(
                    (
                        999,
                        f"c{n}",
                        f"acc-{n % 200}",
                        f"user-{n % 1000}",
                        "feature",
                        "module-1",
                        f"feature-{n % 40}",
                        1.0,
                        None,
                        "s-1",
                        "web",
                        when,
                        when,
                    )
                )
    copy_seconds = time.perf_counter() - copy_started
    with conn2.cursor() as cursor:
        cursor.execute("DELETE FROM usage_event WHERE source_id = 999")

    rate = durable / elapsed
    copy_rate = ceiling_rows / copy_seconds if copy_seconds else float("nan")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"gunicorn workers: {args.workers}, client processes: {args.clients}, batch: {BATCH} events, {elapsed:.1f} s")
    print(f"batches: {len(latencies)}, errors: {errors}")
    print(
        f"accepted: {accepted} events ({accepted / elapsed:,.0f}/s); stored new: {stored}; "
        f"durable in PostgreSQL: {durable} ({rate:,.0f}/s)"
    )
    print(
        f"batch latency p50 {percentile(latencies, 0.5) * 1000:.1f} ms, p99 {percentile(latencies, 0.99) * 1000:.1f} ms"
    )
    for target, (acc, lat) in per_target.items():
        print(
            f"  {target}: {acc / elapsed:,.0f} events/s, "
            f"p50 {percentile(lat, 0.5) * 1000:.1f} ms, p99 {percentile(lat, 0.99) * 1000:.1f} ms"
        )
    print(
        f"ceiling: raw COPY of {ceiling_rows} rows in {copy_seconds:.2f} s = {copy_rate:,.0f} rows/s; "
        f"ratio {rate / copy_rate:.1%}"
    )


if __name__ == "__main__":
    main()
