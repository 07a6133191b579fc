"""The configuration editor: save (a new version, today rescored), components and criteria added and removed with
htmx, the live preview of the unsaved form, bad input refused with field errors, delete, band cut-offs, backfills."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import CustomDimension, DimensionType
from healthscore.models import BackfillStatus, HealthBackfill, HealthConfiguration, HealthScore, HealthSettings
from healthscore.services import health_scores_compute
from tests.accounts.factories import AccountFactory
from tests.healthscore.conftest import DAY, configure, metric, put

HX = {"HTTP_HX_REQUEST": "true"}


def form_of(configuration: HealthConfiguration, **fields) -> dict:
    """The flat post the editor sends for `configuration` as saved (each component cN, each criterion cN-kM)."""
    data: dict = {"configuration": configuration.pk or "", "name": configuration.name, "description": ""}
    if not configuration.is_default:
        data |= {"is_active": "on", "priority": configuration.priority, "list_source": "segment"}
        data["segment"] = configuration.segment_id or ""
    data["component"] = []
    for n, component in enumerate(configuration.components.all()):
        prefix = f"c{n}"
        data["component"].append(prefix)
        data |= {f"{prefix}-id": component.pk, f"{prefix}-name": component.name, f"{prefix}-weight": component.weight}
        data[f"{prefix}-criterion"] = []
        for k, criterion in enumerate(component.criteria.all()):
            p = f"{prefix}-k{k}"
            data[f"{prefix}-criterion"].append(p)
            measure = f"{criterion.source}:{criterion.metric_key or criterion.dimension_key}"
            data |= {
                f"{p}-id": criterion.pk,
                f"{p}-measure": measure,
                f"{p}-aggregation": criterion.aggregation,
                f"{p}-window_days": criterion.window_days,
                f"{p}-low": criterion.low,
                f"{p}-high": criterion.high,
            }
            if criterion.inverted:
                data[f"{p}-inverted"] = "on"
    data.update(fields)
    return data


def add_component(data: dict, prefix: str, name: str, weight, criteria: list[tuple]) -> dict:
    data["component"] = [*data["component"], prefix]
    data |= {f"{prefix}-name": name, f"{prefix}-weight": weight, f"{prefix}-criterion": []}
    for k, (measure, low, high, *rest) in enumerate(criteria):
        p = f"{prefix}-k{k}"
        data[f"{prefix}-criterion"].append(p)
        data |= {
            f"{p}-measure": measure,
            f"{p}-aggregation": "latest",
            f"{p}-window_days": 30,
            f"{p}-low": low,
            f"{p}-high": high,
        }
        if rest and rest[0]:
            data[f"{p}-inverted"] = "on"
    return data


@pytest.fixture
def scored(default):
    """The Default on one metric, three accounts scored 20 (red), 50 (yellow) and 90 (green) on DAY."""
    configure(default, [("Usage", 1, [("usage", 0, 100, False, "latest", 30)])])
    accounts = [AccountFactory(name=f"Account {n}") for n in range(3)]
    for account, value in zip(accounts, [20, 50, 90], strict=True):
        put("usage", account, value)
        put("mood", account, 9)
    health_scores_compute(as_of=DAY)
    return accounts


def test_the_editor_shows_the_default_with_its_components(manager_client, default):
    page = manager_client.get(reverse("healthscore:edit", args=[default.pk])).content.decode()
    assert "Edit configuration: Default" in page and 'value="Engagement"' in page
    assert "cannot be deleted or deactivated" in page and "Delete</button>" not in page


@pytest.mark.parametrize("role", ["CSM", "Guest", "Executive"])
def test_members_who_do_not_configure_settings_cannot_edit(client_for, members, default, role):
    client = client_for(members[role])
    assert client.get(reverse("healthscore:edit", args=[default.pk])).status_code == 403
    assert client.post(reverse("healthscore:preview"), form_of(default)).status_code == 403
    assert client.post(reverse("healthscore:backfill"), {"days": 3}).status_code == 403
    assert client.post(reverse("healthscore:settings"), {"red_max": 10, "yellow_max": 20}).status_code == 403
    assert client.get(reverse("healthscore:configurations")).status_code == 200


def test_saving_adds_a_component_raises_the_version_and_rescores_the_newest_day(
    manager_client, default, scored, django_capture_on_commit_callbacks
):
    data = add_component(form_of(default), "c9", "Sentiment", 1, [("metric:mood", 0, 10), ("metric:usage", 0, 200)])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(reverse("healthscore:edit", args=[default.pk]), data)
    assert response.status_code == 302
    default.refresh_from_db()
    assert default.version == 2 and [c.name for c in default.components.all()] == ["Usage", "Sentiment"]
    assert default.versions.filter(version=2).exists()
    sentiment = default.components.get(name="Sentiment")
    assert [c.metric_key for c in sentiment.criteria.all()] == ["mood", "usage"]
    # Rescored at once with version 2: usage 20 -> Usage 20, Sentiment round((90 + 10) / 2) = 50, total 35.
    row = HealthScore.objects.get(account=scored[0], date=DAY)
    assert (row.version, row.score, row.components[str(sentiment.pk)]) == (2, 35, 50)
    page = manager_client.get(response["Location"]).content.decode()
    assert "saved as version 2" in page and "Rescore past days" in page


def test_removing_a_component_and_renaming_another_keeps_its_id(manager_client, default, scored):
    data = add_component(form_of(default), "c9", "Other", 2, [("metric:mood", 0, 10)])
    manager_client.post(reverse("healthscore:edit", args=[default.pk]), data)
    usage = default.components.get(name="Usage")
    data = form_of(default)
    data["component"] = ["c0"]
    data["c0-name"] = "Product usage"
    assert manager_client.post(reverse("healthscore:edit", args=[default.pk]), data).status_code == 302
    assert list(default.components.values_list("pk", "name", "key")) == [(usage.pk, "Product usage", "product_usage")]


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"c0-weight": "0"}, "The weight must be a positive number"),
        ({"c0-weight": "-2"}, "The weight must be a positive number"),
        ({"c0-k0-low": "100", "c0-k0-high": "100"}, "Y must be above X"),
        ({"c0-k0-low": "120", "c0-k0-high": "100"}, "Y must be above X"),
        ({"c0-k0-measure": "metric:no_such_metric"}, "Choose a metric or a number dimension from the list."),
        ({"c0-k0-measure": "dimension:region"}, "“Region” is a text dimension"),
        ({"c0-k0-high": "lots"}, "Enter a number."),
        ({"c0-id": "999999"}, "This component is not part of this configuration"),
        ({"c0-k0-id": "999999"}, "This criterion is not part of this component"),
        ({"component": ["c0", "bad prefix"]}, "The form was changed outside the page"),
        ({"name": "  "}, "Give the configuration a name."),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(manager_client, default, scored, change, error):
    CustomDimension.objects.create(entity="account", key="region", label="Region", data_type=DimensionType.TEXT)
    before = list(default.components.values_list("name", "weight"))
    response = manager_client.post(reverse("healthscore:edit", args=[default.pk]), form_of(default, **change))
    assert response.status_code == 400
    assert error in response.content.decode()
    default.refresh_from_db()
    assert default.version == 1 and list(default.components.values_list("name", "weight")) == before


def test_a_number_dimension_can_be_scored(manager_client, default, scored, django_capture_on_commit_callbacks):
    from accounts.models import AccountDimensionValue

    seats = CustomDimension.objects.create(entity="account", key="seats", label="Seats", data_type=DimensionType.NUMBER)
    AccountDimensionValue.objects.create(account=scored[0], dimension=seats, value_number=40)
    data = add_component(form_of(default), "c1", "Size", 1, [("dimension:seats", 0, 100)])
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("healthscore:edit", args=[default.pk]), data).status_code == 302
    assert HealthScore.objects.get(account=scored[0], date=DAY).score == 30  # (20 + 40) / 2


def test_htmx_adds_and_removes_components_and_criteria_without_saving(manager_client, default):
    url = reverse("healthscore:edit", args=[default.pk])
    data = form_of(default, op="add-component")
    page = manager_client.post(url, data, **HX).content.decode()
    assert page.count('data-testid="component"') == 6 and 'name="c5-name"' in page and "<html" not in page
    page = manager_client.post(url, form_of(default, op="add-criterion:c0"), **HX).content.decode()
    assert page.count('data-testid="criterion"') == 11 and 'name="c0-k2-measure"' in page
    page = manager_client.post(url, form_of(default, op="remove:c1"), **HX).content.decode()
    assert page.count('data-testid="component"') == 4 and 'value="Adoption"' not in page
    page = manager_client.post(url, form_of(default, op="remove:c0-k1"), **HX).content.decode()
    assert page.count('data-testid="criterion"') == 9
    default.refresh_from_db()
    assert default.version == 1 and default.components.count() == 5


def test_the_preview_scores_the_unsaved_form(manager_client, default, scored):
    url = reverse("healthscore:preview")
    page = manager_client.post(url, form_of(default), **HX).content.decode()
    assert 'data-testid="preview-red">1<' in page and 'data-testid="preview-green">1<' in page
    assert "Stored now: red 1, yellow 1, green 1, no data 0" in page and "preview-weights" in page
    # Doubling X moves 50 into red and 90 into yellow (usage 90 -> round(100 * (90 - 40) / 60) = 83: still green).
    page = manager_client.post(url, form_of(default, **{"c0-k0-low": "40"}), **HX).content.decode()
    assert 'data-testid="preview-red">2<' in page and 'data-testid="preview-green">1<' in page
    # A component on a metric nobody has: accounts without it are "no data" for that component only.
    data = add_component(form_of(default), "c1", "Empty", 3, [("metric:mood", 0, 10)])
    data = add_component(data, "c2", "None", 100, [("metric:" + metric("never").key, 0, 1)])
    page = manager_client.post(url, data, **HX).content.decode()
    assert "3</strong> accounts" in page and "3 on thin data" in page
    page = manager_client.post(url, form_of(default, **{"c0-weight": "0"}), **HX).content.decode()
    assert "The preview waits for a valid form" in page and "positive number" in page
    assert HealthScore.objects.filter(date=DAY, version=1).count() == 3


def test_a_segment_configuration_takes_its_list(manager_client, default, scored, django_capture_on_commit_callbacks):
    from segments.models import Segment

    segment = Segment.objects.create(
        name="Big usage",
        entity="account",
        conditions={
            "version": 1,
            "root": {
                "type": "group",
                "match": "all",
                "children": [{"type": "attribute", "field": "name", "op": "is", "value": "Account 2"}],
            },
        },
    )
    data = add_component(
        {"configuration": "", "name": "Big", "description": "", "is_active": "on", "priority": 1, "component": []},
        "c0",
        "NPS",
        1,
        [("metric:mood", 0, 10)],
    )
    response = manager_client.post(reverse("healthscore:create"), {**data, "list_source": "segment"})
    assert response.status_code == 400 and "Choose the saved list" in response.content.decode()
    page = manager_client.post(
        reverse("healthscore:preview"), {**data, "list_source": "segment", "segment": segment.pk}
    )
    assert "1</strong> account:" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = manager_client.post(
            reverse("healthscore:create"), {**data, "list_source": "segment", "segment": segment.pk}
        )
    assert response.status_code == 302
    big = HealthConfiguration.objects.get(name="Big")
    assert HealthScore.objects.get(account=scored[2], date=DAY).configuration_id == big.pk
    assert HealthScore.objects.get(account=scored[0], date=DAY).configuration_id == default.pk
    page = manager_client.get(reverse("healthscore:configurations")).content.decode()
    assert "List “Big usage”" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert manager_client.post(reverse("healthscore:delete", args=[big.pk])).status_code == 302
    assert HealthScore.objects.get(account=scored[2], date=DAY).configuration_id == default.pk


def test_the_default_cannot_be_deleted(manager_client, default):
    manager_client.post(reverse("healthscore:delete", args=[default.pk]))
    assert HealthConfiguration.objects.filter(pk=default.pk).exists()


def test_band_cut_offs_are_edited_with_checks(manager_client, default):
    manager_client.post(reverse("healthscore:settings"), {"red_max": 40, "yellow_max": 80})
    assert (HealthSettings.objects.get(pk=1).red_max, HealthSettings.objects.get(pk=1).yellow_max) == (40, 80)
    response = manager_client.post(reverse("healthscore:settings"), {"red_max": 90, "yellow_max": 80}, follow=True)
    assert "Cut-offs must rise" in response.content.decode()
    assert HealthSettings.objects.get(pk=1).red_max == 40


def test_a_backfill_runs_in_the_background_with_its_progress(
    manager_client, default, scored, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = manager_client.post(
            reverse("healthscore:backfill"), {"days": 3, "configuration": default.pk}, **HX
        ).content.decode()
    # The page answered while the job was queued; the job ran once the request's transaction committed.
    assert 'data-testid="backfill-progress"' in page and "0 of 3 days" in page
    backfill = HealthBackfill.objects.get()
    assert (backfill.first_day.isoformat(), backfill.last_day) == ("2026-03-08", DAY)
    page = manager_client.get(reverse("healthscore:backfill_status", args=[backfill.pk]), **HX).content.decode()
    backfill.refresh_from_db()
    assert backfill.status == BackfillStatus.SUCCEEDED and "3 days" in page and "rescored" in page
    assert HealthScore.objects.filter(date__range=(backfill.first_day, DAY)).count() == 9
    page = manager_client.post(reverse("healthscore:backfill"), {"days": 0}, **HX).content.decode()
    assert "greater than or equal to 1" in page and HealthBackfill.objects.count() == 1
