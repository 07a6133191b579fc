"""Saved lists appear as views of the account list, limited to what the member may see."""

import pytest
from django.urls import reverse

from accounts.models import Account, AccountCSM
from metrics.models import Metric
from segments.models import Segment, Visibility
from segments.services import segment_save
from tests.segments.conftest import attr, doc, last

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(members):
    csm = members["CSM"]
    accounts = {
        name: Account.objects.create(account_id=name, name=f"{name.title()} Inc", csm_score=score)
        for name, score in [("alpha", 90), ("beta", 85), ("gamma", 20)]
    }
    AccountCSM.objects.create(account=accounts["alpha"], user=csm, assigned_at="2026-01-01T00:00Z")
    return accounts


def _list(owner, name, conditions, shared=True):
    visibility = Visibility.SHARED if shared else Visibility.PRIVATE
    return segment_save(segment=Segment(name=name, visibility=visibility), conditions=conditions, owner=owner)


HAPPY = doc(attr("csm_score", "gt", 80))


def test_a_saved_list_is_a_view_of_the_account_list(client, manager, book):
    segment = _list(manager, "Happy customers", HAPPY)
    client.force_login(manager)
    page = client.get(reverse("accounts:list"), {"view": "active"}).content.decode()
    assert "Happy customers" in page and f"?view=list-{segment.pk}" in page
    html = client.get(reverse("accounts:list"), {"view": f"list-{segment.pk}"}).content.decode()
    assert "Alpha Inc" in html and "Beta Inc" in html and "Gamma Inc" not in html


def test_the_view_shows_only_accounts_the_member_may_see(client, manager, members, book):
    segment = _list(manager, "Happy customers", HAPPY)
    client.force_login(members["CSM"])
    html = client.get(reverse("accounts:list"), {"view": f"list-{segment.pk}"}).content.decode()
    assert "Alpha Inc" in html and "Beta Inc" not in html


def test_private_lists_of_others_are_not_views(client, manager, members, book):
    segment = _list(manager, "Manager only", HAPPY, shared=False)
    client.force_login(members["Analyst"])
    response = client.get(reverse("accounts:list"), {"view": f"list-{segment.pk}"})
    html = response.content.decode()
    assert "Manager only" not in html
    assert "Gamma Inc" in html  # an unknown view falls back to Active


def test_a_broken_list_view_says_what_broke(client, manager, book):
    Metric.objects.create(key="seats", name="Seats", kind="custom")
    metric = {"type": "metric", "metric": "seats", "window": last(7), "op": "gt", "value": 1}
    segment = _list(manager, "Seats", doc(metric))
    Metric.objects.filter(key="seats").delete()
    client.force_login(manager)
    response = client.get(reverse("accounts:list"), {"view": f"list-{segment.pk}"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This saved list cannot be shown" in html and "Alpha Inc" not in html
