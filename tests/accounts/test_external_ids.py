"""CRM, billing and support ids each identify at most one live account."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts import services
from accounts.models import Account, Note

FIELDS = ["crm_account_id", "billing_account_id", "support_account_id"]


@pytest.mark.parametrize("field", FIELDS)
def test_a_second_live_account_cannot_take_an_external_id(account, other_account, manager, field):
    services.account_update(account=account, by=manager, **{field: "ext-1"})
    with pytest.raises(ValidationError) as exc:
        services.account_update(account=other_account, by=manager, **{field: "ext-1"})
    assert field in exc.value.message_dict
    assert "already has this" in " ".join(exc.value.message_dict[field])
    other_account.refresh_from_db()
    assert getattr(other_account, field) == ""


def test_account_create_refuses_a_taken_external_id(account, manager):
    services.account_update(account=account, by=manager, billing_account_id="cus_1")
    with pytest.raises(ValidationError) as exc:
        services.account_create(by=manager, account_id="NEW-1", name="New", billing_account_id="cus_1")
    assert "billing_account_id" in exc.value.message_dict
    assert not Account.objects.filter(account_id="NEW-1").exists()


def test_empty_ids_and_ids_of_deleted_accounts_do_not_block(account, other_account, manager):
    services.account_update(account=account, by=manager, support_account_id="org-7")
    services.account_delete(account=account, by=manager)
    services.account_update(account=other_account, by=manager, support_account_id="org-7")
    assert Account.objects.filter(crm_account_id="").count() == 2


def test_restoring_an_account_whose_id_was_taken_meanwhile_is_refused(account, other_account, manager_client):
    services.account_update(account=account, by=None, billing_account_id="cus_9")
    services.account_delete(account=account, by=None)
    services.account_update(account=other_account, by=None, billing_account_id="cus_9")
    with pytest.raises(ValidationError) as exc:
        services.account_restore(account=account, by=None)
    assert "billing account id" in " ".join(exc.value.messages)
    response = manager_client.post(reverse("accounts:restore", args=[account.pk]), follow=True)
    assert response.status_code == 200
    assert "cannot be restored" in response.content.decode()
    account.refresh_from_db()
    assert account.is_deleted


def test_the_account_form_names_the_field(manager_client, account, other_account):
    services.account_update(account=account, by=None, crm_account_id="0013X1")
    edit = manager_client.get(reverse("accounts:edit", args=[other_account.pk]))
    data = {k: v for k, v in edit.context["form"].initial.items() if v is not None}
    data.update({"name": "Globex", "account_id": "GLOBEX-1", "crm_account_id": "0013X1"})
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if not isinstance(v, list | tuple)}
    response = manager_client.post(reverse("accounts:edit", args=[other_account.pk]), data)
    assert response.status_code == 200
    assert response.context["form"].errors["crm_account_id"] == ["Another account already has this CRM account id."]
    other_account.refresh_from_db()
    assert other_account.crm_account_id == ""


@pytest.mark.django_db(transaction=True)
def test_the_migration_clears_shared_ids_and_leaves_a_note():
    executor = MigrationExecutor(connection)
    before, after = [("accounts", "0005_import_source")], [("accounts", "0006_external_ids_unique")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("accounts", "Account")
    a = old.objects.create(account_id="A", name="Alpha", billing_account_id="cus_1", crm_account_id="crm-a")
    b = old.objects.create(account_id="B", name="Beta", billing_account_id="cus_1", support_account_id="org-1")
    c = old.objects.create(account_id="C", name="Gamma", support_account_id="org-1", is_deleted=True)
    d = old.objects.create(account_id="D", name="Delta", support_account_id="org-1")
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(after)
    finally:
        # Whatever came after is applied again, so later tests see the full schema.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = {row.account_id: row for row in Account.objects.all()}
    assert rows["A"].billing_account_id == "" and rows["B"].billing_account_id == ""
    assert rows["A"].crm_account_id == "crm-a"  # not shared: kept
    assert rows["B"].support_account_id == "" and rows["D"].support_account_id == ""
    assert rows["C"].support_account_id == "org-1"  # deleted accounts do not count
    note = Note.objects.get(account_id=a.pk)
    assert "billing account id “cus_1”" in note.body and "Cleared" in note.body
    assert Note.objects.filter(account_id=b.pk).count() == 1
    assert "support account id “org-1”" in Note.objects.get(account_id=b.pk).body
    assert Note.objects.filter(account_id=d.pk).count() == 1
    assert not Note.objects.filter(account_id=c.pk).exists()
