"""Malformed input to list pages: a day outside the calendar, conditions nested far too deep, a number past what the
database holds. Each gets a 400 or a form error naming what is wrong, never a server error."""

from __future__ import annotations

import datetime
import json

import pytest
from django.urls import reverse

from segments.schema import MAX_DEPTH, ConditionError, parse
from tests.segments.conftest import attr, doc
from tests.segments.test_views import make_list


def deep_document(levels: int) -> dict:
    node = attr("tier", "is", "SMB")
    for _ in range(levels):
        node = {"type": "group", "match": "all", "children": [node]}
    return {"version": 1, "root": node}


def deep_json(levels: int) -> str:
    """The same document as text, built without the encoder (which itself stops at about 1,000 levels)."""
    opening = '{"type": "group", "match": "all", "children": [' * levels
    return '{"version": 1, "root": ' + opening + json.dumps(attr("tier", "is", "SMB")) + "]}" * levels + "}"


def test_it_refuses_conditions_nested_hundreds_deep_with_a_clear_error():
    with pytest.raises(ConditionError) as caught:
        parse(deep_document(900))
    assert f"at most {MAX_DEPTH} deep" in caught.value.label
    with pytest.raises(ConditionError):
        parse(deep_json(900))
    with pytest.raises(ConditionError):
        parse("[" * 5000 + "]" * 5000)


def test_the_check_endpoint_answers_400_for_deep_conditions(client, members, catalogue):
    client.force_login(members["CSM"])
    for body in (
        '{"entity": "account", "conditions": ' + deep_json(450) + "}",
        '{"entity": "account", "conditions": ' + deep_json(900) + "}",
        '{"conditions": ' + "[" * 5000 + "]" * 5000 + "}",
    ):
        response = client.post(reverse("segments:check"), body, content_type="application/json")
        assert response.status_code == 400
        assert "deep" in response.json()["error"]


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31", "2026-13-45", "yesterday"])
def test_a_day_outside_the_calendar_on_a_list_and_its_export_is_a_400(client, members, catalogue, as_of):
    segment = make_list(members["CSM"], doc(attr("tier", "is", "SMB")), columns=["field:tier", "metric:events"])
    client.force_login(members["CSM"])
    for name in ("segments:detail", "segments:export"):
        response = client.get(reverse(name, args=[segment.pk]), {"as_of": as_of})
        assert response.status_code == 400, name
        assert "as_of" in response.content.decode()


def test_a_date_range_outside_the_calendar_is_a_condition_error():
    window = {"kind": "range", "start": "0001-01-01", "end": "0001-01-31"}
    condition = {"type": "metric_trend", "metric": "events", "window": window, "direction": "below", "percent": 10}
    with pytest.raises(ConditionError) as caught:
        parse(doc(condition))
    assert "1900-01-01" in caught.value.label


@pytest.mark.parametrize("value", ["1e999999", "-1e999999", "1e400", "nan", "Infinity"])
def test_a_number_filter_past_what_the_database_holds_is_a_400_naming_it(client, members, make_account, value):
    make_account("Alpha", dims={"seats": "12"})
    client.force_login(members["CSM Manager"])
    response = client.get(reverse("accounts:list"), {"dim_seats_min": value})
    assert response.status_code == 400
    assert "dim_seats_min" in response.content.decode()
    assert client.get(reverse("accounts:list"), {"dim_seats_min": "10"}).status_code == 200


def test_a_date_filter_outside_the_calendar_is_a_400(client, members, make_account):
    client.force_login(members["CSM Manager"])
    response = client.get(reverse("accounts:list"), {"dim_kickoff_max": "0001-01-01"})
    assert response.status_code == 400 and "dim_kickoff_max" in response.content.decode()


def test_a_nul_character_in_any_query_parameter_is_a_400(client, members, catalogue):
    client.force_login(members["CSM Manager"])
    for name in ("accounts:list", "team:members", "segments:index"):
        response = client.get(reverse(name) + "?q=a%00b")
        assert response.status_code == 400, name
        assert "NUL" in response.content.decode()


def test_a_restricted_member_sees_no_size_counted_over_accounts_they_cannot_see(client, members, make_account):
    from segments.models import ListSizeHistory

    make_account("Theirs", csms=[members["CSM"]])
    for n in range(5):
        make_account(f"Other {n}")
    segment = make_list(members["CSM Manager"], doc(), shared=True, name="Everyone")
    ListSizeHistory.objects.create(segment=segment, date=datetime.date(2026, 3, 1), size=180)
    client.force_login(members["CSM"])
    page = client.get(reverse("segments:detail", args=[segment.pk])).content.decode()
    assert 'data-testid="size-chart"' not in page and 'data-testid="size-hidden"' in page
    assert "180" not in page and "1 account you can see" in page
    index = client.get(reverse("segments:index")).content.decode()
    assert "180" not in index
    client.force_login(members["CSM Manager"])
    assert 'data-testid="size-chart"' in client.get(reverse("segments:detail", args=[segment.pk])).content.decode()
    assert "180" in client.get(reverse("segments:index")).content.decode()
