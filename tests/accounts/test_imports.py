import datetime
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from accounts import services
from accounts.imports import FileInvalid, check_file, import_commit, import_start, target_for
from accounts.models import Account, Contact, ImportJob, ImportStatus, Interaction, StageHistory, SupportTicket
from tests.accounts.factories import stage

GOOD_AND_BAD = (
    "account_id,name,join_date,stage,tier,csm_score,csm_emails\n"
    "A-1,Alpha,2024-01-05,Trial,SMB,50,{csm}\n"  # line 2: good
    "A-2,Beta,2024-02-30,Trial,,,\n"  # line 3: bad date
    "A-3,Gamma,2024-03-01,Nirvana,,,\n"  # line 4: unknown stage
    "A-1,Alpha again,2024-01-05,Trial,,,\n"  # line 5: duplicate id
    "A-4,,2024-03-01,Trial,,,\n"  # line 6: missing name
    "A-5,Epsilon,2024-03-01,Trial,,,,extra\n"  # line 7: wrong number of columns
    "A-6,Caf\xe9,2024-03-01,Trial,,,\n"  # line 8: not UTF-8 (latin-1 byte)
    'A-7,=HYPERLINK("http://evil"),2024-03-01,Trial,,,\n'  # line 9: formula injection
    "12345.0,Zeta,2024-04-01,Onboarding,Enterprise,80,\n"  # line 10: good, float-looking id
)


def _file(csm_email: str) -> bytes:
    text = GOOD_AND_BAD.format(csm=csm_email)
    out = bytearray()
    for line in text.split("\n"):
        out += line.encode("latin-1" if "Caf" in line else "utf-8") + b"\n"
    return bytes(out[:-1])


def _errors(job):
    return {(e["line"], e["field"]) for e in job.errors}


def test_preview_reports_each_bad_row_with_line_and_field(db, csm, manager):
    job = import_start(target=target_for("accounts"), filename="a.csv", data=_file(csm.email), by=manager)
    assert job.status == ImportStatus.PREVIEW
    assert job.total_rows == 9 and job.valid_rows == 2 and job.error_rows == 7
    assert _errors(job) == {
        (3, "join_date"),
        (4, "stage"),
        (5, "account_id"),
        (6, "name"),
        (7, ""),
        (8, "name"),
        (9, "name"),
    }
    messages = {e["line"]: e["message"] for e in job.errors}
    assert "YYYY-MM-DD" in messages[3]
    assert "Nirvana" in messages[4] and "Trial" in messages[4]
    assert "line 2" in messages[5]
    assert "UTF-8" in messages[8] and "0xE9" in messages[8]
    assert "formula" in messages[9]
    assert not Account.objects.exists()  # a preview writes nothing


def test_commit_writes_good_rows_and_reimport_changes_nothing(db, csm, manager):
    data = _file(csm.email)
    job = import_start(target=target_for("accounts"), filename="a.csv", data=data, by=manager)
    job = import_commit(job=job)
    assert job.status == ImportStatus.DONE and (job.created_count, job.updated_count) == (2, 0)
    alpha = Account.objects.get(account_id="A-1")
    assert alpha.stage.name == "Trial" and alpha.csm_score == 50 and list(alpha.csms.all()) == [csm]
    assert Account.objects.get(account_id="12345").tier.name == "Enterprise"
    assert Account.objects.count() == 2
    snapshot = list(Account.objects.order_by("pk").values())
    history = StageHistory.objects.count()
    again = import_commit(job=import_start(target=target_for("accounts"), filename="a.csv", data=data, by=manager))
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert list(Account.objects.order_by("pk").values()) == snapshot
    assert StageHistory.objects.count() == history


def test_no_row_is_half_written(db, manager):
    """A row that fails while being written (its stage cannot change before the current one began) leaves its
    account exactly as it was, while the other rows land."""
    future = datetime.date.today() + datetime.timedelta(days=30)
    services.account_create(by=manager, account_id="H-1", name="Half", stage=stage("Trial"), join_date=future)
    data = b"account_id,name,stage\nH-1,Renamed,Onboarding\nH-2,Fine,Trial\n"
    job = import_commit(job=import_start(target=target_for("accounts"), filename="h.csv", data=data, by=manager))
    assert job.created_count == 1 and _errors(job) == {(2, "")}
    half = Account.objects.get(account_id="H-1")
    assert half.name == "Half" and half.stage.name == "Trial"
    assert Account.objects.filter(account_id="H-2").exists()


def test_updates_and_history(db, manager):
    target = target_for("accounts")
    import_commit(
        job=import_start(target=target, filename="c.csv", data=b"account_id,name,stage\nC-1,Co,Trial\n", by=manager)
    )
    job = import_commit(
        job=import_start(
            target=target, filename="c.csv", data=b"account_id,name,stage,nps\nC-1,Co,Onboarding,9\n", by=manager
        )
    )
    assert job.updated_count == 1
    account = Account.objects.get(account_id="C-1")
    assert account.stage.name == "Onboarding" and account.nps == 9
    assert StageHistory.objects.filter(account=account).count() == 2


def test_deleted_ids_are_refused_until_restored(db, manager):
    account = services.account_create(by=manager, account_id="D-1", name="Dead")
    services.account_delete(account=account, by=manager)
    job = import_start(target=target_for("accounts"), filename="d.csv", data=b"account_id,name\nD-1,Back\n", by=manager)
    assert job.valid_rows == 0 and "deleted" in job.errors[0]["message"]


def test_parent_defined_later_in_the_file(db, manager):
    data = b"account_id,name,parent_account_id\nKID,Kid Co,MOM\nMOM,Mom Co,\nORPHAN,Orphan,NOPE\n"
    job = import_commit(job=import_start(target=target_for("accounts"), filename="p.csv", data=data, by=manager))
    assert Account.objects.get(account_id="KID").parent.account_id == "MOM"
    assert _errors(job) == {(4, "parent_account_id")}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"account_id,nom\nX,Y\n", "unknown column 'nom'"),
        (b"name\nY\n", "required column account_id"),
        (b"account_id,name,name\nX,Y,Z\n", "more than once"),
        (b"account_id,n\xe9me\nX,Y\n", "not UTF-8"),
    ],
)
def test_file_level_errors(db, data, message):
    with pytest.raises(FileInvalid, match=message):
        check_file(target_for("accounts"), data)


def test_a_bom_is_fine(db):
    result = check_file(target_for("accounts"), "\ufeffaccount_id,name\nX,Y\n".encode())
    assert len(result.valid) == 1


def test_contacts_interactions_and_tickets_import(db, manager):
    services.account_create(by=manager, account_id="ACC-1", name="Acme")
    contacts = (
        b"user_id,email,name,account_ids,email_opt_out,last_seen\n"
        b"u1,ann@acme.example,Ann,ACC-1,no,2025-01-02 10:00\n"
        b",bob@acme.example,Bob,ACC-1,yes,\n"
        b"u3,,Cy,NOPE,,\n"
        b",,Nobody,ACC-1,,\n"
    )
    job = import_commit(job=import_start(target=target_for("contacts"), filename="c.csv", data=contacts, by=manager))
    assert job.created_count == 2 and _errors(job) == {(4, "account_ids"), (5, "user_id")}
    assert Contact.objects.get(email="bob@acme.example").email_opt_out
    interactions = (
        b"interaction_id,account_id,date,type,subject,contact_emails,author_email\n"
        b"i-1,ACC-1,2025-01-15 14:00,Call,Check-in,ann@acme.example," + manager.email.encode() + b"\n"
        b",ACC-1,2025-01-16,Meeting,Kick-off,,\n"
        b"i-3,ACC-1,2025-01-16,Dance,Nope,,\n"
        b"i-4,ACC-1,2025-01-16,Call,Who,zed@acme.example,\n"
    )
    job = import_commit(
        job=import_start(target=target_for("interactions"), filename="i.csv", data=interactions, by=manager)
    )
    assert job.created_count == 2 and _errors(job) == {(4, "type"), (5, "contact_emails")}
    assert Interaction.objects.get(external_id="i-1").contacts.get().name == "Ann"
    again = import_commit(
        job=import_start(target=target_for("interactions"), filename="i.csv", data=interactions, by=manager)
    )
    assert again.unchanged_count == 2 and Interaction.objects.count() == 2
    tickets = (
        b"ticket_id,account_id,subject,status,priority,opened_at,closed_at,requester_email\n"
        b"T-1,ACC-1,Broken,Open,High,2025-01-10 09:30,,ann@acme.example\n"
        b"T-2,ACC-1,Late,Solved,,2025-01-10,2025-01-09,\n"
        b"T-3,ACC-1,Odd,Weird,,2025-01-10,,\n"
    )
    job = import_commit(job=import_start(target=target_for("tickets"), filename="t.csv", data=tickets, by=manager))
    assert job.created_count == 1 and _errors(job) == {(3, "closed_at"), (4, "status")}
    assert SupportTicket.objects.get(ticket_id="T-1").requester.name == "Ann"
    again = import_commit(job=import_start(target=target_for("tickets"), filename="t.csv", data=tickets, by=manager))
    assert again.unchanged_count == 1


# Pages ------------------------------------------------------------------------------------------------------------


def test_import_pages(manager_client, csm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert manager_client.get(reverse("accounts:import")).status_code == 200
    template = manager_client.get(reverse("accounts:import_template", args=["accounts"]))
    assert template.status_code == 200 and template.content.startswith(b"account_id,name,")
    assert manager_client.get(reverse("accounts:import_template", args=["nope"])).status_code == 404
    upload = SimpleUploadedFile("accounts.csv", _file(csm.email), content_type="text/csv")
    response = manager_client.post(reverse("accounts:import"), {"target": "accounts", "file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("accounts:import_detail", args=[job.pk])
    page = manager_client.get(response["Location"]).content.decode()
    assert "Import 2 valid rows" in page and "formula" in page and "0xE9" in page
    response = manager_client.post(reverse("accounts:import_commit", args=[job.pk]))
    assert response.status_code == 302
    page = manager_client.get(reverse("accounts:import_detail", args=[job.pk])).content.decode()
    assert "2 / 0 / 0" in page
    again = manager_client.post(reverse("accounts:import_commit", args=[job.pk]), follow=True)
    assert "not waiting for confirmation" in again.content.decode()


def test_import_page_file_errors(manager_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("x.csv", b"nonsense,columns\n1,2\n", content_type="text/csv")
    response = manager_client.post(reverse("accounts:import"), {"target": "accounts", "file": upload}, follow=True)
    assert "unknown column" in response.content.decode()
    upload = SimpleUploadedFile("x.csv", b"", content_type="text/csv")
    response = manager_client.post(reverse("accounts:import"), {"target": "accounts", "file": upload})
    assert response.status_code == 200


def test_import_needs_view_all_and_update(csm_client, guest_client, client_for, members):
    assert csm_client.get(reverse("accounts:import")).status_code == 403  # no view all accounts
    assert guest_client.get(reverse("accounts:import")).status_code == 403  # no update accounts
    assert client_for(members["Executive"]).get(reverse("accounts:import")).status_code == 200


def test_progress_partial(manager_client, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = ImportJob.objects.create(
        target="accounts",
        filename="big.csv",
        file="imports/x.csv",
        uploaded_by=manager,
        status=ImportStatus.VALIDATING,
        background=True,
        total_rows=10,
    )
    partial = manager_client.get(reverse("accounts:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200 and "progress" in partial.content.decode()
    assert "<html" not in partial.content.decode()
    full = manager_client.get(reverse("accounts:import_detail", args=[job.pk]))
    assert "<html" in full.content.decode()
    job.status = ImportStatus.PREVIEW
    job.save()
    done = manager_client.get(reverse("accounts:import_detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert done.status_code == 204 and done["HX-Refresh"] == "true"


def test_large_files_go_to_the_background_eagerly(db, manager, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    settings.ACCOUNTS_IMPORT_BACKGROUND_ROWS = 5
    data = "account_id,name\n" + "".join(f"E-{i},Co {i}\n" for i in range(20))
    with django_capture_on_commit_callbacks(execute=True):
        job = import_start(target=target_for("accounts"), filename="e.csv", data=data.encode(), by=manager)
    job.refresh_from_db()
    assert job.background and job.status == ImportStatus.PREVIEW and job.valid_rows == 20
    from accounts.imports import import_run_commit

    with django_capture_on_commit_callbacks(execute=True):
        import_run_commit(job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Account.objects.count() == 20


@pytest.mark.django_db(transaction=True)
def test_background_import_through_a_real_celery_worker(transactional_db, settings, tmp_path, roles):
    """Upload > threshold rows: a real worker checks, then commits, the file; the page's state follows."""
    from natero.celery import app
    from tests.team.factories import UserFactory

    manager = UserFactory(role=roles["CSM Manager"])
    settings.MEDIA_ROOT = tmp_path
    settings.ACCOUNTS_IMPORT_BACKGROUND_ROWS = 50
    queue = f"acc-import-{uuid.uuid4().hex[:8]}"
    settings.ACCOUNTS_IMPORT_QUEUE = queue
    env = {
        **os.environ,
        "DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "MEDIA_ROOT": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "natero.settings"),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "natero",
            "worker",
            "-Q",
            queue,
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        env=env,
        cwd=str(settings.BASE_DIR),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    app.conf.task_always_eager = False
    try:
        data = "account_id,name,stage\n" + "".join(f"W-{i},Worker Co {i},Trial\n" for i in range(120))
        data += "W-0,Duplicate,Trial\n"
        job = import_start(target=target_for("accounts"), filename="w.csv", data=data.encode(), by=manager)
        assert job.background

        def wait_for(status):
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                job.refresh_from_db()
                if job.status == status:
                    return
                assert worker.poll() is None, worker.stderr.read().decode()
                time.sleep(0.2)
            raise AssertionError(f"import stuck in {job.status}")

        wait_for(ImportStatus.PREVIEW)
        assert job.valid_rows == 120 and job.error_rows == 1
        from accounts.imports import import_run_commit

        import_run_commit(job=job)
        wait_for(ImportStatus.DONE)
        assert job.created_count == 120 and Account.objects.count() == 120
        assert StageHistory.objects.filter(stage=stage("Trial")).count() == 120
    finally:
        app.conf.task_always_eager = True
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def test_preview_reports_every_problem_of_a_row_not_only_the_first(db, manager_client, manager):
    data = b"account_id,name,join_date,stage,csm_score,nps\nA-1,,2024-02-30,Nirvana,250,x\nA-2,Fine,,,,\n"
    job = import_start(target=target_for("accounts"), filename="a.csv", data=data, by=manager)
    assert job.valid_rows == 1 and job.error_rows == 1
    assert _errors(job) == {(2, "name"), (2, "join_date"), (2, "stage"), (2, "csm_score"), (2, "nps")}
    page = manager_client.get(reverse("accounts:import_detail", args=[job.pk])).content.decode()
    assert "Nirvana" in page and "250 is outside 0-100" in page and "“x” is not a whole number" in page
    assert "scroll-table" in page  # the problems table scrolls inside the page


def test_an_unexpected_error_while_committing_fails_the_job_and_writes_nothing(manager_client, manager):
    """The database refuses the third row (a constraint the importer does not know about): the job ends failed with
    the database's reason and the line, the page says so, and neither of the two rows before it was written."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_account ADD CONSTRAINT no_initech CHECK (name <> 'Initech')")
    data = b"account_id,name\nU-1,Umbrella\nU-2,Hooli\nU-3,Initech\nU-4,Soylent\n"
    job = import_start(target=target_for("accounts"), filename="u.csv", data=data, by=manager)
    assert job.status == ImportStatus.PREVIEW

    response = manager_client.post(reverse("accounts:import_commit", args=[job.pk]), follow=True)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert "line 4" in job.file_error and "no_initech" in job.file_error
    assert job.created_count == 0
    assert not Account.objects.filter(account_id__startswith="U-").exists()
    assert response.status_code == 200
    assert "nothing was written" in response.content.decode()
