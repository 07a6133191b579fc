"""The account page's trend charts: loaded on their own after the page (which neither waits for them nor reads their
tables), each from precomputed values, scoped to the accounts the member may see, amounts as money."""

import datetime
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import NpsResponse
from metrics.models import Metric, MetricValue
from metrics.services import catalogue_sync
from revenue.models import MovementKind, MrrMovement
from tests.accounts.factories import stage


def chart_url(account, key):
    return reverse("accounts:chart", args=[account.pk, key])


def figure_of(body: str) -> dict:
    """The plotly figure of the first chart in a fragment, as the browser's charts.js reads it."""
    import html

    match = re.search(r'data-chart="([^"]*)"', body)
    assert match, "no chart in the fragment"
    return json.loads(html.unescape(match.group(1)))


def store(account, key, points):
    catalogue_sync()
    metric = Metric.objects.get(key=key)
    MetricValue.objects.bulk_create(MetricValue(metric=metric, account=account, date=d, value=v) for d, v in points)


@pytest.fixture
def today():
    return timezone.localdate()


def test_the_account_page_loads_each_chart_on_its_own(manager_client, account, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as captured:
        response = manager_client.get(reverse("accounts:detail", args=[account.pk]))
    body = response.content.decode()
    for key in ["usage", "mrr", "activity-rank", "stage-nps"]:
        assert f'hx-get="{chart_url(account, key)}" hx-trigger="load"' in body
    assert '<a class="nav-link" href="#trends">Trends</a>' in body
    # The page reads none of the charts' tables: they are read by the chart requests.
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "metrics_metricvalue" not in sql and "revenue_mrrmovement" not in sql


def test_the_usage_chart_shows_90_days_of_events_users_and_time(manager_client, account, today):
    days = [today - datetime.timedelta(days=n) for n in range(120)]
    store(account, "events", [(d, 100) for d in days])
    store(account, "active_users", [(d, 3 + (d == today)) for d in days])
    store(account, "session_time", [(d, 1800) for d in days])
    response = manager_client.get(chart_url(account, "usage"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    totals = body[body.index('data-testid="usage-totals"') :]
    # 90 days inside the window, the 30 older ones left out.
    assert "9,000" in totals and "<strong>4</strong>" in totals and "45.0 hours" in totals
    figure = figure_of(body)
    events, users, hours = figure["data"]
    assert len(events["x"]) == 90 and events["x"][-1] == today.isoformat() and set(events["y"]) == {100}
    assert users["y"][-1] == 4 and set(hours["y"]) == {0.5}
    assert [trace["name"] for trace in figure["data"]] == ["Events", "Active users", "Session time (hours)"]


def test_the_mrr_chart_marks_the_movements_in_money(manager_client, account, today):
    year_ago = today - datetime.timedelta(days=400)
    store(account, "mrr", [(today - datetime.timedelta(days=n), 1200 if n < 40 else 1000) for n in range(400)])
    month = (today - datetime.timedelta(days=40)).replace(day=1)
    MrrMovement.objects.create(
        account=account, month=month, kind=MovementKind.EXPANSION, start_mrr=Decimal(1000), end_mrr=Decimal(1200)
    )
    MrrMovement.objects.create(  # older than a year: not shown
        account=account, month=year_ago.replace(day=1), kind=MovementKind.NEW, start_mrr=0, end_mrr=Decimal(1000)
    )
    body = manager_client.get(chart_url(account, "mrr"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="mrr-latest">$1,200.00<' in body
    movements = body[body.index('data-testid="mrr-movements"') :]
    assert "Expansion" in movements and "+$200.00" in movements and "$1,200.00" in movements
    assert "New" not in movements
    figure = figure_of(body)
    line, marks = figure["data"]
    assert len(line["x"]) == 365 and line["y"][-1] == 1200 and line["y"][0] == 1000
    assert marks["name"] == "Expansion" and marks["customdata"] == ["+200.00"]
    assert figure["layout"]["yaxis"]["tickprefix"] == "$"


def test_the_rank_chart_shows_a_year_of_ranks(manager_client, account, today):
    store(account, "activity_rank", [(today - datetime.timedelta(days=n), 80 - n / 10) for n in range(30)])
    body = manager_client.get(chart_url(account, "activity-rank"), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="rank-latest">80<' in body
    figure = figure_of(body)
    assert len(figure["data"][0]["y"]) == 30 and figure["layout"]["yaxis"]["range"] == [0, 100]


def test_the_stage_and_nps_timeline(manager_client, account, manager, today):
    services.account_update(account=account, by=manager, stage=stage("Established"))
    NpsResponse.objects.create(account=account, score=4, date=today - datetime.timedelta(days=20))
    NpsResponse.objects.create(account=account, score=9, date=today - datetime.timedelta(days=2), respondent="<i>x</i>")
    body = manager_client.get(chart_url(account, "stage-nps"), HTTP_HX_REQUEST="true").content.decode()
    assert "2 stage periods, latest Established" in body and "2 NPS responses, latest 9" in body
    figure = figure_of(body)
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["Established", "Onboarding", "NPS"]
    assert figure["data"][-1]["y"] == [4, 9]


def test_each_chart_says_what_to_do_without_data(manager_client, unassigned_account):
    for key, testid in [
        ("usage", "usage-trend-empty"),
        ("mrr", "mrr-trend-empty"),
        ("activity-rank", "rank-trend-empty"),
        ("stage-nps", "stage-nps-empty"),
    ]:
        body = manager_client.get(chart_url(unassigned_account, key)).content.decode()
        assert f'data-testid="{testid}"' in body and "data-chart" not in body


def test_charts_follow_the_account_permission(client, csm_client, account, other_account):
    assert csm_client.get(chart_url(account, "usage")).status_code == 200
    assert csm_client.get(chart_url(other_account, "usage")).status_code == 404
    assert csm_client.get(chart_url(account, "nope")).status_code == 404
    client.logout()
    response = client.get(chart_url(account, "mrr"))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_each_chart_reads_in_a_few_queries(manager_client, account, today, django_assert_max_num_queries):
    store(account, "mrr", [(today - datetime.timedelta(days=n), 500) for n in range(365)])
    store(account, "events", [(today - datetime.timedelta(days=n), 5) for n in range(90)])
    # Six for the session, the member, their devices and role and the account; at most three for a chart (and three
    # more, once, when the base currency setting is first created).
    for key in ["usage", "mrr", "activity-rank", "stage-nps"]:
        with django_assert_max_num_queries(12):
            assert manager_client.get(chart_url(account, key)).status_code == 200
