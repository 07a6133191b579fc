from accounts import selectors, services
from accounts.selectors import AccountFilters, AccountView
from tests.accounts.factories import stage


def _names(qs):
    return sorted(a.name for a in qs)


def test_a_csm_sees_only_their_accounts(account, other_account, unassigned_account, csm):
    assert _names(selectors.accounts_visible_to(csm)) == ["Acme Corp"]


def test_view_all_members_see_everything_but_deleted(account, other_account, unassigned_account, members):
    for role in ["CSM Manager", "Executive", "Guest", "Analyst"]:
        assert _names(selectors.accounts_visible_to(members[role])) == ["Acme Corp", "Globex", "Initech"]
    services.account_delete(account=unassigned_account, by=None)
    assert _names(selectors.accounts_visible_to(members["Guest"])) == ["Acme Corp", "Globex"]
    assert len(selectors.accounts_visible_to(members["Guest"], include_deleted=True)) == 3


def test_inactive_members_see_nothing(account, csm):
    csm.is_active = False
    csm.save()
    assert not selectors.accounts_visible_to(csm).exists()


def test_list_views(account, other_account, unassigned_account, manager, csm):
    services.account_churn(account=other_account, churned_on=stage("Trial").created_at.date(), reason="", by=None)
    columns = selectors.list_columns([])

    def names(user, view, **kw):
        return [
            a.name for a in selectors.account_list(user=user, filters=AccountFilters(view=view, **kw), columns=columns)
        ]

    assert names(manager, AccountView.ACTIVE) == ["Acme Corp", "Initech"]
    assert names(manager, AccountView.CHURNED) == ["Globex"]
    assert names(manager, AccountView.UNASSIGNED) == ["Initech"]
    assert names(csm, AccountView.MY) == ["Acme Corp"]
    assert names(csm, AccountView.ACTIVE) == ["Acme Corp"]
    assert names(manager, AccountView.ACTIVE, descending=True) == ["Initech", "Acme Corp"]
    assert names(manager, AccountView.ALL, q="glob") == ["Globex"]
    assert names(manager, AccountView.ALL, q="ini-1") == ["Initech"]
    assert names(manager, AccountView.ALL, stages=[stage("Onboarding").pk]) == ["Acme Corp"]
    assert names(manager, AccountView.ALL, csm=csm.pk) == ["Acme Corp"]
    assert names(manager, AccountView.ALL, sort="stage") == ["Acme Corp", "Globex", "Initech"]


def test_a_search_lists_its_matches_in_name_order(db, manager):
    for n, name in enumerate(["Zeta Corp", "alpha corp", "Corp Beta", "Gamma", "Acorpus", "Delta CORP"]):
        services.account_create(by=None, account_id=f"S-{n}", name=name)
    columns = selectors.list_columns([])

    def names(q, **kw):
        found = selectors.account_list(user=manager, filters=AccountFilters(view="all", q=q, **kw), columns=columns)
        return [a.name for a in found]

    # Three characters or more: anywhere in the name, in the same order as the unfiltered list.
    assert names("corp") == ["Acorpus", "Corp Beta", "Delta CORP", "Zeta Corp", "alpha corp"]
    assert names("corp", descending=True) == ["alpha corp", "Zeta Corp", "Delta CORP", "Corp Beta", "Acorpus"]
    assert names("a") == ["Acorpus", "Corp Beta", "Delta CORP", "Gamma", "Zeta Corp", "alpha corp"]


def test_hierarchy_respects_visibility(account, other_account, unassigned_account, csm, manager):
    services.account_update(account=account, by=None, parent=other_account)
    services.account_update(account=unassigned_account, by=None, parent=account)
    ancestors, children, total = selectors.account_hierarchy(manager, account)
    assert ancestors == [other_account] and children == [unassigned_account] and total == 1
    ancestors, children, total = selectors.account_hierarchy(csm, account)
    assert ancestors == [] and children == []


def test_accounts_by_stage(account, unassigned_account):
    rows = dict(selectors.accounts_by_stage(selectors.accounts_visible_to(account.csms.first())))
    assert rows["Onboarding"] == 1 and rows["Trial"] == 0
