"""The account page's overview shows the newest score and band, marked when it rests on thin data."""

from __future__ import annotations

from healthscore.services import health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, put


def test_the_overview_shows_the_score_band_and_thin_data(manager_client, default):
    configure(default, [("A", 1, [("a", 0, 100, False)]), ("B", 3, [("b", 0, 100, False)])])
    solid, thin, never = AccountFactory(name="solid"), AccountFactory(name="thin"), AccountFactory(name="never")
    put("a", solid, 80), put("b", solid, 80), put("a", thin, 20)
    health_scores_compute(as_of=DAY)
    never.health_scores.all().delete()
    page = manager_client.get(solid.get_absolute_url()).content.decode()
    assert "Health score" in page and "80 (green)" in page and "thin data" not in page
    page = manager_client.get(thin.get_absolute_url()).content.decode()
    assert "20 (red) · thin data" in page and "75 % of the weight had no data" in page
    assert "Not scored yet" in manager_client.get(never.get_absolute_url()).content.decode()
