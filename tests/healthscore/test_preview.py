"""The editor's live preview reads the raw values stored for the newest day for the criteria an edit left as saved,
and gives the same figures as computing every criterion from the metric values: for every kind of edit, for stored
scores of an older version, and for an account the stored day does not hold."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db.models import F

from healthscore.models import HealthConfiguration, HealthScore
from healthscore.preview import configuration_preview
from healthscore.services import health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, put

# Each account's usage (latest in 30 days), mood on the last 3 days and on the 4 days before, and tickets (sum over
# 30 days) on DAY.
VALUES = [(20, 10, 0, 0), (95, 0, 10, 4), (50, 10, 10, 0), (30, 0, 0, 2), (70, 5, 5, 1), (100, 10, 0, 4)]


@pytest.fixture
def scored(default) -> list:
    configure(
        default,
        [
            ("Usage", 2, [("usage", 0, 100, False, "latest", 30), ("mood", 0, 10, False, "average", 7)]),
            ("Support", 1, [("tickets", 0, 4, True, "sum", 30)]),
        ],
    )
    accounts = []
    for n, (usage, recent, before, tickets) in enumerate(VALUES):
        account = AccountFactory(name=f"Account {n}")
        put("usage", account, usage)
        for back in range(7):
            put("mood", account, recent if back < 3 else before, DAY - datetime.timedelta(days=back))
        put("tickets", account, tickets)
        accounts.append(account)
    health_scores_compute(as_of=DAY)
    return accounts


def components_of(configuration: HealthConfiguration) -> list[dict]:
    """The editor's data for `configuration` as saved (what `EditorForm.components_data` answers)."""
    out = []
    for component in configuration.components.order_by("order"):
        criteria = [
            {
                "id": c.pk,
                "source": c.source,
                "metric_key": c.metric_key,
                "dimension_key": c.dimension_key,
                "aggregation": c.aggregation,
                "window_days": c.window_days,
                "low": c.low,
                "high": c.high,
                "inverted": c.inverted,
            }
            for c in component.criteria.order_by("order")
        ]
        out.append(
            {"id": component.pk, "name": component.name, "key": component.key, "weight": component.weight,
             "criteria": criteria}
        )  # fmt: skip
    return out


def figures(configuration: HealthConfiguration, components: list[dict], *, stored: bool) -> tuple:
    result = configuration_preview(configuration=configuration, components=components, day=DAY, stored_values=stored)
    return result["accounts"], result["no_data"], result["thin"], result["bands"]


def _weights(c):
    c[0]["weight"], c[1]["weight"] = Decimal("1"), Decimal("3")


def _bound(c):
    c[0]["criteria"][0]["low"] = 60.0


def _inverted(c):
    c[1]["criteria"][0]["inverted"] = False


def _window(c):
    c[0]["criteria"][1]["window_days"] = 3


def _aggregation(c):
    c[0]["criteria"][1]["aggregation"] = "sum"


def _added(c):
    c[1]["criteria"].append({**c[0]["criteria"][0], "id": None, "low": 60.0, "high": 100.0})


def _removed(c):
    del c[0]


EDITS = [_weights, _bound, _inverted, _window, _aggregation, _added, _removed]


@pytest.mark.parametrize("edit", EDITS, ids=lambda edit: edit.__name__.strip("_"))
def test_every_kind_of_edit_previews_as_computing_from_the_metric_values(default, scored, edit):
    components = components_of(default)
    edit(components)
    assert figures(default, components, stored=True) == figures(default, components, stored=False)


def test_the_edits_move_the_figures(default, scored):
    """The comparisons above are not between figures that never change."""
    unchanged = figures(default, components_of(default), stored=True)
    assert unchanged[0] == len(VALUES)
    moved = set()
    for edit in EDITS:
        components = components_of(default)
        edit(components)
        moved.add(figures(default, components, stored=True) != unchanged)
    assert moved == {True}


def _tamper(account, usage: float) -> None:
    """Rewrite the raw usage value stored for `account` on DAY (its score left as it was)."""
    score = HealthScore.objects.get(account=account, date=DAY)
    usage_id = next(key for key, (value, _) in score.criteria.items() if value == VALUES[0][0])
    score.criteria[usage_id] = [usage, score.criteria[usage_id][1]]
    score.save(update_fields=["criteria"])


def test_unchanged_criteria_read_the_stored_values(default, scored):
    _tamper(scored[0], 100)  # usage 20 stored as 100: that account would move out of red
    components = components_of(default)
    assert figures(default, components, stored=True) != figures(default, components, stored=False)


def test_stored_scores_of_an_older_version_are_not_read(default, scored):
    _tamper(scored[0], 100)
    HealthConfiguration.objects.filter(pk=default.pk).update(version=F("version") + 1)
    default.refresh_from_db()
    components = components_of(default)
    assert figures(default, components, stored=True) == figures(default, components, stored=False)


def test_an_account_the_stored_day_does_not_hold_is_computed(default, scored):
    _tamper(scored[0], 100)
    newcomer = AccountFactory(name="Newcomer")
    put("usage", newcomer, 10)
    components = components_of(default)
    result = figures(default, components, stored=True)
    assert result == figures(default, components, stored=False)
    assert result[0] == len(VALUES) + 1
