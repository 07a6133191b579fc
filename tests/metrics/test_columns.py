"""The account list's metric columns: any metric as a column, from the current values, sortable and filterable by a
range like the number dimensions, scoped to what the member may see, in a bounded number of queries."""

import datetime
import re

import pytest
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Account, AccountListPreference
from metrics.models import Metric, MetricCurrent
from metrics.services import catalogue_sync
from usage.models import ActivityEntity, ActivityRank

AS_OF = datetime.date(2026, 3, 14)


@pytest.fixture
def book(db, make_member):
    """Five accounts with MRR (one without), activity ranks and days since the last touchpoint; csm owns two."""
    catalogue_sync()
    csm = make_member("CSM", full_name="Csm Own")
    rows = [("alpha", 500, 90, 3), ("bravo", 1500, 40, 12), ("charlie", 250, 70, 30), ("delta", None, 10, 1)]
    made = {}
    for key, mrr, rank, days in rows:
        account = Account.objects.create(account_id=key, name=key.title())
        made[key] = account
        values = {"activity_rank": rank, "days_since_touchpoint": days}
        if mrr is not None:
            values.update(mrr=mrr, arr=mrr * 12)
        for metric_key, value in values.items():
            MetricCurrent.objects.create(
                metric=Metric.objects.get(key=metric_key), account=account, value=value, as_of=AS_OF
            )
        ActivityRank.objects.create(
            entity=ActivityEntity.ACCOUNT,
            object_id=account.pk,
            date=AS_OF,
            seconds_30d=rank * 60,
            rank=rank,
            trend=1 if key == "alpha" else -1,
        )
    for key in ("alpha", "charlie"):
        account_services.account_assign_csms(account=made[key], csms=[csm], by=None)
    return {"accounts": made, "csm": csm}


def choose(user, columns):
    AccountListPreference.objects.update_or_create(user=user, defaults={"columns": columns, "per_page": 25})


def names(body):
    """Account names in the table, in order."""
    import re

    return re.findall(r'<a href="/accounts/\d+/">([A-Z][a-z]+)</a>', body)


def test_every_metric_is_a_column_and_the_revenue_ones_come_first(client, manager, book):
    client.force_login(manager)
    body = client.get(reverse("accounts:list"), {"view": "all"}).content.decode()
    # The default columns show revenue.
    assert ">MRR" in body and ">ARR" in body and "$1,500.00" in body and "$18,000.00" in body
    chooser = body[body.index('id="column-chooser"') : body.index('id="filters"')]
    offered = [chooser.index(label) for label in ["MRR", "ARR", "Activity rank", "Active users (30 days)"]]
    assert offered == sorted(offered) and chooser.index("Days since touchpoint") < chooser.index("Open tickets")
    assert chooser.index("Activity rank") < chooser.index("Sessions")


def test_sort_by_a_metric_puts_accounts_without_a_value_last(client, manager, book):
    choose(manager, ["metric_mrr", "metric_activity_rank"])
    client.force_login(manager)
    body = client.get(reverse("accounts:list"), {"view": "all", "sort": "-metric_mrr"}).content.decode()
    assert names(body) == ["Bravo", "Alpha", "Charlie", "Delta"]
    body = client.get(reverse("accounts:list"), {"view": "all", "sort": "metric_mrr"}).content.decode()
    assert names(body) == ["Charlie", "Alpha", "Bravo", "Delta"]
    assert 'aria-sort="ascending"' in body
    # The activity rank shows its trend arrow.
    assert "90 <span" in body and "↑" in body and "↓" in body


def test_filter_by_a_metric_range(client, manager, book):
    choose(manager, ["metric_mrr", "metric_days_since_touchpoint"])
    client.force_login(manager)
    body = client.get(reverse("accounts:list"), {"view": "all", "metric_mrr_min": "300"}).content.decode()
    assert names(body) == ["Alpha", "Bravo"]
    body = client.get(
        reverse("accounts:list"), {"view": "all", "metric_mrr_min": "300", "metric_mrr_max": "1000"}
    ).content.decode()
    assert names(body) == ["Alpha"]
    # The range inputs of a chosen metric column are in the filters, keeping what was typed.
    assert 'name="metric_mrr_min"' in body and 'value="300"' in body
    body = client.get(
        reverse("accounts:list"), {"view": "all", "metric_days_since_touchpoint_max": "12", "sort": "-metric_mrr"}
    ).content.decode()
    assert names(body) == ["Bravo", "Alpha", "Delta"]
    # A malformed bound is refused with an error naming the field, never a 500.
    response = client.get(reverse("accounts:list"), {"view": "all", "metric_mrr_min": "abc"})
    assert response.status_code == 400 and "metric_mrr_min" in response.content.decode()
    assert names(client.get(reverse("accounts:list"), {"view": "all", "metric_mrr_min": ""}).content.decode()) == [
        "Alpha",
        "Bravo",
        "Charlie",
        "Delta",
    ]


def test_metric_columns_follow_the_members_accounts(client, book):
    csm = book["csm"]
    choose(csm, ["metric_mrr"])
    client.force_login(csm)
    body = client.get(reverse("accounts:list"), {"view": "all", "sort": "-metric_mrr"}).content.decode()
    assert names(body) == ["Alpha", "Charlie"] and "$1,500.00" not in body
    body = client.get(reverse("accounts:list"), {"view": "all", "metric_mrr_min": "1000"}).content.decode()
    assert names(body) == [] and "No accounts match these filters" in body
    # The export has the same columns, values and scope.
    export = b"".join(client.get(reverse("accounts:export"), {"view": "all", "sort": "-metric_mrr"})).decode()
    assert export.splitlines() == ["name,metric_mrr", "Alpha,500", "Charlie,250"]


def test_the_query_count_does_not_grow_with_metric_columns(client, manager, book, django_assert_max_num_queries):
    client.force_login(manager)
    choose(manager, ["metric_mrr"])
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("accounts:list"), {"view": "all", "sort": "-metric_mrr", "metric_mrr_min": "1"})
    choose(manager, ["metric_mrr", "metric_arr", "metric_activity_rank", "metric_days_since_touchpoint"])
    with django_assert_max_num_queries(len(one) + 1):
        response = client.get(reverse("accounts:list"), {"view": "all", "sort": "-metric_arr", "metric_mrr_min": "1"})
    assert names(response.content.decode()) == ["Bravo", "Alpha", "Charlie"]


def test_pages_sorted_by_a_metric_run_on_past_the_accounts_with_a_value(
    client, manager, db, django_assert_max_num_queries
):
    """Sorted by a metric, the accounts with a value come first, then those without (by name), and the pages hold
    exactly that order across the turn: the same as the export, each account once."""
    catalogue_sync()
    mrr = Metric.objects.get(key="mrr")
    for n in range(60):
        account = Account.objects.create(account_id=f"acc-{n:02d}", name=f"Firm {n:02d}")
        if n % 3 == 0:  # 20 accounts with MRR, several sharing a value (ties go by name)
            MetricCurrent.objects.create(metric=mrr, account=account, value=100 + n % 4, as_of=AS_OF)
    choose(manager, ["metric_mrr"])
    client.force_login(manager)
    for sort in ("-metric_mrr", "metric_mrr"):
        seen = []
        for page in (1, 2, 3):
            with django_assert_max_num_queries(22):
                body = client.get(reverse("accounts:list"), {"view": "all", "sort": sort, "page": page}).content
            seen += re.findall(r'<a href="/accounts/\d+/">(Firm \d+)</a>', body.decode())
        export = b"".join(client.get(reverse("accounts:export"), {"view": "all", "sort": sort})).decode()
        assert seen == [line.split(",")[0] for line in export.splitlines()[1:]]
        assert len(seen) == len(set(seen)) == 60
        valued = [f"Firm {n:02d}" for n in range(0, 60, 3)]
        values = {f"Firm {n:02d}": 100 + n % 4 for n in range(0, 60, 3)}
        expected = sorted(valued, key=lambda name: (-values[name] if sort[0] == "-" else values[name], name))
        assert seen[:20] == expected
        assert seen[20:] == sorted(set(seen) - set(valued))
