"""Every page, as each default role, with hostile values in every query parameter its view reads and in every field
of every form it renders: no server error anywhere, only 200, 302, 400, 403, 404 (405 for a route that takes only
POST), and a refused form writes nothing. The routes, the query keys (recorded while the view runs, plus the fields
of the page's filter forms and the keys of the partials it loads) and the forms (parsed from the page) are found by
the test itself, so a new page, parameter or field is covered without editing it."""

from __future__ import annotations

import datetime
import time

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from tests.hostile import HOSTILE, PER_FIELD, forms_of, recording, same_page_queries, undone
from tests.urlwalk import API_PREFIXES, walk_routes

ALLOWED = {200, 204, 302, 400, 403, 404}
# Only for a route's plain GET: a route that takes only POST, an invitation link that has expired.
BASE_ALLOWED = {405, 410}
ROLES = ["CSM Manager", "CSM", "Executive", "Analyst", "Guest"]
HX = {"HTTP_HX_REQUEST": "true"}
# Routes the walk does not visit, each for a reason.
SKIP = {
    "logout": "ends the session the walk runs in",
    "healthz": "no parameters, no forms, no login",
}


@pytest.fixture
def world(db, members, roles):
    """One real object of each kind a route names, reachable by every member who may see it: an account of the
    CSM with a contact, note, document, interaction, ticket, task, alert and import job, and a source, key, rate,
    metric, list, playbook, rule, health configuration, invitation, group and notification."""
    from accounts import services as account_services
    from accounts.models import (
        Contact,
        CustomDimension,
        Document,
        ImportJob,
        Interaction,
        InteractionType,
        Note,
        Stage,
        SupportTicket,
        TicketOption,
    )
    from alerts.models import Alert, AlertRule, AlertType
    from healthscore.models import HealthConfiguration
    from integrations.models import ApiKey, Source
    from metrics.models import Metric
    from playbooks.models import Playbook
    from revenue.models import Currency, ExchangeRate
    from revenue.services import revenue_settings_get
    from segments.models import Segment
    from tasks.models import Notification, Subtask, Task
    from team.models import Invitation, TeamGroup, WorkspaceSettings

    account_services.picklists_install_defaults()
    # Settings rows made on first read: made here, so that a refused form's page does not count as a write.
    revenue_settings_get()
    WorkspaceSettings.load()
    manager, csm = members["CSM Manager"], members["CSM"]
    account = account_services.account_create(by=manager, account_id="ACME-1", name="Acme Corp", csms=[csm])
    contact = Contact.objects.create(name="Carla Contact", email="carla@acme.example")
    account_services.contact_link(account=account, contact=contact)
    note = Note.objects.create(account=account, body="A note")
    document = Document.objects.create(account=account, name="Contract", url="https://example.com/c")
    Interaction.objects.create(
        account=account, date=timezone.now(), type=InteractionType.objects.first(), subject="Call"
    )
    SupportTicket.objects.create(
        account=account,
        subject="Ticket",
        status=TicketOption.objects.filter(kind="status").first(),
        opened_at=timezone.now(),
    )
    dimension = CustomDimension.objects.create(key="seats", label="Seats")
    job = ImportJob.objects.create(target="accounts", filename="a.csv", file="imports/a.csv", uploaded_by=manager)
    task = Task.objects.create(title="Call back", account=account, owner=csm)
    subtask = Subtask.objects.create(task=task, title="Dial")
    notification = Notification.objects.create(recipient=csm, event="task_assigned", key="k1", title="Task")
    rule = AlertRule.objects.create(name="Quiet", type=AlertType.objects.get_or_create(name="Usage")[0])
    alert = Alert.objects.create(rule=rule, account=account, triggered_at=timezone.now())
    source = Source.objects.create(name="Product", kind="event_api")
    key = ApiKey.objects.create(source=source, prefix="abcd1234", key_hash="x" * 64)
    currency = Currency.objects.get_or_create(code="EUR", defaults={"name": "Euro"})[0]
    rate = ExchangeRate.objects.create(currency=currency, date=datetime.date(2026, 1, 1), rate=1.1)
    metric = Metric.objects.exclude(formula="").first() or Metric.objects.create(
        key="twice_mrr", name="Twice MRR", kind="computed", formula="mrr * 2"
    )
    segment = Segment.objects.create(name="Big ones", owner=manager)
    playbook = Playbook.objects.create(name="Onboarding")
    health = HealthConfiguration.objects.create(name="Default")
    invitation = Invitation.objects.create(
        email="new@acme.example",
        role=roles["CSM"],
        token_hash="y" * 64,
        expires_at=timezone.now() + datetime.timedelta(days=3),
    )
    group = TeamGroup.objects.create(name="EMEA")
    by_param = {
        "account_pk": account.pk,
        "contact_pk": contact.pk,
        "note_pk": note.pk,
        "document_pk": document.pk,
        "subtask_pk": subtask.pk,
        "key_pk": key.pk,
        "code": currency.code,
        "target": "accounts",
        "kind": "stages",
        "key": "stages",
    }
    by_route = {
        "accounts:settings_dimension_edit": dimension.pk,
        "accounts:settings_picklist_edit": Stage.objects.first().pk,
        "accounts:grid_cell": account.pk,
        "accounts:import_detail": job.pk,
        "accounts:import_commit": job.pk,
        "tasks:notification_open": notification.pk,
        "revenue:rate_delete": rate.pk,
        "team:invitation_resend": invitation.pk,
        "team:invitation_revoke": invitation.pk,
        "team:role_edit": roles["Analyst"].pk,
        "team:group_edit": group.pk,
        "alerts:rule_": rule.pk,
        "alerts:": alert.pk,
        "accounts:": account.pk,
        "tasks:": task.pk,
        "integrations:": source.pk,
        "metrics:": metric.pk,
        "segments:": segment.pk,
        "playbooks:": playbook.pk,
        "healthscore:backfill": None,
        "health": health.pk,
        "team:member_": csm.pk,
    }

    def value_for(route: str):
        def value(converter: str, name: str) -> str | None:
            if name != "pk" and name in by_param:
                return str(by_param[name])
            if name == "pk":
                for prefix, pk in by_route.items():
                    if route == prefix or (prefix.endswith((":", "_")) and route.startswith(prefix)):
                        return str(pk)
                    if route.startswith(prefix):
                        return str(pk)
            return None

        return value

    return value_for


def _targets(value_for) -> list[tuple[str, str]]:
    from tests.urlwalk import fill

    targets = set()
    for name, patterns in walk_routes():
        path, _ = fill(patterns, value_for(str(name)))
        if path.startswith(("/admin/", *API_PREFIXES)) or name in SKIP:
            continue
        targets.add((str(name), path))
    return sorted(targets, key=lambda item: item[1])


def _problem(response, written: int, what: str) -> str | None:
    if isinstance(response, Exception):
        return f"{what}: {type(response).__name__}: {str(response)[:200]}"
    if response.status_code not in ALLOWED:
        return f"{what}: answered {response.status_code}"
    return None


def _fuzz_query(
    client, path: str, context: str, keys: set[str], problems: list[str], headers: dict, values: list[list[str]]
) -> int:
    from django.http import QueryDict

    sent = 0
    for key in sorted(keys):
        for sent_values in values:
            params = QueryDict(context, mutable=True)
            params.setlist(key, sent_values)
            url = f"{path}?{params.urlencode()}"
            response, _ = undone(client, "get", url, **headers)
            sent += 1
            if problem := _problem(
                response, 0, f"GET {path}?{key}={sent_values[0][:30]!r}{' (htmx)' if headers else ''}"
            ):
                problems.append(problem)
    return sent


def _refused(response) -> bool:
    """A form answer that says something is wrong (a page that shows a new key is a 200 too)."""
    page = response.content.decode(errors="replace")
    return response.status_code == 400 or (
        response.status_code == 200 and any(mark in page for mark in ("invalid-feedback", "errorlist", "alert-danger"))
    )


def _fuzz_form(client, form, problems: list[str], share: int) -> int:
    sent = 0
    base = form.defaults()
    all_names = form.names()
    attempts = [({name: [value] for name in all_names}, None) for value in HOSTILE[share :: len(ROLES)]]
    attempts += [({**base, name: [PER_FIELD[share % len(PER_FIELD)]]}, name) for name in all_names]
    for data, field in attempts:
        response, written = undone(client, "post", form.action, data)
        sent += 1
        shown = repr(data[field][0][:30]) if field else "every field"
        what = f"POST {form.action} {field or ''}={shown}"
        if problem := _problem(response, written, what):
            problems.append(problem)
        elif written and _refused(response):
            problems.append(f"{what}: refused but wrote {written} rows")
    return sent


@pytest.mark.parametrize("role", ROLES)
def test_no_hostile_value_gets_a_server_error(world, members, role):
    """Each role walks every page and form with its share of the hostile values (together the roles send all of
    them), so the walk stays a few minutes long; a value that breaks a page for one role breaks it for all."""
    client = Client()
    client.force_login(members[role])
    share = ROLES.index(role)
    values = [[value] for value in HOSTILE[share :: len(ROLES)]] + [[HOSTILE[share], HOSTILE[-1 - share]]]
    problems: list[str] = []
    started, sent, pages, forms_done = time.monotonic(), 0, 0, set()
    with override_settings(MIDDLEWARE=["tests.hostile.RecordQueryKeys", *settings.MIDDLEWARE]):
        for name, path in _targets(world):
            with recording() as keys:
                response, _ = undone(client, "get", path)
            sent += 1
            if isinstance(response, Exception) or response.status_code not in ALLOWED | BASE_ALLOWED:
                problems.append(_problem(response, 0, f"GET {path} ({name})") or f"GET {path}: {response.status_code}")
                continue
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            pages += 1
            html = response.content.decode()
            for form in forms_of(path, html):
                if form.method == "get" and form.action.split("?")[0].endswith(path):
                    keys.update(form.names())
            contexts = [("", keys, {})]
            for query in same_page_queries(path, html):
                with recording() as more:
                    undone(client, "get", f"{path}?{query}", **HX)
                if more - keys:
                    contexts.append((query, more - keys, HX))
            for context, context_keys, headers in contexts:
                sent += _fuzz_query(client, path, context, context_keys, problems, headers, values)
            for form in forms_of(path, html):
                signature = (form.action, tuple(form.names()))
                if form.method != "post" or signature in forms_done or form.action.endswith("/logout/"):
                    continue
                forms_done.add(signature)
                sent += _fuzz_form(client, form, problems, share)
    elapsed = time.monotonic() - started
    print(f"{role}: {pages} pages, {len(forms_done)} forms, {sent} requests in {elapsed:.0f} s")
    assert pages >= 10
    assert not problems, "\n".join(sorted(set(problems)))
