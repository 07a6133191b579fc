"""The account page's health tab: configuration applied, contributions, criteria, what moved the score, trends."""

from __future__ import annotations

import datetime

from django.urls import reverse

from healthscore.services import health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, put

HX = {"HTTP_HX_REQUEST": "true"}


def test_the_tab_explains_the_score_and_what_moved_it(manager_client, default, django_assert_max_num_queries):
    configure(default, [("Usage", 1, [("a", 0, 100, False)]), ("Support", 3, [("b", 0, 100, False)])])
    account = AccountFactory(name="Moving Co")
    week, month = DAY - datetime.timedelta(days=7), DAY - datetime.timedelta(days=30)
    put("a", account, 40, month)
    put("a", account, 40, week), put("b", account, 40, week)
    put("a", account, 80), put("b", account, 40)
    for day in (month, week, DAY):
        health_scores_compute(as_of=day)
    url = reverse("healthscore:account", args=[account.pk])
    with django_assert_max_num_queries(18):
        page = manager_client.get(url, **HX).content.decode()
    assert "<html" not in page
    assert 'data-testid="health-score">50<' in page and "Yellow" in page
    assert "Default</a>, version 1" in page
    # Week: total 40 -> 50 (+10), Usage 10 -> 20 points, Support 30 -> 30.
    assert 'data-testid="health-week">+10 points' in page
    # Month: total 40 -> 50; Usage had all the weight then (40 points) and now 20; Support had no data.
    assert 'data-testid="health-month">+10 points' in page
    rows = page.split('data-testid="health-component"')[1:]
    assert ">20.0<" in rows[0] and "+10.0" in rows[0] and "-20.0" in rows[0]
    assert ">30.0<" in rows[1] and "+30.0" in rows[1]
    assert "80.00" in page and "health-history" in page and "health-monthly" in page


def test_the_tab_marks_thin_data_and_an_account_never_scored(manager_client, default):
    configure(default, [("Usage", 1, [("a", 0, 100, False)]), ("Support", 3, [("b", 0, 100, False)])])
    thin, never = AccountFactory(), AccountFactory()
    put("a", thin, 30)
    health_scores_compute(as_of=DAY)
    never.health_scores.all().delete()
    page = manager_client.get(reverse("healthscore:account", args=[thin.pk])).content.decode()
    assert "Thin data: 75 % of the weight had no data" in page and "no data</span>" in page
    page = manager_client.get(reverse("healthscore:account", args=[never.pk]), **HX).content.decode()
    assert "Not scored yet" in page


def test_the_account_page_loads_the_tab(manager_client, default):
    account = AccountFactory()
    page = manager_client.get(account.get_absolute_url()).content.decode()
    assert reverse("healthscore:account", args=[account.pk]) in page and 'href="#health"' in page
