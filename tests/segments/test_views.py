"""Pages of the List Explorer: access, the builder (full page and htmx rows), results, export, errors."""

from __future__ import annotations

import csv
import datetime
import io
import json

import pytest
from django.urls import reverse

from segments.models import ListSizeHistory, Segment, Visibility
from segments.services import segment_save
from tests.segments.conftest import AS_OF, attr, doc, last


@pytest.fixture
def world(make_account, put_values, members):
    csm = members["CSM"]
    a = make_account(
        "Alpha", tier="Enterprise", industry="=HYPERLINK(1)", csms=[csm], join_date=datetime.date(2025, 1, 1)
    )
    b = make_account("Beta", tier="SMB", industry="Retail")
    c = make_account("Gamma", tier="Enterprise")
    put_values(a, "events", {0: 5})
    return {"Alpha": a, "Beta": b, "Gamma": c}


def make_list(owner, conditions, *, shared=False, columns=None, name="Big ones"):
    segment = Segment(name=name, owner=owner, visibility=Visibility.SHARED if shared else Visibility.PRIVATE)
    return segment_save(segment=segment, conditions=conditions, columns=columns or ["field:tier", "metric:events"])


def login(client, user):
    client.force_login(user)
    return client


def builder_post(**extra) -> dict:
    data = {
        "name": "Enterprise list",
        "description": "",
        "visibility": "private",
        "entity": "account",
        "columns": ["field:tier"],
        "r:match": "all",
        "node": ["r-a1"],
        "r-a1:type": "attribute",
        "r-a1:field": "tier",
        "r-a1:op": "is",
        "r-a1:value": "Enterprise",
    }
    data.update(extra)
    return data


def test_it_lists_my_and_shared_lists(client, world, members, django_assert_max_num_queries):
    mine = make_list(members["CSM"], doc(attr("tier", "is", "SMB")), name="Mine")
    make_list(members["Executive"], doc(), shared=True, name="Team list")
    make_list(members["Executive"], doc(), name="Someone's private")
    ListSizeHistory.objects.create(segment=mine, date=AS_OF, size=12)
    login(client, members["CSM"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("segments:index"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Mine" in body and "Team list" in body and "Someone&#x27;s private" not in body
    assert "Renewal in the next 90 days" in body  # the example lists are shared
    # A recorded size counts every account: a member who sees only their own accounts is not shown it (the
    # member who sees all is: tests/segments/test_malformed_input.py).
    assert "12 <span" not in body


def test_the_index_shows_what_broke(client, world, members, catalogue):
    make_list(members["CSM"], doc({"type": "metric", "metric": "events", "window": last(7), "op": "gt", "value": 1}))
    catalogue["metrics"]["events"].deleted_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    catalogue["metrics"]["events"].save()
    body = login(client, members["CSM"]).get(reverse("segments:index")).content.decode()
    assert "Broken: Condition 1 (metric): the metric “events” was deleted" in body


def test_the_builder_page_renders(client, world, members):
    response = login(client, members["CSM"]).get(reverse("segments:create"))
    assert response.status_code == 200
    assert 'id="match-count"' in response.content.decode()
    response = client.get(reverse("segments:create") + "?entity=contact")
    assert "New contact list" in response.content.decode()


def test_it_creates_a_list_from_the_builder(client, world, members):
    response = login(client, members["Executive"]).post(reverse("segments:create"), builder_post())
    segment = Segment.objects.get(name="Enterprise list")
    assert response.status_code == 302 and response.url == segment.get_absolute_url()
    assert segment.owner == members["Executive"]
    assert segment.conditions["root"]["children"] == [
        {"type": "attribute", "field": "tier", "op": "is", "value": "Enterprise"}
    ]
    assert segment.columns == ["field:tier"]


def test_nested_groups_come_through_the_builder(client, world, members):
    data = builder_post(
        **{
            "node": ["r-a1", "r-g1", "r-g1-b1", "r-g1-b2"],
            "r-g1:type": "group",
            "r-g1:match": "any",
            "r-g1-b1:type": "metric",
            "r-g1-b1:metric": "events",
            "r-g1-b1:op": "gt",
            "r-g1-b1:value": "1",
            "r-g1-b1:wkind": "last_days",
            "r-g1-b1:wdays": "7",
            "r-g1-b2:type": "date",
            "r-g1-b2:field": "join_date",
            "r-g1-b2:op": "more_than_days_ago",
            "r-g1-b2:days": "30",
        }
    )
    login(client, members["Executive"]).post(reverse("segments:create"), data)
    group = Segment.objects.get(name="Enterprise list").conditions["root"]["children"][1]
    assert group["match"] == "any"
    assert [child["type"] for child in group["children"]] == ["metric", "date"]
    response = client.get(reverse("segments:edit", args=[Segment.objects.get(name="Enterprise list").pk]))
    assert response.status_code == 200
    assert "any of these (OR)" in response.content.decode()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"r-a1:field": "nope"}, "Condition 1 (field): unknown field"),
        ({"r-a1:field": "csm_score", "r-a1:op": "contains", "r-a1:value": "3"}, "Condition 1 (op)"),
        ({"r-a1:field": "join_date", "r-a1:op": "gt", "r-a1:value": "2025-99-01"}, "is not a date"),
        (
            {"r-a1:type": "metric", "r-a1:metric": "gone", "r-a1:op": "gt", "r-a1:value": "1", "r-a1:wdays": "7"},
            "metric “gone” does not exist",
        ),
        ({"r-a1:type": "bogus"}, "Condition 1"),
    ],
)
def test_invalid_conditions_get_a_400_with_the_condition_named(client, world, members, extra, words):
    response = login(client, members["Executive"]).post(reverse("segments:create"), builder_post(**extra))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Segment.objects.filter(name="Enterprise list").exists()


def test_a_missing_name_is_a_400(client, world, members):
    response = login(client, members["CSM"]).post(reverse("segments:create"), builder_post(name=""))
    assert response.status_code == 400


def test_the_builder_draws_rows_to_fit_the_field(client, world, members):
    login(client, members["CSM"])
    url = reverse("segments:builder_row")
    response = client.get(url, {"entity": "account", "parent": "r", "type": "attribute"})
    assert response.status_code == 200 and 'data-testid="condition-row"' in response.content.decode()
    number = client.get(url, {"entity": "account", "path": "r-x1", "r-x1:type": "attribute", "r-x1:field": "csm_score"})
    body = number.content.decode()
    assert 'type="number"' in body and 'value="between"' in body and 'value="contains"' not in body
    picklist = client.get(url, {"path": "r-x1", "r-x1:type": "attribute", "r-x1:field": "tier", "r-x1:op": "is"})
    assert "<option>Enterprise</option>" in picklist.content.decode()
    between = client.get(
        url, {"path": "r-x1", "r-x1:type": "attribute", "r-x1:field": "join_date", "r-x1:op": "between"}
    )
    assert between.content.decode().count('type="date"') == 2
    empty = client.get(url, {"path": "r-x1", "r-x1:type": "attribute", "r-x1:field": "tier", "r-x1:op": "is_empty"})
    assert 'name="r-x1:value"' not in empty.content.decode()
    metric = client.get(url, {"path": "r-x1", "r-x1:type": "metric", "r-x1:wkind": "after_date"})
    assert 'name="r-x1:wanchor"' in metric.content.decode()
    group = client.get(url, {"parent": "r", "type": "group"})
    assert "Add condition" in group.content.decode()
    assert client.get(url, {"path": "../x"}).status_code == 400


def test_the_live_count_counts_what_the_member_sees(client, world, members, django_assert_max_num_queries):
    data = builder_post()
    login(client, members["Executive"])
    with django_assert_max_num_queries(14):
        response = client.post(reverse("segments:builder_count"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'data-testid="match-count">2<' in response.content.decode()
    response = login(client, members["CSM"]).post(reverse("segments:builder_count"), data, HTTP_HX_REQUEST="true")
    assert 'data-testid="match-count">1<' in response.content.decode()
    bad = client.post(reverse("segments:builder_count"), builder_post(**{"r-a1:field": "x"}), HTTP_HX_REQUEST="true")
    assert "unknown field" in bad.content.decode()


def test_the_json_check_names_the_field(client, world, members):
    login(client, members["Executive"])
    url = reverse("segments:check")
    ok = client.post(url, json.dumps({"conditions": doc(attr("tier", "is", "SMB"))}), content_type="application/json")
    assert ok.status_code == 200 and ok.json() == {"count": 1}
    bad = client.post(url, json.dumps({"conditions": doc(attr("tier", "gt", "SMB"))}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "conditions.root.children.0.op"
    for body in ["{not json", "[]", json.dumps({"entity": "robots"}), json.dumps({"conditions": {"version": 9}})]:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert "field" in response.json()


def test_a_list_shows_only_accounts_the_viewer_may_see(client, world, members):
    segment = make_list(members["Executive"], doc(attr("tier", "is", "Enterprise")), shared=True)
    body = login(client, members["Executive"]).get(segment.get_absolute_url()).content.decode()
    assert "Alpha" in body and "Gamma" in body
    body = login(client, members["CSM"]).get(segment.get_absolute_url()).content.decode()
    assert "Alpha" in body and "Gamma" not in body


def test_private_lists_are_private(client, world, members):
    segment = make_list(members["Executive"], doc())
    login(client, members["Analyst"])
    assert client.get(segment.get_absolute_url()).status_code == 404
    assert client.get(reverse("segments:export", args=[segment.pk])).status_code == 404
    assert client.get(reverse("segments:edit", args=[segment.pk])).status_code == 404


def test_editing_a_shared_list_needs_ownership_or_settings(client, world, members):
    segment = make_list(members["CSM"], doc(), shared=True)
    assert login(client, members["Guest"]).get(reverse("segments:edit", args=[segment.pk])).status_code == 403
    assert client.post(reverse("segments:delete", args=[segment.pk])).status_code == 403
    assert login(client, members["CSM Manager"]).get(reverse("segments:edit", args=[segment.pk])).status_code == 200
    assert login(client, members["CSM"]).get(reverse("segments:edit", args=[segment.pk])).status_code == 200
    response = client.post(
        reverse("segments:edit", args=[segment.pk]), builder_post(name="Renamed", visibility="shared")
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert segment.name == "Renamed" and segment.owner == members["CSM"]
    assert client.post(reverse("segments:delete", args=[segment.pk])).status_code == 302
    assert not Segment.objects.filter(pk=segment.pk).exists()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    assert client.get(reverse("segments:index")).status_code == 302


def test_the_results_page_sorts_and_paginates(client, world, members, django_assert_max_num_queries):
    segment = make_list(members["Executive"], doc(), shared=True, columns=["field:tier", "metric:events", "dim:gone"])
    login(client, members["Executive"])
    with django_assert_max_num_queries(16):
        response = client.get(segment.get_absolute_url() + "?sort=-field:name")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("Gamma") < body.index("Beta") < body.index("Alpha")
    assert "Some columns no longer exist" in body
    partial = client.get(segment.get_absolute_url() + "?sort=field:name&page=1", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    content = partial.content.decode()
    assert content.lstrip().startswith('<div id="results">') and "<html" not in content
    assert client.get(segment.get_absolute_url() + "?page=999&sort=nonsense").status_code == 200


def test_the_results_page_shows_the_size_chart(client, world, members):
    segment = make_list(members["Executive"], doc(), shared=True)
    ListSizeHistory.objects.create(segment=segment, date=AS_OF, size=3)
    body = login(client, members["Executive"]).get(segment.get_absolute_url()).content.decode()
    assert 'data-testid="size-chart"' in body and "data-chart=" in body and "plotly.min.js" in body


def test_an_empty_list_says_what_to_do(client, world, members):
    segment = make_list(members["Executive"], doc(attr("tier", "is_empty")), shared=True)
    body = login(client, members["Executive"]).get(segment.get_absolute_url()).content.decode()
    assert "No accounts match this list right now." in body


def test_a_broken_list_shows_what_broke(client, world, members, catalogue):
    segment = make_list(
        members["Executive"], doc({"type": "metric", "metric": "events", "window": last(7), "op": "gt", "value": 1})
    )
    catalogue["metrics"]["events"].deleted_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    catalogue["metrics"]["events"].save()
    login(client, members["Executive"])
    response = client.get(segment.get_absolute_url())
    assert response.status_code == 200
    assert "the metric “events” was deleted" in response.content.decode()
    assert client.get(reverse("segments:export", args=[segment.pk])).status_code == 302
    edit = client.get(reverse("segments:edit", args=[segment.pk]))
    assert edit.status_code == 200 and "This list is broken" in edit.content.decode()


def test_a_tampered_stored_document_shows_what_broke(client, world, members):
    segment = make_list(members["Executive"], doc())
    Segment.objects.filter(pk=segment.pk).update(conditions={"version": 1, "root": {"type": "group", "children": "x"}})
    login(client, members["Executive"])
    assert client.get(segment.get_absolute_url()).status_code == 200
    assert client.get(reverse("segments:edit", args=[segment.pk])).status_code == 200


def test_it_exports_csv_without_formulas(client, world, members):
    segment = make_list(
        members["Executive"], doc(attr("tier", "is", "Enterprise")), columns=["field:industry", "metric:events"]
    )
    response = login(client, members["Executive"]).get(
        reverse("segments:export", args=[segment.pk]) + f"?as_of={AS_OF}"
    )
    assert response.status_code == 200 and response.streaming
    assert response["Content-Disposition"] == f'attachment; filename="big-ones-{AS_OF}.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["account id", "name", "Industry", "Events (sum, last 30 days)"]
    alpha = next(row for row in rows if row[1] == "Alpha")
    assert alpha[2] == "'=HYPERLINK(1)" and alpha[3] == "5"
    assert len(rows) == 3
