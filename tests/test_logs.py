"""API keys in URLs never reach a log: Django's request and server logs and gunicorn's access and error logs
write them as [redacted]."""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from natero.logs import GunicornLogger

ROOT = Path(__file__).resolve().parent.parent
AUTH_KEY = "src_public_4f2a"
API_KEY = "nk_live_9c1e5b7d2a4f6e8c0b3d"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def collected():
    """What the django.request and django.server loggers pass on to their handlers."""
    handler = Collect()
    loggers = [logging.getLogger("django.request"), logging.getLogger("django.server")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler.lines
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_the_request_log_redacts_the_event_api_key(client, collected):
    response = client.post(f"/v1/{AUTH_KEY}/{API_KEY}", data="{}", content_type="application/json")
    assert response.status_code == 401
    text = "\n".join(collected)
    assert f"/v1/{AUTH_KEY}/[redacted]" in text
    assert API_KEY not in text


@pytest.mark.django_db
def test_the_request_log_redacts_a_query_key(client, collected):
    response = client.get(f"/api/v2/accounts?api_key={API_KEY}&page=1")
    assert response.status_code == 401
    assert collected and not any(API_KEY in line for line in collected)


def test_the_development_server_log_redacts_the_key(collected):
    # As django.core.servers.basehttp.WSGIRequestHandler.log_message writes it.
    logging.getLogger("django.server").info(
        '"%s" %s %s', f"POST /v1/{AUTH_KEY}/{API_KEY} HTTP/1.1", "401", "40", extra={"status_code": 401}
    )
    assert collected == [f'"POST /v1/{AUTH_KEY}/[redacted] HTTP/1.1" 401 40']


def test_the_segment_paths_and_other_urls_are_logged_as_they_are(collected):
    logging.getLogger("django.request").warning("Bad Request: %s", "/v1/batch")
    logging.getLogger("django.request").warning("Not Found: %s", "/accounts/12/")
    assert collected == ["Bad Request: /v1/batch", "Not Found: /accounts/12/"]


def _gunicorn_logger(tmp_path: Path) -> GunicornLogger:
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("errorlog", str(tmp_path / "error.log"))
    return GunicornLogger(cfg)


def test_the_gunicorn_access_log_redacts_the_key(tmp_path):
    logger = _gunicorn_logger(tmp_path)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/v1/{AUTH_KEY}/{API_KEY}?api_key={API_KEY}",
        "PATH_INFO": f"/v1/{AUTH_KEY}/{API_KEY}",
        "QUERY_STRING": f"api_key={API_KEY}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_USER_AGENT": "curl/8",
    }
    response = SimpleNamespace(status="401 Unauthorized", sent=40, headers=[("Content-Type", "application/json")])
    request = SimpleNamespace(headers=[("USER-AGENT", "curl/8")])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=3))
    logger.error("Error handling request %s", environ["RAW_URI"])
    for handler in logger.access_log.handlers + logger.error_log.handlers:
        handler.flush()
    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    assert f'"POST /v1/{AUTH_KEY}/[redacted]?api_key=[redacted] HTTP/1.1" 401 40' in access
    assert f"/v1/{AUTH_KEY}/[redacted]" in errors
    assert API_KEY not in access + errors


def test_a_custom_access_log_format_is_redacted_too(tmp_path):
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", "%(U)s %(q)s %({raw_uri}e)s")
    logger = GunicornLogger(cfg)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/v1/{AUTH_KEY}/{API_KEY}",
        "PATH_INFO": f"/v1/{AUTH_KEY}/{API_KEY}",
        "QUERY_STRING": f"api_key={API_KEY}",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    response = SimpleNamespace(status="200 OK", sent=2, headers=[])
    logger.access(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(0))
    logger.access_log.handlers[0].flush()
    line = (tmp_path / "access.log").read_text()
    assert API_KEY not in line and line.count("[redacted]") == 3


def test_the_web_process_runs_gunicorn_with_the_redacting_logger():
    result = subprocess.run(
        [sys.executable, "-m", "gunicorn", "--print-config", "-c", "gunicorn.conf.py", "natero.wsgi:application"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "natero.logs.GunicornLogger" in result.stdout
    for name in ("Procfile", "Dockerfile", "docker-compose.yml"):
        text = (ROOT / name).read_text()
        assert "gunicorn.conf.py" in text and "gunicorn natero.wsgi" in text.replace('", "', " "), name
        assert "--access-logformat" not in text and "--logger-class" not in text, name
