"""The account list's health column (score, band, thin data), its score-range filter, and the summary block of
accounts and MRR per band whose bands link to the list filtered to them."""

from __future__ import annotations

from django.urls import reverse

from healthscore.services import health_scores_compute
from metrics.services import current_values_refresh
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, put


def _scored(default):
    configure(default, [("Usage", 1, [("usage", 0, 100, False)]), ("Other", 3, [("other", 0, 100, False)])])
    accounts = {}
    for name, usage, other, mrr in [("Red Co", 20, 20, 100), ("Yellow Co", 50, 50, 200), ("Green Co", 90, None, 400)]:
        account = AccountFactory(name=name)
        put("usage", account, usage)
        if other is not None:
            put("other", account, other)
        put("mrr", account, mrr)
        accounts[name] = account
    health_scores_compute(as_of=DAY)
    current_values_refresh(as_of=DAY)
    return accounts


def test_the_list_shows_the_health_column_and_filters_by_band(manager_client, default):
    _scored(default)
    page = manager_client.get(reverse("accounts:list"), {"view": "all"}).content.decode()
    assert "20 · red" in page and "50 · yellow" in page and "90 · green · thin data" in page
    page = manager_client.get(
        reverse("accounts:list"), {"view": "all", "health_min": 0, "health_max": 30}
    ).content.decode()
    assert "Red Co" in page and "Yellow Co" not in page and "Green Co" not in page
    page = manager_client.get(reverse("accounts:list"), {"view": "all", "sort": "-health"}).content.decode()
    assert page.index("Green Co") < page.index("Yellow Co") < page.index("Red Co")


def test_the_summary_counts_accounts_and_mrr_per_band(manager_client, default):
    _scored(default)
    AccountFactory(name="Never scored")
    page = manager_client.get(reverse("accounts:summary", args=["health-bands"]), {"view": "all"}).content.decode()
    red = page.split('data-testid="band-red"')[1].split("</tr>")[0]
    assert ">1<" in red and "$100.00" in red and "health_min=0&amp;health_max=30" in red
    green = page.split('data-testid="band-green"')[1].split("</tr>")[0]
    assert "$400.00" in green and "health_min=71&amp;health_max=100" in green
    assert ">1<" in page.split('data-testid="band-none"')[1].split("</tr>")[0]
    page = manager_client.get(
        reverse("accounts:summary", args=["health-bands"]), {"view": "all", "health_min": 71, "health_max": 100}
    ).content.decode()
    assert "Show every band" in page and "$100.00" not in page
