import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts import services
from accounts.models import (
    Account,
    AccountCSM,
    AssignmentHistory,
    Contact,
    CustomDimension,
    DimensionType,
    Document,
    Interaction,
    NpsResponse,
    PurgedAccountId,
    Stage,
    StageHistory,
    Tier,
)
from tests.accounts.factories import AccountFactory, ContactFactory, interaction_type, stage, tier

D = datetime.date


def test_it_creates_an_account_with_stage_history_and_csms(account, csm):
    assert account.account_id == "ACME-1"
    history = StageHistory.objects.get(account=account)
    assert history.stage.name == "Onboarding" and history.end is None
    assert list(account.csms.all()) == [csm]
    assert AssignmentHistory.objects.get(account=account, user=csm).ended_at is None


def test_it_normalises_a_float_account_id(db, manager):
    account = services.account_create(by=manager, account_id="12345.0", name="Floaty")
    assert account.account_id == "12345"


def test_it_refuses_a_duplicate_account_id(account, manager):
    with pytest.raises(ValidationError) as exc:
        services.account_create(by=manager, account_id="ACME-1", name="Again")
    assert "already has this account id" in str(exc.value)


def test_it_refuses_a_deleted_account_id_on_create(account, manager):
    services.account_delete(account=account, by=manager)
    with pytest.raises(ValidationError) as exc:
        services.account_create(by=manager, account_id="ACME-1", name="Again")
    assert "restore it instead" in str(exc.value)


def test_it_refuses_a_missing_name(db, manager):
    with pytest.raises(ValidationError) as exc:
        services.account_create(by=manager, account_id="X1", name="  ")
    assert "name" in exc.value.message_dict


def test_it_refuses_a_csm_score_over_100(account, manager):
    with pytest.raises(ValidationError):
        services.account_update(account=account, by=manager, csm_score=101)


def test_it_changes_stage_and_keeps_history(account):
    services.account_set_stage(account=account, stage=stage("Established"), on=D(2025, 3, 1))
    periods = list(StageHistory.objects.filter(account=account).order_by("start", "id"))
    assert [p.stage.name for p in periods] == ["Onboarding", "Established"]
    assert periods[0].end == D(2025, 3, 1) and periods[1].end is None
    account.refresh_from_db()
    assert account.stage.name == "Established"


def test_setting_the_same_stage_changes_nothing(account):
    services.account_set_stage(account=account, stage=stage("Onboarding"), on=D(2025, 3, 1))
    assert StageHistory.objects.filter(account=account).count() == 1


def test_update_saves_only_changes(account, manager):
    before = Account.objects.get(pk=account.pk).updated_at
    services.account_update(account=account, by=manager, name="Acme Corp")
    assert Account.objects.get(pk=account.pk).updated_at == before
    services.account_update(account=account, by=manager, name="Acme Inc", tier=tier("SMB"))
    account.refresh_from_db()
    assert account.name == "Acme Inc" and account.tier.name == "SMB"


def test_update_nps_records_history(account, manager):
    services.account_update(account=account, by=manager, nps=9, on=D(2025, 1, 1))
    assert account.nps == 9
    assert NpsResponse.objects.get(account=account).survey == services.MANUAL_NPS_SURVEY


def test_the_latest_nps_response_sets_current_nps(account):
    services.account_nps_record(account=account, score=8, on=D(2025, 2, 1), respondent="Ann")
    services.account_nps_record(account=account, score=3, on=D(2025, 1, 1), respondent="Bob")
    account.refresh_from_db()
    assert account.nps == 8
    with pytest.raises(ValidationError):
        services.account_nps_record(account=account, score=11, on=D(2025, 3, 1))


def test_it_refuses_a_parent_loop(account, other_account, manager):
    services.account_update(account=other_account, by=manager, parent=account)
    with pytest.raises(ValidationError) as exc:
        services.account_update(account=account, by=manager, parent=other_account)
    assert "loop" in str(exc.value)


def test_it_assigns_and_unassigns_csms_with_history(account, csm, other_csm, manager):
    services.account_assign_csms(account=account, csms=[other_csm], by=manager)
    assert list(account.csms.all()) == [other_csm]
    old = AssignmentHistory.objects.get(account=account, user=csm)
    assert old.ended_at is not None
    assert AssignmentHistory.objects.get(account=account, user=other_csm).ended_at is None


def test_only_members_who_own_accounts_can_be_csms(account, members, manager):
    with pytest.raises(ValidationError) as exc:
        services.account_assign_csms(account=account, csms=[members["Guest"]], by=manager)
    assert "cannot be assigned" in str(exc.value)
    with pytest.raises(ValidationError):
        services.account_assign_csms(account=account, csms=[members["Analyst"]], by=manager)


def test_churn_and_unchurn(account, manager):
    services.account_churn(account=account, churned_on=D(2025, 5, 1), reason="Budget", by=manager)
    account.refresh_from_db()
    assert account.is_churned and account.churn_reason == "Budget"
    with pytest.raises(ValidationError):
        services.account_churn(account=account, churned_on=D(2025, 6, 1), reason="Again", by=manager)
    services.account_unchurn(account=account, by=manager)
    account.refresh_from_db()
    assert account.churned_on is None and account.churn_reason == ""
    with pytest.raises(ValidationError):
        services.account_unchurn(account=account, by=manager)


def test_churn_keeps_data(account, manager):
    services.note_create(account=account, by=manager, body="Keep me")
    services.account_churn(account=account, churned_on=D(2025, 5, 1), reason="", by=manager)
    assert account.notes.count() == 1


def test_delete_and_restore(account, manager):
    services.account_delete(account=account, by=manager)
    account.refresh_from_db()
    assert account.is_deleted and account.deleted_at
    with pytest.raises(ValidationError):
        services.account_delete(account=account, by=manager)
    with pytest.raises(ValidationError):
        services.account_churn(account=account, churned_on=D(2025, 1, 1), reason="", by=manager)
    services.account_restore(account=account, by=manager)
    account.refresh_from_db()
    assert not account.is_deleted and account.deleted_at is None


def test_sync_creates_updates_and_leaves_unchanged(db):
    account, outcome = services.account_upsert_from_sync(account_id=777.0, data={"name": "Sync Co"}, source="api")
    assert outcome == "created" and account.account_id == "777" and account.source == "api"
    _, outcome = services.account_upsert_from_sync(account_id="777", data={"name": "Sync Co"})
    assert outcome == "unchanged"
    _, outcome = services.account_upsert_from_sync(
        account_id="777", data={"name": "Sync Co 2", "stage": stage("Trial")}
    )
    assert outcome == "updated"


def test_sync_refuses_a_deleted_id_until_restored(account, manager):
    services.account_delete(account=account, by=manager)
    with pytest.raises(services.SyncRefusedError):
        services.account_upsert_from_sync(account_id="ACME-1", data={"name": "Back"})
    services.account_restore(account=account, by=manager)
    _, outcome = services.account_upsert_from_sync(account_id="ACME-1", data={"name": "Back"})
    assert outcome == "updated"


def test_purge_removes_old_deleted_accounts_and_blocks_their_ids(account, manager):
    services.note_create(account=account, by=manager, body="x")
    services.account_delete(account=account, by=manager)
    assert services.accounts_purge_deleted(before=timezone.now() - datetime.timedelta(days=1)) == 0
    assert services.accounts_purge_deleted(before=timezone.now() + datetime.timedelta(seconds=1)) == 1
    assert not Account.objects.filter(account_id="ACME-1").exists()
    assert PurgedAccountId.objects.filter(account_id="ACME-1").exists()
    with pytest.raises(services.SyncRefusedError):
        services.account_upsert_from_sync(account_id="ACME-1", data={"name": "Back"})


def test_status_update(account, manager):
    services.account_status_update(account=account, title="Escalated", details="Outage", on=D(2025, 4, 2), by=manager)
    account.refresh_from_db()
    assert (account.status_title, account.status_date) == ("Escalated", D(2025, 4, 2))


def test_dimensions_are_typed(account):
    plan = CustomDimension.objects.create(
        key="plan", label="Plan", data_type=DimensionType.PICKLIST, choices=["Gold", "Silver"]
    )
    seats = CustomDimension.objects.create(key="seats", label="Seats", data_type=DimensionType.NUMBER)
    renewal = CustomDimension.objects.create(key="signed", label="Signed", data_type=DimensionType.DATE)
    assert services.account_dimensions_set(account=account, values={plan: "Gold", seats: "12", renewal: "2025-01-02"})
    assert not services.account_dimensions_set(account=account, values={plan: "Gold", seats: "12"})
    with pytest.raises(ValidationError) as exc:
        services.account_dimensions_set(account=account, values={plan: "Bronze", seats: "many"})
    assert set(exc.value.message_dict) == {"dim_plan", "dim_seats"}
    assert services.account_dimensions_set(account=account, values={plan: ""})
    assert account.dimension_values.count() == 2


def test_contact_create_links_existing_people(account, other_account):
    first = services.contact_create(account=account, name="Ann", email="ANN@x.example", user_id="u1")
    again = services.contact_create(account=other_account, name="Ann B", email="ann@x.example")
    assert first == again
    assert set(first.accounts.all()) == {account, other_account}
    assert Contact.objects.count() == 1


def test_contact_needs_some_identity(account):
    with pytest.raises(ValidationError):
        services.contact_create(account=account, name="")


def test_contact_unlink_keeps_the_person(account):
    contact = services.contact_create(account=account, name="Ann")
    services.contact_unlink(account=account, contact=contact)
    assert Contact.objects.filter(pk=contact.pk).exists() and not account.contacts.exists()


def test_interaction_only_with_the_accounts_contacts(account, other_account, manager):
    ann = services.contact_create(account=account, name="Ann")
    bob = services.contact_create(account=other_account, name="Bob")
    interaction = services.interaction_create(
        account=account, by=manager, date=timezone.now(), type=interaction_type(), subject="Kick-off", contacts=[ann]
    )
    assert list(interaction.contacts.all()) == [ann]
    with pytest.raises(ValidationError):
        services.interaction_create(
            account=account, by=manager, date=timezone.now(), type=interaction_type(), subject="x", contacts=[bob]
        )
    with pytest.raises(ValidationError):
        services.interaction_create(
            account=account, by=manager, date=timezone.now(), type=interaction_type(), subject=""
        )
    assert Interaction.objects.count() == 1


def test_notes(account, manager):
    note = services.note_create(account=account, by=manager, body="  Hello ")
    assert note.body == "Hello"
    with pytest.raises(ValidationError):
        services.note_create(account=account, by=manager, body=" ")
    services.note_delete(note=note)
    assert not account.notes.exists()


def test_documents_check_files(account, manager, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    doc = services.document_create(
        account=account, by=manager, name="Contract", file=SimpleUploadedFile("contract.pdf", b"%PDF-1.4 x")
    )
    assert doc.file.name.endswith(".pdf")
    link = services.document_create(account=account, by=manager, name="Plan", url="https://example.com/plan")
    assert link.url
    with pytest.raises(ValidationError, match="not accepted"):
        services.document_create(account=account, by=manager, name="x", file=SimpleUploadedFile("run.exe", b"MZ"))
    with pytest.raises(ValidationError, match="empty"):
        services.document_create(account=account, by=manager, name="x", file=SimpleUploadedFile("a.pdf", b""))
    with pytest.raises(ValidationError, match="either a file or a link"):
        services.document_create(account=account, by=manager, name="x")
    # The content must be what the extension says: a renamed program is refused, a real PNG or text accepted.
    with pytest.raises(ValidationError, match=r"not that of a \.pdf file"):
        services.document_create(account=account, by=manager, name="x", file=SimpleUploadedFile("a.pdf", b"MZ\x90"))
    with pytest.raises(ValidationError, match=r"not that of a \.txt file"):
        services.document_create(
            account=account, by=manager, name="x", file=SimpleUploadedFile("a.txt", b"\x7fELF\x00")
        )
    with pytest.raises(ValidationError, match=r"not that of a \.webp file"):
        services.document_create(
            account=account, by=manager, name="x", file=SimpleUploadedFile("a.webp", b"RIFF1234WAVE")
        )
    png = services.document_create(
        account=account, by=manager, name="Logo", file=SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n....")
    )
    notes = services.document_create(
        account=account, by=manager, name="Notes", file=SimpleUploadedFile("notes.md", "# Kick-off — ok".encode())
    )
    assert png.file.read().startswith(b"\x89PNG") and notes.file.name.endswith(".md")
    for document in (doc, png, notes):
        services.document_delete(document=document)
    assert Document.objects.count() == 1


def test_documents_refuse_large_files(account, manager, monkeypatch):
    monkeypatch.setattr(services, "DOCUMENT_MAX_BYTES", 5)
    with pytest.raises(ValidationError, match="larger than"):
        services.document_create(account=account, by=manager, name="x", file=SimpleUploadedFile("a.pdf", b"123456"))


def test_ticket_closing_sets_closed_time(account):
    from accounts.models import SupportTicket
    from tests.accounts.factories import ticket_option

    ticket = SupportTicket(
        account=account, subject="Broken", status=ticket_option("status", "Solved"), opened_at=timezone.now()
    )
    services.ticket_save(ticket=ticket)
    assert ticket.closed_at is not None
    bad = SupportTicket(
        account=account,
        subject="Broken",
        status=ticket_option("status", "Open"),
        opened_at=timezone.now(),
        closed_at=timezone.now() - datetime.timedelta(days=1),
    )
    with pytest.raises(ValidationError):
        services.ticket_save(ticket=bad)


def test_bulk_actions(account, other_account, unassigned_account, csm, other_csm, manager):
    qs = Account.objects.filter(pk__in=[account.pk, unassigned_account.pk])
    assert services.accounts_bulk_assign_csms(accounts=qs, csms=[other_csm], replace=False, by=manager) == 2
    assert set(account.csms.all()) == {csm, other_csm}
    services.accounts_bulk_assign_csms(accounts=qs, csms=[other_csm], replace=True, by=manager)
    assert list(account.csms.all()) == [other_csm]
    assert services.accounts_bulk_set_stage(accounts=qs, stage=stage("Renewal"), on=D(2025, 1, 1)) == 2
    assert services.accounts_bulk_set_tier(accounts=qs, tier=tier("Enterprise")) == 2
    assert services.accounts_bulk_churn(accounts=qs, churned_on=D(2025, 2, 1), reason="Price", by=manager) == 2
    assert services.accounts_bulk_churn(accounts=qs, churned_on=D(2025, 2, 1), reason="Price", by=manager) == 0
    assert Account.objects.filter(churned_on__isnull=False).count() == 2
    assert not other_account.churned_on


def test_picklist_delete_refuses_values_in_use(account):
    with pytest.raises(ValidationError, match="in use"):
        services.picklist_delete(item=stage("Onboarding"))
    services.picklist_delete(item=stage("Trial"))
    assert not Stage.objects.filter(name="Trial").exists()
    new = services.picklist_save(item=Tier(name=" Strategic ", order=9))
    assert new.name == "Strategic"


def test_dimension_type_is_fixed_once_values_exist(account):
    seats = services.dimension_save(dimension=CustomDimension(key="seats", label="Seats", data_type="number"))
    services.account_dimensions_set(account=account, values={seats: "3"})
    seats.data_type = DimensionType.TEXT
    with pytest.raises(ValidationError):
        services.dimension_save(dimension=seats)
    with pytest.raises(ValidationError):
        services.dimension_save(dimension=CustomDimension(key="plan", label="Plan", data_type="picklist", choices=[]))


def test_factories_work(db):
    assert AccountFactory().pk and ContactFactory().pk
    assert AccountCSM.objects.count() == 0
