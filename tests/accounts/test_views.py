import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts import services
from accounts.models import Account, AccountListPreference, CustomDimension, Document, Interaction, Note
from tests.accounts.factories import AccountFactory, stage, tier

HX = {"HTTP_HX_REQUEST": "true"}


def url(name, *args):
    return reverse(f"accounts:{name}", args=args)


# List -----------------------------------------------------------------------------------------------------------


def test_list_shows_accounts_and_the_stage_chart(manager_client, account, other_account):
    response = manager_client.get(url("list"), {"view": "active"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Corp" in body and "Globex" in body
    assert "plotly/plotly.min.js" in body and "js/charts.js" in body and "<html" in body
    # The chart is a panel of its own, for the same view.
    assert 'hx-get="/accounts/summary/stages/?view=active"' in body and "stage-chart" not in body
    body = manager_client.get(url("summary", "stages"), {"view": "active"}, **HX).content.decode()
    assert 'id="stage-chart"' in body and "data-chart=" in body and "<script" not in body
    assert '<th scope="row">Onboarding</th><td>1</td>' in body


def test_the_stage_panel_follows_the_view_filters_and_permissions(client_for, manager, csm, account, other_account):
    manager_client = client_for(manager)
    services.account_churn(account=account, churned_on=datetime.date(2025, 1, 1), reason="", by=None)
    churned = manager_client.get(url("summary", "stages"), {"view": "churned"}).content.decode()
    assert '<th scope="row">Onboarding</th><td>1</td>' in churned
    active = manager_client.get(url("summary", "stages"), {"view": "active"}).content.decode()
    assert '<th scope="row">Onboarding</th><td>0</td>' in active and "<td>1</td>" in active
    assert (
        "No accounts to chart"
        in manager_client.get(url("summary", "stages"), {"view": "active", "q": "zzz"}).content.decode()
    )
    assert (
        "left out of the summaries"
        in manager_client.get(url("summary", "stages"), {"view": "deleted"}).content.decode()
    )
    # A CSM counts only their own accounts (Acme, churned), whatever view they ask for.
    body = client_for(csm).get(url("summary", "stages"), {"view": "all"}).content.decode()
    assert '<th scope="row">Onboarding</th><td>1</td>' in body and "<td>2</td>" not in body
    assert manager_client.get(url("summary", "nope")).status_code == 404


def test_list_partial_for_htmx(manager_client, account):
    response = manager_client.get(url("list"), {"view": "active", "q": "acme"}, **HX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="results"' in body and "Acme Corp" in body


def test_a_csm_lands_on_my_accounts_and_sees_only_theirs(csm_client, account, other_account):
    body = csm_client.get(url("list")).content.decode()
    assert "Acme Corp" in body and "Globex" not in body
    body = csm_client.get(url("list"), {"view": "active", "csm": other_account.csms.first().pk}).content.decode()
    assert "Globex" not in body


def test_list_views_and_empty_states(manager_client, account):
    body = manager_client.get(url("list"), {"view": "churned"}).content.decode()
    assert "No churned accounts" in body
    body = manager_client.get(url("list"), {"view": "active", "q": "zzz"}).content.decode()
    assert "No accounts match these filters" in body


def test_list_ignores_bad_parameters(manager_client, account):
    response = manager_client.get(
        url("list"), {"view": "bogus", "tier": "x", "stage": "1; drop", "csm": "abc", "page": "-4", "sort": "__class__"}
    )
    assert response.status_code == 200


def test_list_sorts_and_pages(manager_client, db, manager):
    for i in range(30):
        AccountFactory(name=f"Co {i:02d}", csm_score=i)
    services.list_preference_save(user=manager, columns=["csm_score", "tier"], per_page=25)
    body = manager_client.get(url("list"), {"view": "active", "sort": "-csm_score"}).content.decode()
    assert body.index("Co 29") < body.index("Co 28")
    assert "Page 1 of 2" in body
    body = manager_client.get(url("list"), {"view": "active", "page": 2}).content.decode()
    assert "Co 29" in body and "Co 00" not in body


def test_list_filters_by_custom_dimension(manager_client, account, other_account):
    plan = CustomDimension.objects.create(key="plan", label="Plan", data_type="picklist", choices=["Gold", "Free"])
    seats = CustomDimension.objects.create(key="seats", label="Seats", data_type="number")
    services.account_dimensions_set(account=account, values={plan: "Gold", seats: 50})
    services.account_dimensions_set(account=other_account, values={plan: "Free", seats: 5})
    body = manager_client.get(url("list"), {"view": "all", "dim_plan": "Gold"}).content.decode()
    assert "Acme Corp" in body and "Globex" not in body
    body = manager_client.get(url("list"), {"view": "all", "dim_seats_max": "10"}).content.decode()
    assert "Acme Corp" not in body and "Globex" in body


def test_list_query_count_is_bounded(manager_client, manager, django_assert_max_num_queries, csm):
    plan = CustomDimension.objects.create(key="plan", label="Plan", data_type="picklist", choices=["Gold"])
    services.list_preference_save(user=manager, columns=["csms", "tier", "stage", "dim_plan", "parent"], per_page=50)
    for i in range(60):
        a = AccountFactory(stage=stage("Trial"), tier=tier("SMB"))
        services.account_assign_csms(account=a, csms=[csm], by=None)
        services.account_dimensions_set(account=a, values={plan: "Gold"})
    # Includes one query for the member's saved lists, shown as extra views.
    with django_assert_max_num_queries(21):
        response = manager_client.get(url("list"), {"view": "active", "sort": "dim_plan"})
    assert response.status_code == 200


def test_list_cells_show_each_chosen_column_escaped(
    manager_client, manager, account, other_account, unassigned_account
):
    note = CustomDimension.objects.create(key="note", label="Note", data_type="text")
    services.account_update(account=account, by=None, name="Acme <b>Corp</b>")
    services.account_update(
        account=other_account, by=None, parent=account, employees=12500, join_date=datetime.date(2025, 3, 9)
    )
    Account.objects.filter(pk=other_account.pk).update(status_title="<i>Renewing</i>")
    services.account_dimensions_set(account=other_account, values={note: "<script>x</script>"})
    columns = ["csms", "status", "parent", "dim_note", "employees", "join_date"]
    services.list_preference_save(user=manager, columns=columns, per_page=25)

    def row(q):
        body = manager_client.get(url("list"), {"view": "all", "q": q}).content.decode()
        return body[body.index("<tbody>") : body.index("</tbody>")]

    globex = row("Globex")
    assert "<td>Other Csm</td><td>&lt;i&gt;Renewing&lt;/i&gt;</td>" in globex
    assert f'<td><a href="/accounts/{account.pk}/">Acme &lt;b&gt;Corp&lt;/b&gt;</a></td>' in globex
    assert "<td>&lt;script&gt;x&lt;/script&gt;</td><td>12,500</td><td>9 Mar 2025</td>" in globex
    assert "<script>" not in globex and "<i>" not in globex
    initech = row("Initech")
    assert '<td><span class="text-body-secondary">Unassigned</span></td><td>—</td><td>—</td><td>—</td>' in initech


def test_columns_are_remembered(manager_client, manager):
    response = manager_client.post(url("columns"), {"columns": ["industry", "nps"], "per_page": 25})
    assert response.status_code == 302
    pref = AccountListPreference.objects.get(user=manager)
    assert pref.columns == ["industry", "nps"] and pref.per_page == 25


def test_export_is_scoped_and_neutralises_formulas(csm_client, account, other_account):
    services.account_update(account=account, by=None, name="=HYPERLINK(evil)")
    response = csm_client.get(url("export"), {"view": "active"})
    content = b"".join(response.streaming_content).decode()
    assert "'=HYPERLINK(evil)" in content and "Globex" not in content


def test_bulk_actions(manager_client, account, other_account, csm, other_csm):
    ids = [account.pk, other_account.pk]
    r = manager_client.post(url("bulk_action"), {"action": "tier", "ids": ids, "tier": tier("Enterprise").pk})
    assert r.status_code == 302
    assert Account.objects.filter(tier__name="Enterprise").count() == 2
    manager_client.post(url("bulk_action"), {"action": "stage", "ids": ids, "stage": stage("Renewal").pk})
    assert Account.objects.filter(stage__name="Renewal").count() == 2
    manager_client.post(url("bulk_action"), {"action": "assign", "ids": ids, "csms": [other_csm.pk]})
    assert set(account.csms.all()) == {csm, other_csm}
    manager_client.post(url("bulk_action"), {"action": "churn", "ids": ids, "churned_on": "2025-01-01"})
    assert Account.objects.filter(churned_on="2025-01-01").count() == 2


def test_bulk_actions_touch_only_visible_accounts(csm_client, account, other_account):
    csm_client.post(
        url("bulk_action"), {"action": "tier", "ids": [account.pk, other_account.pk], "tier": tier("SMB").pk}
    )
    other_account.refresh_from_db()
    assert other_account.tier is None
    assert Account.objects.get(pk=account.pk).tier.name == "SMB"


def test_bulk_action_errors_are_messages(manager_client, account):
    response = manager_client.post(url("bulk_action"), {"action": "churn", "ids": [account.pk]}, follow=True)
    assert "Give the churn date" in response.content.decode()


def test_bulk_action_on_all_matching_accounts(manager_client, manager, account, other_account, unassigned_account):
    # The list filtered by search "o" matches Acme Corp and Globex, not Initech: "all matching" is those two.
    response = manager_client.post(
        url("bulk_action"), {"action": "tier", "scope": "all", "query": "view=active&q=o", "tier": tier("SMB").pk}
    )
    assert response.status_code == 302
    assert set(Account.objects.filter(tier__name="SMB").values_list("name", flat=True)) == {"Acme Corp", "Globex"}
    # Without "all", ticking nothing changes nothing and says so.
    response = manager_client.post(url("bulk_action"), {"action": "tier", "tier": tier("Enterprise").pk}, follow=True)
    assert "Select at least one account" in response.content.decode()
    assert not Account.objects.filter(tier__name="Enterprise").exists()


def test_bulk_action_on_all_matching_keeps_to_what_the_member_sees(csm_client, account, other_account):
    csm_client.post(url("bulk_action"), {"action": "tier", "scope": "all", "query": "view=all", "tier": tier("SMB").pk})
    assert list(Account.objects.filter(tier__name="SMB").values_list("name", flat=True)) == ["Acme Corp"]


def test_bulk_action_on_all_matching_is_capped(manager_client, account, other_account, monkeypatch):
    from accounts.views import list as account_views

    monkeypatch.setattr(account_views, "BULK_MAX_ACCOUNTS", 1)
    response = manager_client.post(
        url("bulk_action"),
        {"action": "tier", "scope": "all", "query": "view=active", "tier": tier("SMB").pk},
        follow=True,
    )
    assert "2 accounts match" in response.content.decode()
    assert not Account.objects.filter(tier__name="SMB").exists()


def test_account_list_offers_all_matching_when_there_is_more_than_a_page(manager_client, manager):
    for n in range(30):
        services.account_create(by=manager, account_id=f"MANY-{n}", name=f"Many {n:02d}")
    services.list_preference_save(user=manager, columns=[], per_page=25)
    html = manager_client.get(url("list"), {"view": "active"}).content.decode()
    assert "Select all 30 matching accounts" in html and 'name="query" value="view=active"' in html


def test_guest_cannot_bulk_act(guest_client, account):
    r = guest_client.post(url("bulk_action"), {"action": "tier", "ids": [account.pk], "tier": tier("SMB").pk})
    assert r.status_code == 403


# Create, edit, account page ---------------------------------------------------------------------------------------


def test_create_account(manager_client, csm):
    response = manager_client.get(url("create"))
    assert response.status_code == 200
    response = manager_client.post(
        url("create"),
        {"name": "Hooli", "account_id": "555.0", "stage": stage("Trial").pk, "csms": [csm.pk], "nps": 7},
    )
    account = Account.objects.get(name="Hooli")
    assert response.status_code == 302 and response["Location"] == url("detail", account.pk)
    assert account.account_id == "555" and account.nps == 7 and list(account.csms.all()) == [csm]


def test_create_account_errors(manager_client, account):
    response = manager_client.post(url("create"), {"name": "Dup", "account_id": "ACME-1", "csm_score": 150})
    body = response.content.decode()
    assert response.status_code == 200
    assert "already has this account id" in body or "at most 100" in body.lower() or "less than or equal" in body


def test_edit_account_with_parent(manager_client, account, other_account):
    response = manager_client.post(
        url("edit", account.pk),
        {"name": "Acme 2", "account_id": "ACME-1", "parent_account_id": "GLOBEX-1", "hierarchy_label": "Branch"},
    )
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.parent == other_account and account.name == "Acme 2"
    response = manager_client.post(
        url("edit", other_account.pk), {"name": "Globex", "account_id": "GLOBEX-1", "parent_account_id": "ACME-1"}
    )
    assert "loop" in response.content.decode()


def test_account_page(manager_client, account, other_account):
    services.account_update(account=other_account, by=None, parent=account)
    services.note_create(account=account, by=None, body="<script>alert(1)</script>")
    response = manager_client.get(url("detail", account.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme Corp" in body and "Globex" in body  # child in the hierarchy
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>alert(1)" not in body
    assert "Onboarding" in body


def test_account_page_query_count(manager_client, account, csm, django_assert_max_num_queries):
    for i in range(10):
        contact = services.contact_create(account=account, name=f"P{i}", email=f"p{i}@x.example")
        services.interaction_create(
            account=account,
            by=csm,
            date=datetime.datetime(2025, 1, i + 1, tzinfo=datetime.UTC),
            type=services.InteractionType.objects.first(),
            subject=f"S{i}",
            contacts=[contact],
        )
        services.note_create(account=account, by=csm, body=f"n{i}")
    # The health score on the overview is one query of its own; the rest of the page loads by section.
    with django_assert_max_num_queries(39):
        assert manager_client.get(url("detail", account.pk)).status_code == 200


def test_interactions_search_partial(manager_client, account, manager):
    for subject in ["Kick-off call", "QBR review"]:
        services.interaction_create(
            account=account,
            by=manager,
            date=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
            type=services.InteractionType.objects.first(),
            subject=subject,
        )
    response = manager_client.get(url("detail", account.pk), {"q": "qbr"}, **HX)
    body = response.content.decode()
    assert "<html" not in body and "QBR review" in body and "Kick-off" not in body
    full = manager_client.get(url("detail", account.pk), {"q": "qbr"}).content.decode()
    assert "<html" in full and "QBR review" in full and "Kick-off" not in full


def test_a_csm_cannot_open_another_csms_account(csm_client, other_account):
    assert csm_client.get(url("detail", other_account.pk)).status_code == 404
    assert csm_client.get(url("detail", other_account.pk), {"q": "x"}, **HX).status_code == 404
    assert csm_client.get(url("edit", other_account.pk)).status_code == 404
    assert csm_client.post(url("note_add", other_account.pk), {"body": "x"}).status_code == 404
    assert csm_client.post(url("churn", other_account.pk), {"churned_on": "2025-01-01"}).status_code == 404
    assert csm_client.post(url("grid_cell", other_account.pk), {"field": "name", "value": "x"}).status_code == 404


def test_a_csm_can_work_on_their_own_account(csm_client, account):
    assert csm_client.get(url("detail", account.pk)).status_code == 200
    assert csm_client.post(url("note_add", account.pk), {"body": "Mine"}).status_code == 302
    assert Note.objects.filter(account=account, body="Mine").exists()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("edit", {"name": "x", "account_id": "x"}),
        ("note_add", {"body": "x"}),
        ("contact_add", {"name": "x"}),
        ("interaction_add", {"subject": "x"}),
        ("document_add", {"name": "x"}),
        ("ticket_add", {"subject": "x"}),
        ("nps_add", {"score": 5}),
        ("csms", {}),
        ("churn", {"churned_on": "2025-01-01"}),
        ("unchurn", {}),
        ("delete", {}),
        ("restore", {}),
        ("status", {"title": "x"}),
    ],
)
def test_a_guest_cannot_change_anything(guest_client, account, name, data):
    assert guest_client.post(url(name, account.pk), data).status_code == 403
    assert guest_client.get(url("detail", account.pk)).status_code == 200


def test_guest_cannot_create_or_configure(guest_client, account):
    assert guest_client.get(url("create")).status_code == 403
    assert guest_client.get(url("grid")).status_code == 403
    assert guest_client.get(url("import")).status_code == 403
    assert guest_client.get(url("settings_stages")).status_code == 403


def test_status_edit_in_place(manager_client, account):
    form = manager_client.get(url("status", account.pk), **HX)
    assert form.status_code == 200 and "<html" not in form.content.decode() and "Save status" in form.content.decode()
    saved = manager_client.post(
        url("status", account.pk), {"title": "On track", "details": "", "date": "2025-02-02"}, **HX
    )
    body = saved.content.decode()
    assert "On track" in body and "<html" not in body
    full = manager_client.get(url("status", account.pk))
    assert full.status_code == 200 and "<html" in full.content.decode()
    cancel = manager_client.get(url("status", account.pk), {"cancel": 1}, **HX)
    assert "On track" in cancel.content.decode()
    account.refresh_from_db()
    assert account.status_date == datetime.date(2025, 2, 2)


def test_sub_forms(manager_client, account, csm, other_csm, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert (
        manager_client.post(url("contact_add", account.pk), {"name": "Ann", "email": "ann@acme.example"}).status_code
        == 302
    )
    ann = account.contacts.get()
    r = manager_client.post(
        url("interaction_add", account.pk),
        {
            "date": "2025-03-01T10:00",
            "type": services.InteractionType.objects.get(name="Call").pk,
            "subject": "Intro",
            "contacts": [ann.pk],
        },
    )
    assert r.status_code == 302 and Interaction.objects.get().contacts.get() == ann
    r = manager_client.post(
        url("document_add", account.pk), {"name": "Contract", "file": SimpleUploadedFile("c.pdf", b"%PDF-1.7 x")}
    )
    assert r.status_code == 302
    doc = Document.objects.get()
    download = manager_client.get(url("document_download", account.pk, doc.pk))
    assert download.status_code == 200
    r = manager_client.post(
        url("document_add", account.pk), {"name": "Bad", "file": SimpleUploadedFile("x.exe", b"MZ")}
    )
    assert r.status_code == 200 and "not accepted" in r.content.decode()
    r = manager_client.post(
        url("ticket_add", account.pk),
        {
            "subject": "Broken",
            "status": services.TicketOption.objects.get(kind="status", name="Open").pk,
            "opened_at": "2025-03-01T10:00",
            "requester": ann.pk,
        },
    )
    assert r.status_code == 302 and account.tickets.get().requester == ann
    r = manager_client.post(url("nps_add", account.pk), {"score": 9, "date": "2025-03-02", "respondent": "Ann"})
    assert r.status_code == 302
    r = manager_client.post(url("csms", account.pk), {"csms": [other_csm.pk]})
    assert r.status_code == 302 and list(account.csms.all()) == [other_csm]
    note = services.note_create(account=account, by=None, body="bye")
    assert manager_client.post(url("note_delete", account.pk, note.pk)).status_code == 302
    assert manager_client.post(url("document_delete", account.pk, doc.pk)).status_code == 302
    assert manager_client.post(url("contact_remove", account.pk, ann.pk)).status_code == 302
    assert not account.contacts.exists()
    page = manager_client.get(url("detail", account.pk)).content.decode()
    assert "Broken" in page and "Intro" in page


def test_csm_form_refuses_guests_as_csms(manager_client, account, members):
    r = manager_client.post(url("csms", account.pk), {"csms": [members["Guest"].pk]})
    assert r.status_code == 200  # not a valid choice


def test_churn_unchurn_delete_restore(manager_client, account):
    r = manager_client.post(url("churn", account.pk), {"churned_on": "2025-04-01", "reason": "Budget"})
    assert r.status_code == 302
    body = manager_client.get(url("list"), {"view": "churned"}).content.decode()
    assert "Acme Corp" in body
    again = manager_client.post(url("churn", account.pk), {"churned_on": "2025-04-01"})
    assert "already churned" in again.content.decode()
    manager_client.post(url("unchurn", account.pk))
    account.refresh_from_db()
    assert account.churned_on is None
    manager_client.post(url("delete", account.pk))
    account.refresh_from_db()
    assert account.is_deleted
    link = f'href="{url("detail", account.pk)}"'
    assert link not in manager_client.get(url("list"), {"view": "active"}).content.decode()
    assert link in manager_client.get(url("list"), {"view": "deleted"}).content.decode()
    assert manager_client.get(url("detail", account.pk)).status_code == 200  # restorable from its page
    manager_client.post(url("restore", account.pk))
    account.refresh_from_db()
    assert not account.is_deleted


def test_a_csm_cannot_see_deleted_accounts_of_others(csm_client, other_account):
    services.account_delete(account=other_account, by=None)
    assert csm_client.get(url("detail", other_account.pk)).status_code == 404
    assert csm_client.post(url("restore", other_account.pk)).status_code == 404


# Settings ---------------------------------------------------------------------------------------------------------


def test_settings_pages(manager_client, account):
    for name in [
        "settings_stages",
        "settings_tiers",
        "settings_interaction_types",
        "settings_ticket_options",
        "settings_dimensions",
        "settings_dimension_create",
    ]:
        response = manager_client.get(url(name))
        assert response.status_code == 200, name
        assert "Custom dimensions" in response.content.decode()  # the settings sidebar lists the section
    r = manager_client.post(url("settings_stages"), {"name": "Expansion", "order": 5})
    assert r.status_code == 302
    onboarding = stage("Onboarding")
    r = manager_client.post(url("settings_picklist_edit", "stages", onboarding.pk), {"delete": "1"}, follow=True)
    assert "in use" in r.content.decode()
    r = manager_client.post(url("settings_picklist_edit", "stages", onboarding.pk), {"name": "Onboard", "order": 1})
    assert r.status_code == 302 and stage("Onboard")
    r = manager_client.post(url("settings_ticket_options"), {"name": "Waiting", "order": 9, "kind": "status"})
    assert r.status_code == 302
    r = manager_client.post(
        url("settings_dimension_create"),
        {
            "label": "Plan",
            "key": "plan",
            "entity": "account",
            "data_type": "picklist",
            "order": 0,
            "choices": "Gold\nSilver",
        },
    )
    assert r.status_code == 302
    plan = CustomDimension.objects.get(key="plan")
    assert plan.choices == ["Gold", "Silver"]
    r = manager_client.post(
        url("settings_dimension_create"),
        {"label": "Bad", "key": "Bad Key", "entity": "account", "data_type": "picklist", "order": 0},
    )
    assert r.status_code == 200
    assert manager_client.get(url("settings_picklist_edit", "nonsense", 1)).status_code == 404
    r = manager_client.post(url("settings_dimension_edit", plan.pk), {"delete": "1"})
    assert r.status_code == 302 and not CustomDimension.objects.exists()


def test_settings_need_configure_permission(csm_client, client_for, members):
    assert csm_client.get(url("settings_stages")).status_code == 403
    assert client_for(members["Executive"]).get(url("settings_dimensions")).status_code == 403


def test_csm_and_manager_land_on_accounts(roles):
    # The data migration moved the default landing page of these two roles.
    from team.models import Role

    for name in ["CSM", "CSM Manager"]:
        assert Role.objects.get(name=name).landing_page in ("accounts", "home")


def test_landing_redirects_to_accounts(client_for, make_member, roles):
    roles["CSM"].landing_page = "accounts"
    roles["CSM"].save()
    client = client_for(make_member("CSM"))
    response = client.get(reverse("team:landing"))
    assert response["Location"] == url("list")


# Bulk edit grid ---------------------------------------------------------------------------------------------------


def test_grid_full_and_partial(manager_client, account, other_account):
    body = manager_client.get(url("grid")).content.decode()
    assert "<html" in body and "Acme Corp" in body and "Globex" in body
    body = manager_client.get(url("grid"), {"q": "glob"}, **HX).content.decode()
    assert "<html" not in body and "Globex" in body and "Acme Corp" not in body


def test_grid_scoped_for_csms(csm_client, account, other_account):
    body = csm_client.get(url("grid")).content.decode()
    assert "Acme Corp" in body and "Globex" not in body


def test_grid_cells_save_and_validate(manager_client, account):
    r = manager_client.post(url("grid_cell", account.pk), {"field": "tier", "value": tier("Enterprise").pk}, **HX)
    assert r.status_code == 200 and "cell-saved" in r.content.decode()
    account.refresh_from_db()
    assert account.tier.name == "Enterprise"
    r = manager_client.post(url("grid_cell", account.pk), {"field": "csm_score", "value": "250"}, **HX)
    assert "less than or equal to 100" in r.content.decode() and "is-invalid" in r.content.decode()
    r = manager_client.post(url("grid_cell", account.pk), {"field": "join_date", "value": "31/02/2024"}, **HX)
    assert "invalid-feedback" in r.content.decode()
    r = manager_client.post(url("grid_cell", account.pk), {"field": "name", "value": ""}, **HX)
    assert "invalid-feedback" in r.content.decode()
    r = manager_client.post(url("grid_cell", account.pk), {"field": "stage", "value": stage("Renewal").pk}, **HX)
    assert r.status_code == 200
    r = manager_client.post(url("grid_cell", account.pk), {"field": "nps", "value": "8"}, **HX)
    assert r.status_code == 200
    r = manager_client.post(url("grid_cell", account.pk), {"field": "bogus", "value": "8"}, **HX)
    assert "invalid-feedback" in r.content.decode()
    manager_client.post(url("grid_cell", account.pk), {"field": "is_churned", "value": "1"}, **HX)
    account.refresh_from_db()
    assert account.is_churned and account.stage.name == "Renewal" and account.nps == 8
    manager_client.post(url("grid_cell", account.pk), {"field": "is_churned"}, **HX)
    manager_client.post(url("grid_cell", account.pk), {"field": "is_deleted", "value": "1"}, **HX)
    account.refresh_from_db()
    assert not account.is_churned and account.is_deleted
    plan = CustomDimension.objects.create(key="plan", label="Plan", data_type="picklist", choices=["Gold"])
    r = manager_client.post(url("grid_cell", account.pk), {"field": "dim_plan", "value": "Lead"}, **HX)
    assert "is not one of" in r.content.decode()
    r = manager_client.post(url("grid_cell", account.pk), {"field": "dim_plan", "value": "Gold"}, **HX)
    assert r.status_code == 200 and account.dimension_values.get(dimension=plan).value == "Gold"


def test_grid_add_row(manager_client, account):
    r = manager_client.post(url("grid_add"), {"name": "New Co", "account_id": "NEW-1"})
    assert r.status_code == 302 and Account.objects.filter(account_id="NEW-1").exists()
    r = manager_client.post(url("grid_add"), {"name": "Dup", "account_id": "ACME-1"}, follow=True)
    assert "already has this account id" in r.content.decode()


def test_grid_add_row_by_a_csm_assigns_them(csm_client, csm):
    csm_client.post(url("grid_add"), {"name": "Mine", "account_id": "MINE-1"})
    assert list(Account.objects.get(account_id="MINE-1").csms.all()) == [csm]
