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


def test_an_upload_still_needs_its_csrf_token(client, manager, media):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(manager)
    upload = SimpleUploadedFile("a.csv", b"account_id,name\nA-1,Alpha\n")
    assert strict.post(reverse("accounts:import"), {"target": "accounts", "file": upload}).status_code == 403
    assert not ImportJob.objects.exists()
