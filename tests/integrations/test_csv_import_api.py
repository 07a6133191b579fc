"""The CSV import API: a CSV source's key posts a file for an import target; rows are checked and written as on
the import page, with every bad row reported by line and column."""

from __future__ import annotations

import gzip

import pytest

from accounts.models import Account, ImportJob, ImportStatus
from integrations.models import ApiCall, SourceKind
from integrations.services import source_create
from tests.integrations.conftest import basic

ACCOUNTS = b"account_id,name,join_date\nCSV-1,Alpha,2025-01-05\nCSV-2,Beta,2025-02-30\nCSV-3,Gamma,\n"


@pytest.fixture
def csv_source(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    source, key = source_create(name="Nightly export", kind=SourceKind.CSV, by=None)
    source.key = key
    return source


def post_csv(client, path: str, data: bytes, **headers):
    return client.generic("POST", path, data, content_type="text/csv", **headers)


def test_a_csv_source_imports_a_file_and_hears_about_each_bad_row(client, csv_source):
    response = post_csv(client, f"/api/v2/imports/accounts?api_key={csv_source.key}", ACCOUNTS)
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["created"], body["valid_rows"], body["error_rows"]) == ("done", 2, 2, 1)
    assert body["errors"] == [
        {"line": 3, "field": "join_date", "message": "“2025-02-30” is not a date: use YYYY-MM-DD."}
    ]
    assert set(Account.objects.values_list("account_id", flat=True)) == {"CSV-1", "CSV-3"}
    # The job can be read back, and the call is on the source's API status page.
    again = client.get(body["status_url"], HTTP_AUTHORIZATION=basic("api", csv_source.key))
    assert again.status_code == 200 and again.json()["created"] == 2
    assert ImportJob.objects.get().source_id == csv_source.pk
    call = ApiCall.objects.filter(source=csv_source).order_by("id").first()
    assert (call.records, call.failed, call.status) == (3, 1, "partial")
    # The same file again changes nothing.
    body = post_csv(client, f"/api/v2/imports/accounts?api_key={csv_source.key}", gzip.compress(ACCOUNTS)).json()
    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 2)


def test_a_file_name_is_kept_for_the_import_page(client, csv_source):
    path = f"/api/v2/imports/accounts?filename=nightly%00.csv&api_key={csv_source.key}"
    assert post_csv(client, path, ACCOUNTS).status_code == 200
    assert ImportJob.objects.get().filename == "nightly.csv"


def test_check_only_writes_nothing_and_leaves_the_file_ready_on_the_page(client, csv_source):
    response = post_csv(client, f"/api/v2/imports/accounts?check_only=true&api_key={csv_source.key}", ACCOUNTS)
    assert response.status_code == 200 and response.json()["status"] == ImportStatus.PREVIEW
    assert not Account.objects.exists()


@pytest.mark.parametrize(
    ("path", "data", "status", "words"),
    [
        ("/api/v2/imports/planets", ACCOUNTS, 404, "known: accounts, contacts"),
        ("/api/v2/imports/pla%00nets", ACCOUNTS, 404, "known: accounts, contacts"),
        ("/api/v2/imports/accounts", b"", 400, "empty"),
        ("/api/v2/imports/accounts", b"nom\nX\n", 400, "unknown column"),
        ("/api/v2/imports/accounts", b"account_id,name\nX-1,\n", 400, "is required"),
        ("/api/v2/imports/accounts", b"\x1f\x8bnot gzip", 400, "gzip"),
    ],
)
def test_bad_files_get_a_clear_answer(client, csv_source, path, data, status, words):
    response = post_csv(client, f"{path}?api_key={csv_source.key}", data)
    assert response.status_code == status
    assert words in response.text
    assert not Account.objects.exists()


def test_only_csv_keys_open_it_and_only_for_their_own_jobs(client, csv_source, api_source):
    assert post_csv(client, "/api/v2/imports/accounts", ACCOUNTS).status_code == 401
    response = post_csv(client, f"/api/v2/imports/accounts?api_key={api_source.key}", ACCOUNTS)
    assert response.status_code == 403 and "CSV upload" in response.json()["detail"]
    job_url = post_csv(client, f"/api/v2/imports/accounts?api_key={csv_source.key}", ACCOUNTS).json()["status_url"]
    _other, other_key = source_create(name="Other export", kind=SourceKind.CSV, by=None)
    assert client.get(f"{job_url}?api_key={other_key}").status_code == 404


def test_a_large_file_is_imported_in_the_background(client, csv_source, settings, django_capture_on_commit_callbacks):
    settings.ACCOUNTS_IMPORT_BACKGROUND_ROWS = 5
    data = b"account_id,name\n" + b"".join(f"BG-{n},Co {n}\n".encode() for n in range(12))
    with django_capture_on_commit_callbacks(execute=True):
        response = post_csv(client, f"/api/v2/imports/accounts?api_key={csv_source.key}", data)
    assert response.status_code == 202 and response.json()["status"] == ImportStatus.COMMITTING
    done = client.get(f"{response.json()['status_url']}?api_key={csv_source.key}").json()
    assert (done["status"], done["created"]) == ("done", 12) and Account.objects.count() == 12
