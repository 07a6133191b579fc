"""Pages of health scores: the configuration list."""

from __future__ import annotations

from django.urls import reverse

from healthscore.models import HealthConfiguration
from healthscore.services import health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, put


def test_it_lists_the_default_with_the_accounts_it_scored(client_for, members, default):
    configure(default, [("A", 1, [("a", 0, 100, False)])])
    put("a", AccountFactory(), 50)
    health_scores_compute(as_of=DAY)
    page = client_for(members["Guest"]).get(reverse("healthscore:configurations")).content.decode()
    assert "Every account no other configuration takes" in page
    assert "Only the Default scores accounts" in page
    assert "10 Mar 2026" in page


def test_it_shows_what_broke_on_a_configuration(client_for, members, default):
    HealthConfiguration.objects.create(name="Trials", priority=1, problem="The metric “gone” was deleted.")
    page = client_for(members["CSM"]).get(reverse("healthscore:configurations")).content.decode()
    assert "Trials" in page and "The metric “gone” was deleted." in page
    assert "Only the Default scores accounts" not in page


def test_the_navigation_offers_health(client_for, members):
    page = client_for(members["CSM"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("healthscore:configurations")}"' in page
