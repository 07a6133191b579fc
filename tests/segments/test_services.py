"""Saving lists, the example lists, the daily size history, and the interface for account-list views."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from segments.jobs import list_sizes_record_job
from segments.models import ListSizeHistory, Segment, Visibility
from segments.schema import ConditionError
from segments.selectors import account_list_views, segment_problem, segment_queryset_for
from segments.services import EXAMPLES, examples_install, list_sizes_record, segment_save
from tests.segments.conftest import AS_OF, attr, doc, last


@pytest.fixture
def world(make_account, put_values, members):
    a = make_account(
        "Alpha", tier="Enterprise", stage="Onboarding", join_date=datetime.date(2025, 1, 1), csms=[members["CSM"]]
    )
    b = make_account("Beta", tier="SMB", stage="Onboarding", join_date=datetime.date(2025, 6, 1), renewal_date=AS_OF)
    put_values(a, "session_time", {1: 10, 31: 100})
    put_values(b, "events", {2: 3})
    return {"Alpha": a, "Beta": b}


def test_segment_save_normalises_and_checks(world, members):
    segment = segment_save(
        segment=Segment(name="x"), conditions=doc(attr("tier", "is", "enterprise")), owner=members["CSM"]
    )
    assert segment.owner == members["CSM"]
    assert segment.conditions["root"]["children"][0]["value"] == "enterprise"
    with pytest.raises(ValidationError) as caught:
        segment_save(segment=Segment(name="y"), conditions=doc(attr("tier", "gt", "x")))
    assert "Condition 1 (op)" in caught.value.message_dict["conditions"][0]


def test_examples_install_is_idempotent_and_survives_missing_metrics(world):
    Segment.objects.filter(example_key__isnull=False).delete()
    assert examples_install() == len(EXAMPLES)
    assert examples_install() == 0
    names = set(Segment.objects.filter(example_key__isnull=False).values_list("name", flat=True))
    assert names == {
        "Renewal in the next 90 days",
        "No activity in 14 days",
        "Usage down 30 % month over month",
        "Onboarding for more than 60 days",
    }
    assert all(
        s.visibility == Visibility.SHARED and s.owner is None for s in Segment.objects.filter(example_key__isnull=False)
    )


def test_example_lists_find_what_they_say(world, members, catalogue):
    executive = members["Executive"]
    by_key = {s.example_key: s for s in Segment.objects.filter(example_key__isnull=False)}

    def names(key):
        return set(segment_queryset_for(executive, by_key[key].pk, AS_OF).values_list("name", flat=True))

    assert names("renewal_90") == {"Beta"}
    assert names("onboarding_60") == {"Alpha"}
    assert names("usage_down_30") == {"Alpha"}  # 10 in the last 30 days vs 100 before
    assert names("no_activity_14") == {"Alpha"}  # Beta had 3 events


def test_an_example_naming_a_missing_metric_reports_it(world, catalogue):
    catalogue["metrics"]["events"].delete()
    segment = Segment.objects.get(example_key="no_activity_14")
    assert segment_problem(segment) == "Condition 2 (metric): the metric “events” does not exist"


def test_list_sizes_record_is_idempotent_and_records_broken_lists(world, members, catalogue):
    ok = segment_save(
        segment=Segment(name="Onboarding"), conditions=doc(attr("stage", "is", "Onboarding")), owner=members["CSM"]
    )
    broken = segment_save(
        segment=Segment(name="Events"),
        conditions=doc({"type": "metric", "metric": "reporting_time", "window": last(7), "op": "gt", "value": 1}),
    )
    catalogue["metrics"]["reporting_time"].deleted_at = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    catalogue["metrics"]["reporting_time"].save()
    total = Segment.objects.count()
    assert list_sizes_record(AS_OF) == total
    assert list_sizes_record(as_of=AS_OF) == total
    assert ListSizeHistory.objects.filter(date=AS_OF).count() == total
    assert ListSizeHistory.objects.get(segment=ok, date=AS_OF).size == 2  # every account, whoever sees them
    row = ListSizeHistory.objects.get(segment=broken, date=AS_OF)
    assert row.size is None and "was deleted" in row.problem
    list_sizes_record_job.delay(str(AS_OF + datetime.timedelta(days=1)))
    assert ListSizeHistory.objects.filter(date=AS_OF + datetime.timedelta(days=1)).count() == total


def test_account_list_views_interface(world, members):
    csm, executive = members["CSM"], members["Executive"]
    mine = segment_save(segment=Segment(name="Zeta mine"), conditions=doc(attr("tier", "is", "Enterprise")), owner=csm)
    segment_save(segment=Segment(name="Other private"), conditions=doc(), owner=executive)
    segment_save(
        segment=Segment(name="Contacts", entity="contact", visibility=Visibility.SHARED), conditions=doc(), owner=csm
    )
    views = account_list_views(csm)
    labels = [view["label"] for view in views]
    assert labels[0] == "Zeta mine"  # mine first
    assert "Other private" not in labels and "Contacts" not in labels
    assert "Renewal in the next 90 days" in labels
    view = views[0]
    assert view["key"] == f"list-{mine.pk}" and view["url"] == mine.get_absolute_url()
    assert set(view["queryset"](as_of=AS_OF).values_list("name", flat=True)) == {"Alpha"}


def test_segment_queryset_for_applies_both_rules(world, members):
    shared = segment_save(
        segment=Segment(name="All", visibility=Visibility.SHARED), conditions=doc(), owner=members["Executive"]
    )
    private = segment_save(segment=Segment(name="Mine"), conditions=doc(), owner=members["Executive"])
    assert set(segment_queryset_for(members["CSM"], shared.pk, AS_OF).values_list("name", flat=True)) == {"Alpha"}
    assert segment_queryset_for(members["Executive"], shared.pk).count() == 2
    with pytest.raises(Http404):
        segment_queryset_for(members["CSM"], private.pk)
    Segment.objects.filter(pk=shared.pk).update(conditions=doc(attr("nope", "is", "x")))
    with pytest.raises(ConditionError):
        segment_queryset_for(members["CSM"], shared.pk)
