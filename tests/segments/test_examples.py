"""Example lists mean what their names say; a list shows the metrics it filters on; exports have each column once."""

from __future__ import annotations

import csv
import datetime
import importlib
import io

from django.apps import apps as django_apps
from django.urls import reverse

from segments.models import Segment, Visibility
from segments.selectors import conditions_queryset
from segments.services import examples_install, segment_save
from tests.segments.conftest import AS_OF, attr, doc, last

migration = importlib.import_module("segments.migrations.0005_example_lists_live_accounts_only")


def _names(key: str) -> set[str]:
    segment = Segment.objects.get(example_key=key)
    qs = conditions_queryset(user=None, data=segment.conditions, entity=segment.entity, as_of=AS_OF)
    return set(qs.values_list("name", flat=True))


def test_the_renewal_and_onboarding_examples_leave_churned_accounts_out(make_account, catalogue):
    examples_install()
    soon = AS_OF + datetime.timedelta(days=30)
    make_account("Live Renewer", renewal_date=soon)
    make_account("Gone Renewer", renewal_date=soon, churned_on=AS_OF - datetime.timedelta(days=5))
    old = AS_OF - datetime.timedelta(days=120)
    make_account("Slow Starter", stage="Onboarding", join_date=old)
    make_account("Gone Starter", stage="Onboarding", join_date=old, churned_on=AS_OF - datetime.timedelta(days=3))
    assert _names("renewal_90") == {"Live Renewer"}
    assert _names("onboarding_60") == {"Slow Starter"}


def test_the_migration_updates_installed_examples_but_not_edited_ones(db):
    examples_install()
    renewal = Segment.objects.get(example_key="renewal_90")
    old_root = {"type": "group", "match": "all", "children": renewal.conditions["root"]["children"][1:]}
    renewal.conditions = {"version": 1, "root": old_root}
    renewal.save()
    onboarding = Segment.objects.get(example_key="onboarding_60")
    edited = {"version": 1, "root": {"type": "group", "match": "any", "children": [attr("tier", "is", "SMB")]}}
    onboarding.conditions = edited
    onboarding.save()

    migration.live_only(django_apps, None)

    renewal.refresh_from_db()
    onboarding.refresh_from_db()
    assert migration.LIVE_ONLY in renewal.conditions["root"]["children"]
    assert onboarding.conditions == edited  # changed by its owner into another shape: left alone


def test_a_list_page_shows_a_column_for_each_metric_its_conditions_use(client, make_account, put_values, members):
    alpha = make_account("Alpha", tier="Enterprise")
    put_values(alpha, "events", {0: 1234})
    condition = {
        "type": "metric",
        "metric": "events",
        "aggregation": "sum",
        "window": last(30),
        "op": "gt",
        "value": 1,
    }
    segment = segment_save(
        segment=Segment(name="Busy", owner=members["Executive"], visibility=Visibility.PRIVATE),
        conditions=doc(condition),
        columns=["field:tier"],
    )
    client.force_login(members["Executive"])
    page = client.get(reverse("segments:detail", args=[segment.pk]) + f"?as_of={AS_OF}").content.decode()
    assert "Events (sum, last 30 days)" in page
    assert "1,234" in page


def test_the_export_has_each_column_once(client, make_account, members):
    make_account("Alpha", tier="Enterprise")
    segment = segment_save(
        segment=Segment(name="Big", owner=members["Executive"], visibility=Visibility.PRIVATE),
        conditions=doc(attr("tier", "is", "Enterprise")),
        columns=["field:account_id", "field:name", "field:tier", "field:tier"],
    )
    client.force_login(members["Executive"])
    response = client.get(reverse("segments:export", args=[segment.pk]) + f"?as_of={AS_OF}")
    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert header == ["account id", "name", "Tier"]
