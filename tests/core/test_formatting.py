"""One format everywhere: dates in the member's time zone, numbers with separators and no exponent, money."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from core.formatting import format_money, format_number, plain_number, plain_value
from tests.accounts.factories import AccountFactory, NoteFactory

MOMENT = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)


def render(text: str, **context) -> str:
    return engines["django"].from_string(text).render(context)


def test_it_shows_numbers_with_separators_and_never_an_exponent():
    assert format_number(Decimal("5E+1")) == "50"
    assert format_number(Decimal("1250.00")) == "1,250"
    assert format_number(1234567.891) == "1,234,567.89"
    assert format_number(1e20) == "100,000,000,000,000,000,000"
    assert format_number(0.0345) == "0.0345"
    assert format_number(Decimal("-0.001")) == "-0.001"
    assert format_number(Decimal("12.5"), 2) == "12.50"
    assert format_number(None) == "—"
    assert format_number(float("nan")) == "—"


def test_it_shows_money_with_its_currency():
    assert format_money(Decimal("1234.5"), "USD") == "$1,234.50"
    assert format_money(Decimal("-80"), "EUR") == "-€80.00"
    assert format_money(Decimal("1200"), "CHF") == "CHF 1,200.00"
    assert format_money(Decimal("1200.4"), "JPY") == "¥1,200"
    assert format_money(Decimal("98765.43"), "USD", 0) == "$98,765"


def test_machine_readable_values_are_plain():
    assert plain_number(Decimal("5E+1")) == "50"
    assert plain_number(Decimal("0.50")) == "0.5"
    assert plain_number(1234567) == "1234567"
    assert plain_value(dt.date(2026, 3, 14)) == "2026-03-14"
    assert plain_value(True) == "true"


def test_filters_are_builtins_and_follow_the_active_time_zone():
    text = "{{ d|as_date }} | {{ m|as_datetime }} | {{ n|as_number }} | {{ a|as_money:'EUR' }} | {{ v|as_value }}"
    with timezone.override(zoneinfo.ZoneInfo("Asia/Tokyo")):
        out = render(text, d=dt.date(2026, 3, 14), m=MOMENT, n=Decimal("5E+1"), a=Decimal("99.9"), v=None)
    # 23:30 UTC on the 14th is 08:30 on the 15th in Tokyo.
    assert out == "14 Mar 2026 | 15 Mar 2026, 08:30 | 50 | €99.90 | —"


@pytest.mark.django_db
def test_a_member_in_another_time_zone_sees_times_in_their_own(client, make_member):
    account = AccountFactory(name="Acme Corp", account_id="ACME-1")
    member = make_member("CSM Manager", timezone="America/Los_Angeles")
    note = NoteFactory(account=account, author=member, body="Renewal call booked.")
    type(note).objects.filter(pk=note.pk).update(created_at=MOMENT)
    client.force_login(member)

    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "14 Mar 2026, 16:30" in page  # 23:30 UTC is 16:30 in Los Angeles (PDT)
    assert "14 Mar 2026, 23:30" not in page

    member.timezone = "Asia/Kolkata"
    member.save(update_fields=["timezone"])
    page = client.get(reverse("accounts:detail", args=[account.pk])).content.decode()
    assert "15 Mar 2026, 05:00" in page  # and 05:00 the next day in India


@pytest.mark.django_db
def test_an_email_shows_times_in_the_recipients_time_zone(
    manager_client, manager, roles, mailoutbox, django_capture_on_commit_callbacks
):
    from team.models import Invitation, WorkspaceSettings

    workspace = WorkspaceSettings.load()
    workspace.default_timezone = "Australia/Sydney"
    workspace.save()
    with django_capture_on_commit_callbacks(execute=True):
        manager_client.post(reverse("team:invite"), {"email": "far@example.com", "role": roles["CSM"].pk})
    invitation = Invitation.objects.get(email="far@example.com")
    local = timezone.localtime(invitation.expires_at, zoneinfo.ZoneInfo("Australia/Sydney"))
    expected = f"{local.day} {local:%b %Y}, {local:%H:%M} {local.tzname()}"
    assert expected in mailoutbox[0].body
    assert expected in mailoutbox[0].alternatives[0][0]
