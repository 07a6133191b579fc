"""The calibration report, the what-if and the suggested weights, on small histories worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import AccountCSM
from healthscore import calibration
from healthscore.calibration_forms import bound_field, proposal_from_data, weight_field
from healthscore.models import HealthComponent, HealthCriterion, HealthScore, HealthSettings
from healthscore.services import health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import configure, put

D0 = datetime.date(2026, 3, 1)
LAST = D0 + datetime.timedelta(days=30)
SETTINGS = HealthSettings(red_max=30, yellow_max=70)


def test_figures_from_counts_are_the_hand_worked_ones():
    # churned at 10, 10, 50 and one without a score; stayed at 20, 50, 80, 90.
    counts = {10: (2, 0), 20: (0, 1), 50: (1, 1), 80: (0, 1), 90: (0, 1), None: (1, 0)}
    figures = calibration.figures_from_counts(counts, SETTINGS)
    # Pairs (churned, stayed) where the churned one scored lower: 4 + 4 + 2, and the tie at 50 counts half.
    assert figures.auc == pytest.approx(10.5 / 12)
    assert (figures.observations, figures.churned, figures.no_data) == (7, 3, 1)
    red, yellow, green, none = figures.bands
    assert (red.observations, red.churned, yellow.observations, yellow.churned) == (3, 2, 2, 1)
    assert red.rate == pytest.approx(200 / 3) and yellow.rate == 50 and green.rate == 0 and none.churned == 1
    assert figures.red_lift == pytest.approx((2 / 3) / (3 / 7))
    assert figures.roc == [(0, 0), (0, 2 / 3), (0.25, 2 / 3), (0.5, 1), (0.75, 1), (1, 1)]


def test_figures_without_both_outcomes_have_no_auc():
    figures = calibration.figures_from_counts({40: (0, 3)}, SETTINGS)
    assert figures.auc is None and figures.roc == [] and figures.red_lift is None


def _row(account, day, score, components=None, configuration=None):
    from healthscore.models import HealthConfiguration

    configuration = configuration or HealthConfiguration.objects.get(is_default=True)
    return HealthScore.objects.create(
        account=account,
        date=day,
        configuration=configuration,
        version=configuration.version,
        score=score,
        components=components or {},
    )


@pytest.fixture
def history(db, default, members):
    """Scores on D0 (and one on D0 + 30, so the 30-day horizon has one observation day) with known outcomes."""
    default.components.all().delete()
    engagement = HealthComponent.objects.create(configuration=default, name="Engagement", key="engagement", weight=1)
    support = HealthComponent.objects.create(configuration=default, name="Support", key="support", weight=1)
    spec = [  # name, score on D0, churn date (None: stays)
        ("a", 10, D0 + datetime.timedelta(days=5)),
        ("b", 10, D0 + datetime.timedelta(days=30)),  # the horizon's last day: churned
        ("c", 50, D0 + datetime.timedelta(days=10)),
        ("d", 20, None),
        ("e", 50, None),
        ("f", 80, None),
        ("g", 90, D0 + datetime.timedelta(days=31)),  # after the horizon: stayed
        ("h", None, D0 + datetime.timedelta(days=3)),  # no data
    ]
    accounts = {}
    for name, score, churned_on in spec:
        account = AccountFactory(name=name, churned_on=churned_on)
        accounts[name] = account
        _row(account, D0, score, {str(engagement.pk): score, str(support.pk): 60})
    gone = AccountFactory(name="gone", is_deleted=True, churned_on=D0 + datetime.timedelta(days=2))
    _row(gone, D0, 5, {})
    _row(accounts["f"], LAST, 80)
    for name in ("a", "d"):
        AccountCSM.objects.create(account=accounts[name], user=members["CSM"], assigned_at=timezone.now())
    return accounts


def test_the_report_separates_churned_from_stayed_as_worked_by_hand(history):
    report = calibration.calibration_report(horizon=30, settings=SETTINGS)
    assert report.ready and report.window.days == [D0]
    assert report.score.auc == pytest.approx(10.5 / 12)
    assert report.score.band("red").churned == 2 and report.score.band("red").observations == 3
    assert report.score.red_lift == pytest.approx((2 / 3) / (3 / 7))
    assert report.score.no_data == 1  # the deleted account is left out
    by_key = {c.key: c.figures for c in report.components}
    assert by_key["engagement"].auc == pytest.approx(10.5 / 12)
    assert by_key["support"].auc == 0.5 and by_key["support"].band("yellow").observations == 8


def test_a_horizon_longer_than_the_history_says_what_it_needs(history):
    report = calibration.calibration_report(horizon=60, settings=SETTINGS)
    assert not report.ready and "needs 61 days of stored scores" in report.needs and "there are 31" in report.needs


def test_the_report_page_shows_figures_and_charts(history, manager_client):
    page = manager_client.get("/health/calibration/?horizon=30").content.decode()
    assert 'data-testid="auc">0.88<' in page and "roc-chart" in page and "band-chart" in page
    assert 'data-component="support"' in page and "scope-note" not in page
    partial = manager_client.get("/health/calibration/?horizon=60", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and "needs 61 days of stored scores" in partial


def test_a_member_who_sees_only_their_accounts_gets_figures_over_them(history, client, members):
    client.force_login(members["CSM"])
    page = client.get("/health/calibration/").content.decode()
    # Theirs: a (10, churned) and d (20, stayed): perfectly separated.
    assert "Figures over the accounts assigned to you" in page and 'data-testid="auc">1.00<' in page


def test_the_report_needs_a_login(client, db):
    assert client.get("/health/calibration/").status_code == 302


# What-if ------------------------------------------------------------------------------------------------------------


@pytest.fixture
def scored(db, default):
    """A two-component Default scored by the pipeline on D0 and D0 + 30 for twelve accounts, a third of which churn
    within 30 days of D0."""
    made = configure(
        default,
        [("Usage", 2, [("usage", 10, 20, False), ("seats", 0, 50, False)]), ("Tickets", 1, [("tickets", 0, 8, True)])],
    )
    for i in range(12):
        churn = i % 3 == 0
        account = AccountFactory(name=f"acc{i}", churned_on=D0 + datetime.timedelta(days=7 + i) if churn else None)
        usage = 10 + i * 0.85 + (0 if churn else 4)  # some land on halves: 12.35 -> 23.5 -> 24
        put("usage", account, usage, D0)
        put("seats", account, (i * 7) % 50, D0)
        if i % 4:
            put("tickets", account, (i * 5) % 9, D0)
        put("usage", account, usage, LAST)
    health_scores_compute(as_of=D0)
    health_scores_compute(as_of=LAST)
    return made


def _changed(proposal):
    usage, tickets = proposal.components
    usage.weight, tickets.weight = Decimal("0.5"), Decimal("3.25")
    usage.criteria[0].low, usage.criteria[0].high = 12.0, 18.0
    tickets.criteria[0].inverted = False
    return proposal


def test_the_what_if_equals_rescoring_with_the_changed_configuration(scored, default):
    before = calibration.calibration_report(horizon=30, settings=SETTINGS).score
    result = calibration.whatif(default, _changed(calibration.proposal_of(default)), horizon=30, settings=SETTINGS)
    assert result.ready and result.current == before
    # Save the same change and rescore the observation day through the pipeline.
    HealthComponent.objects.filter(pk=scored["Usage"].pk).update(weight=Decimal("0.5"))
    HealthComponent.objects.filter(pk=scored["Tickets"].pk).update(weight=Decimal("3.25"))
    HealthCriterion.objects.filter(pk=scored["Usage.0"].pk).update(low=12, high=18)
    HealthCriterion.objects.filter(pk=scored["Tickets.0"].pk).update(inverted=False)
    health_scores_compute(as_of=D0)
    after = calibration.calibration_report(horizon=30, settings=SETTINGS).score
    assert result.changed == after and after != before


def test_a_large_history_is_rescored_from_a_sample_and_the_page_says_so(scored, default, manager_client, monkeypatch):
    full = calibration.whatif(default, _changed(calibration.proposal_of(default)), horizon=30, settings=SETTINGS)
    assert full.sample_step == 1 and full.stored_rows == 12
    monkeypatch.setattr(calibration, "WHATIF_SAMPLE", 4)  # twelve stored scores on the observation day: one in three
    sampled = calibration.whatif(default, _changed(calibration.proposal_of(default)), horizon=30, settings=SETTINGS)
    assert sampled.sample_step == 3
    read = sampled.current.observations + sampled.current.no_data
    assert 0 < read < full.current.observations + full.current.no_data
    data = _form(default, **{weight_field(scored["Usage"].pk): "0.5"})
    partial = manager_client.post(f"/health/calibration/what-if/{default.pk}/", data, HTTP_HX_REQUEST="true")
    assert "one stored score in 3" in partial.content.decode()


def test_a_criterion_not_saved_yet_is_left_out_and_named(scored, default):
    proposal = calibration.proposal_of(default)
    proposal.components[1].criteria.append(calibration.ProposedCriterion(None, "nps", 0, 10))
    result = calibration.whatif(default, proposal, horizon=30, settings=SETTINGS)
    assert result.left_out == ["Tickets: nps"] and result.changed == result.current


def test_suggested_weights_move_weight_to_the_component_that_carries_signal(db, default):
    configure(default, [("Signal", 1, [("a", 0, 100, False)]), ("Noise", 10, [("b", 0, 100, False)])])
    for i in range(40):
        churn = i % 4 == 0
        account = AccountFactory(churned_on=D0 + datetime.timedelta(days=10) if churn else None)
        put("a", account, (10 + i % 7) if churn else (40 + i % 50), D0)
        put("b", account, (70 + i % 20) if churn else (i * 37) % 100, D0)
        put("a", account, 50, LAST)
    health_scores_compute(as_of=D0)
    health_scores_compute(as_of=LAST)
    suggestion = calibration.suggested_weights(default, horizon=30, settings=SETTINGS)
    signal, noise = (c.pk for c in default.components.order_by("order"))
    assert suggestion.weights[signal] > suggestion.weights[noise] >= 1
    assert sum(suggestion.weights.values()) == pytest.approx(100, abs=2)
    assert suggestion.whatif.changed.auc > suggestion.whatif.current.auc
    assert suggestion.whatif.changed.auc > 0.9


def _form(default, **changes):
    data = {}
    for component in default.components.prefetch_related("criteria"):
        data[weight_field(component.pk)] = str(component.weight)
        for criterion in component.criteria.all():
            data[bound_field(criterion.pk, "low")] = str(criterion.low)
            data[bound_field(criterion.pk, "high")] = str(criterion.high)
    data.update(changes)
    return data


def test_tampered_what_if_forms_get_errors_naming_the_field(scored, default, manager_client):
    usage, tickets = scored["Usage"], scored["Tickets"]
    low, high = bound_field(scored["Usage.0"].pk, "low"), bound_field(scored["Usage.0"].pk, "high")
    cases = [
        ({weight_field(usage.pk): "0"}, weight_field(usage.pk), "positive"),
        ({weight_field(usage.pk): "-2"}, weight_field(usage.pk), "positive"),
        ({weight_field(tickets.pk): "lots"}, weight_field(tickets.pk), "Enter a number"),
        ({weight_field(tickets.pk): "NaN"}, weight_field(tickets.pk), "Enter a number"),
        ({low: "30", high: "20"}, high, "must be above X"),
        ({low: "inf"}, low, "Enter a number"),
        ({high: "1e400"}, high, "Enter a number"),
    ]
    for changes, field, message in cases:
        response = manager_client.post(f"/health/calibration/what-if/{default.pk}/", _form(default, **changes))
        page = response.content.decode()
        assert response.status_code == 400 and field in page and message in page, (changes, page[-2000:])
    data = _form(default)
    del data[weight_field(usage.pk)]
    _, errors = proposal_from_data(default, data)
    assert errors == {weight_field(usage.pk): "Give the component's weight."}


def test_the_what_if_page_shows_the_changed_figures_beside_the_saved(scored, default, manager_client):
    page = manager_client.get(f"/health/calibration/what-if/{default.pk}/").content.decode()
    assert f'name="{weight_field(scored["Usage"].pk)}" value="2"' in page
    data = _form(default, **{weight_field(scored["Usage"].pk): "0.5"})
    response = manager_client.post(f"/health/calibration/what-if/{default.pk}/", data, HTTP_HX_REQUEST="true")
    partial = response.content.decode()
    assert response.status_code == 200 and "<html" not in partial
    assert 'data-testid="whatif-auc"' in partial and "saved:" in partial and "whatif-roc-chart" in partial


def test_suggesting_weights_offers_to_put_them_in_the_form(scored, default, manager_client):
    response = manager_client.post(
        f"/health/calibration/suggest/{default.pk}/", {"horizon": "30"}, HTTP_HX_REQUEST="true"
    )
    partial = response.content.decode()
    assert response.status_code == 200 and 'data-testid="suggestion-apply"' in partial
    assert "would have been" in partial
    link = partial.split('data-testid="suggestion-apply"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    page = manager_client.get(link).content.decode()
    assert f'name="{weight_field(scored["Usage"].pk)}" value="2"' not in page


def test_the_what_if_and_suggestions_need_the_settings_permission(scored, default, client, members):
    client.force_login(members["CSM"])
    assert client.get(f"/health/calibration/what-if/{default.pk}/").status_code == 403
    assert client.post(f"/health/calibration/suggest/{default.pk}/").status_code == 403


def test_the_editor_form_gets_the_what_if_of_its_unsaved_changes(scored, default, manager_client):
    from tests.healthscore.test_editor import form_of

    expected = calibration.whatif(default, _changed(calibration.proposal_of(default)), horizon=30).changed
    data = form_of(default, **{"c0-weight": "0.5", "c1-weight": "3.25", "c0-k0-low": "12", "c0-k0-high": "18"})
    del data["c1-k0-inverted"]
    response = manager_client.post("/health/calibration/editor-what-if/", data, HTTP_HX_REQUEST="true")
    partial = response.content.decode()
    assert response.status_code == 200 and "<html" not in partial
    assert f'data-testid="editor-whatif-auc">{expected.auc:.2f}<' in partial
    # A criterion now read over another window has no comparable stored values: left out and named.
    data = form_of(default, **{"c0-k1-window_days": "7", "c0-k1-aggregation": "average"})
    partial = manager_client.post("/health/calibration/editor-what-if/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "Left out (no stored values yet): Usage: seats" in partial
    data = form_of(default, **{"c0-weight": "-1"})
    partial = manager_client.post("/health/calibration/editor-what-if/", data, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="whatif-message"' in partial and "editor-whatif" not in partial
