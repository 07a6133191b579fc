"""CSV imports of hostile files: errors of any length are stored and shown, a job never stays "validating" after
its check fails, and an oversize upload is refused before it is read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.imports import MAX_FILE_BYTES
from accounts.models import ImportJob, ImportStatus
from integrations.models import SourceKind
from integrations.services import source_create

LONG_HEADER = b"account_id,name," + b"x" * 200 + b"\nA-1,Alpha,1\n"
WIDE = b"account_id,name," + b",".join(b"c%d" % n for n in range(100_000)) + b"\nA-1,Alpha\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.parametrize("data", [LONG_HEADER, WIDE], ids=["long-header", "100k-columns"])
def test_the_page_shows_a_bad_header_and_the_job_is_failed(manager_client, media, data):
    upload = SimpleUploadedFile("wide.csv", data, content_type="text/csv")
    response = manager_client.post(reverse("accounts:import"), {"target": "accounts", "file": upload}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "unknown column" in page
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED and "unknown column" in job.file_error
    if data is WIDE:
        assert "and 99,990 more" in job.file_error and len(job.file_error) < 2000


@pytest.mark.parametrize("data", [LONG_HEADER, WIDE], ids=["long-header", "100k-columns"])
def test_the_api_answers_a_bad_header_with_a_clear_error(client, db, media, data):
    _source, key = source_create(name="Nightly export", kind=SourceKind.CSV, by=None)
    response = client.generic("POST", f"/api/v2/imports/accounts?api_key={key}", data, content_type="text/csv")
    assert response.status_code < 500
    assert "unknown column" in response.content.decode()
    assert not ImportJob.objects.filter(status=ImportStatus.VALIDATING).exists()


def test_an_oversize_upload_is_refused_before_it_is_read(manager_client, media):
    upload = SimpleUploadedFile("big.csv", b"account_id,name\n" + b"A,B\n" * (MAX_FILE_BYTES // 4 + 10))
    response = manager_client.post(reverse("accounts:import"), {"target": "accounts", "file": upload})
    assert response.status_code == 413
    assert "larger than 20 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_that_announces_an_oversize_body_is_refused_unread(manager_client, media):
    upload = SimpleUploadedFile("a.csv", b"account_id,name\nA-1,Alpha\n")
    length = str(MAX_FILE_BYTES + 1024 * 1024)
    response = manager_client.post(
        reverse("accounts:import"), {"target": "accounts", "file": upload}, CONTENT_LENGTH=length
    )
    assert response.status_code == 413
    assert "larger than 20 MB" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_upload_still_needs_its_csrf_token(client, manager, media):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    upload = SimpleUploadedFile("a.csv", b"account_id,name\nA-1,Alpha\n")
    assert strict.post(reverse("accounts:import"), {"target": "accounts", "file": upload}).status_code == 403
    assert not ImportJob.objects.exists()


def test_a_chunked_upload_without_its_size_is_refused_unread(live_server, manager, media):
    """Over a real socket, an upload sent in chunks (no Content-Length) past the size cap: the answer (411, with
    what to do) comes back after the first chunk, while the rest of the file is never sent, and no job exists."""
    import socket
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session.update(
        {
            SESSION_KEY: str(manager.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
            HASH_SESSION_KEY: manager.get_session_auth_hash(),
        }
    )
    session.save()
    address = urlsplit(live_server.url)
    boundary = "natero-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="target"\r\n\r\naccounts\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\naccount_id,name\r\n"
    ).encode()
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(
            (
                f"POST {reverse('accounts:import')} HTTP/1.1\r\nHost: {address.netloc}\r\n"
                f"Cookie: {settings.SESSION_COOKIE_NAME}={session.session_key}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
            ).encode()
            + b"%x\r\n%s\r\n" % (len(head), head)
        )
        # The first chunk says nothing of the size to come (the cap is 20 MB): the answer must not wait for it.
        answer = b""
        while b"</html>" not in answer:
            received = sock.recv(65536)
            if not received:
                break
            answer += received
    status_line, _, rest = answer.partition(b"\r\n")
    assert b" 411 " in status_line
    assert "did not say its size" in rest.decode()
    assert not ImportJob.objects.exists()
