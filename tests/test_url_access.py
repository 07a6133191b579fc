"""Every URL pattern of the project refuses anonymous visitors, and every account-scoped route (partials and
sections included) answers 404 to a member for an account that is not theirs, so a new page cannot forget either."""

from __future__ import annotations

import re

import pytest

from tests.urlwalk import API_PREFIXES, PUBLIC, all_urls, fill, walk_routes

ALL_URLS = all_urls()


def test_it_finds_the_projects_pages():
    names = {name for name, _ in ALL_URLS}
    assert {"home", "team:members", "team:security", "admin:index"} <= names
    assert len(ALL_URLS) > 40


@pytest.mark.parametrize(("name", "path"), [(n, p) for n, p in ALL_URLS if n not in PUBLIC], ids=lambda v: str(v))
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_sends_anonymous_visitors_to_login(client, db, name, path, method):
    response = getattr(client, method)(path)
    if path.startswith(API_PREFIXES):
        assert response.status_code in (401, 403), f"{path} answered {response.status_code}"
        return
    # Admin's own login page hands over to the product's login: follow such hops inside admin.
    for _ in range(2):
        if response.status_code == 302 and response["Location"].startswith("/admin/"):
            response = client.get(response["Location"])
    assert response.status_code == 302, f"{method.upper()} {path} ({name}) answered {response.status_code}"
    assert response["Location"].startswith("/login/"), f"{path} redirected to {response['Location']}"


def test_public_pages_answer_without_login(client, db):
    for name, path in ALL_URLS:
        if name in {"login", "password_reset", "password_reset_done", "password_reset_complete"}:
            assert client.get(path).status_code == 200, path


# Account scope ----------------------------------------------------------------------------------------------------
# Every route is filled with ids of an account (and of its contact, note, document, interaction and ticket) that a
# CSM does not own. A route is account-scoped when a member who sees all accounts gets anything but 404 (or 405) for
# it; for each such route, and for each partial and section the account page loads, the CSM must get 404.

FOREIGN = {
    "pk": 900_001,
    "account_pk": 900_001,
    "contact_pk": 900_002,
    "note_pk": 900_003,
    "document_pk": 900_004,
    "interaction_pk": 900_005,
    "ticket_pk": 900_006,
}
OWN_ACCOUNT = 900_101
ACCOUNT_PARAMS = {"pk", "account_pk"}
HX = {"HTTP_HX_REQUEST": "true"}


def _fill(patterns: tuple, ids: dict[str, int]) -> tuple[str, set[str]]:
    """The path of a route with its int parameters taken from `ids` (the foreign account's for unknown names)."""
    return fill(patterns, lambda converter, name: str(ids.get(name, FOREIGN["pk"])) if converter == "int" else None)


def _scope_targets() -> list[tuple[str, str, str | None]]:
    """(name, path, mixed path) of each member route with an id: the path filled with foreign ids, and, where the
    route takes an account and another object, the mixed path with the CSM's own account and the foreign object
    (an object of another account must not be reachable through one's own)."""
    targets = []
    for name, patterns in walk_routes():
        if name in PUBLIC or (name or "").startswith("admin:"):
            continue
        path, params = _fill(patterns, FOREIGN)
        if not params or path.startswith(API_PREFIXES):
            continue
        mixed = None
        if params & ACCOUNT_PARAMS and params - ACCOUNT_PARAMS:
            mixed, _ = _fill(patterns, {**FOREIGN, **dict.fromkeys(ACCOUNT_PARAMS, OWN_ACCOUNT)})
        targets.append((str(name), path, mixed))
    return sorted(set(targets), key=lambda item: item[1])


@pytest.fixture
def foreign_account(db, make_member):
    """An account of another CSM with one of each object, all at fixed ids; and an account of the CSM."""
    from django.utils import timezone

    from accounts import services
    from accounts.models import (
        Account,
        Contact,
        Document,
        Interaction,
        InteractionType,
        Note,
        SupportTicket,
        TicketOption,
    )

    csm, other_csm = make_member("CSM"), make_member("CSM")
    manager = make_member("CSM Manager")
    services.picklists_install_defaults()
    account = Account.objects.create(pk=FOREIGN["pk"], account_id="FOREIGN-1", name="Foreign Co")
    services.account_assign_csms(account=account, csms=[other_csm], by=manager)
    own = Account.objects.create(pk=OWN_ACCOUNT, account_id="OWN-1", name="Own Co")
    services.account_assign_csms(account=own, csms=[csm], by=manager)
    contact = Contact.objects.create(pk=FOREIGN["contact_pk"], name="Fiona Foreign", email="fiona@foreign.example")
    services.contact_link(account=account, contact=contact)
    Note.objects.create(pk=FOREIGN["note_pk"], account=account, body="Foreign note")
    Document.objects.create(pk=FOREIGN["document_pk"], account=account, name="Contract", url="https://example.com/c")
    Interaction.objects.create(
        pk=FOREIGN["interaction_pk"],
        account=account,
        date=timezone.now(),
        type=InteractionType.objects.first(),
        subject="Foreign call",
    )
    SupportTicket.objects.create(
        pk=FOREIGN["ticket_pk"],
        account=account,
        subject="Foreign ticket",
        status=TicketOption.objects.filter(kind="status").first(),
        opened_at=timezone.now(),
    )
    return {"account": account, "csm": csm, "manager": manager}


def _request(client, method: str, path: str, **headers):
    """One request whose writes are undone, so that each route meets the same data."""
    from django.db import transaction

    with transaction.atomic():
        response = getattr(client, method)(path, **headers)
        transaction.set_rollback(True)
    return response


def test_it_finds_the_account_routes_to_check():
    paths = {path: mixed for _, path, mixed in _scope_targets()}
    assert f"/accounts/{FOREIGN['pk']}/" in paths
    note_delete = f"/accounts/{FOREIGN['pk']}/notes/{FOREIGN['note_pk']}/delete/"
    assert paths[note_delete] == f"/accounts/{OWN_ACCOUNT}/notes/{FOREIGN['note_pk']}/delete/"


def test_a_csm_gets_404_for_every_route_of_an_account_not_theirs(foreign_account):
    from django.test import Client

    manager, csm = Client(), Client()
    manager.force_login(foreign_account["manager"])
    csm.force_login(foreign_account["csm"])
    scoped, leaks = [], []
    for name, path, mixed in _scope_targets():
        for method in ("get", "post"):
            seen = _request(manager, method, path)
            if seen.status_code in (404, 405):
                continue
            scoped.append((method, path))
            for target in filter(None, (path, mixed)):
                for headers in ({}, HX):
                    answer = _request(csm, method, target, **headers)
                    if answer.status_code != 404:
                        htmx = " htmx" if headers else ""
                        leaks.append(f"{method.upper()} {target} ({name}){htmx}: {answer.status_code}")
    assert len(scoped) >= 20, scoped
    assert not leaks, "\n".join(leaks)


def test_a_csm_gets_404_for_every_partial_and_section_of_an_account_not_theirs(foreign_account):
    from django.test import Client

    from accounts import panels

    manager, csm = Client(), Client()
    manager.force_login(foreign_account["manager"])
    csm.force_login(foreign_account["csm"])
    base = f"/accounts/{FOREIGN['pk']}/"
    page = manager.get(base)
    assert page.status_code == 200
    html = page.content.decode()
    found = set()
    for attribute, url in re.findall(r'(href|hx-get|hx-post|action|src)="([^"#]+)"', html):
        url = url.replace("&amp;", "&")
        if url.startswith("?"):
            url = base + url
        if str(FOREIGN["pk"]) in url:
            found.add(("post" if attribute in ("hx-post", "action") else "get", url))
    for panel in panels.account_panels(foreign_account["manager"]):
        found.add(("get", f"{base}?panel={panel.key}"))
    found.update({("get", f"{base}?q=call"), ("get", f"{base}status/?cancel=1")})
    checked, leaks = 0, []
    for method, url in sorted(found):
        seen = _request(manager, method, url, **HX)
        if seen.status_code == 404:
            continue
        checked += 1
        for headers in ({}, HX):
            answer = _request(csm, method, url, **headers)
            if answer.status_code not in (404, 405):
                leaks.append(f"{method.upper()} {url}{' htmx' if headers else ''}: {answer.status_code}")
    assert checked >= 10, sorted(found)
    assert not leaks, "\n".join(leaks)
