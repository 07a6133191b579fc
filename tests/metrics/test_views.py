from django.urls import reverse

from metrics import services
from metrics.models import Metric, MetricKind


def test_catalogue_lists_builtin_custom_and_computed_metrics(manager_client, db):
    services.catalogue_sync()
    Metric.objects.create(key="seats", name="Seats bought", kind=MetricKind.CUSTOM)
    services.metric_save_computed(metric=Metric(key="score_x2", name="Double score", formula="csm_score * 2"))
    html = manager_client.get(reverse("metrics:catalogue")).content.decode()
    for text in ["CSM score", "Open tickets", "Seats bought", "Double score", "csm_score * 2"]:
        assert text in html


def test_a_computed_metric_is_created_from_the_form(manager_client, db):
    services.catalogue_sync()
    response = manager_client.post(
        reverse("metrics:computed_create"),
        {
            "name": "Tickets per touch",
            "key": "tickets_per_touch",
            "unit": "number",
            "time_aggregation": "sum",
            "formula": "open_tickets / (interactions + 1)",
        },
    )
    assert response.status_code == 302
    metric = Metric.objects.get(key="tickets_per_touch")
    assert metric.kind == MetricKind.COMPUTED and metric.formula == "open_tickets / (interactions + 1)"


def test_a_bad_formula_is_shown_on_the_form_and_nothing_is_saved(manager_client, db):
    services.catalogue_sync()
    response = manager_client.post(
        reverse("metrics:computed_create"),
        {"name": "Bad", "key": "bad", "unit": "number", "time_aggregation": "sum", "formula": "nps / churn_rate"},
    )
    assert response.status_code == 200
    assert "Unknown metric “churn_rate”" in response.content.decode()
    assert not Metric.objects.filter(key="bad").exists()


def test_the_formula_is_checked_as_you_type(manager_client, db):
    services.catalogue_sync()
    url = reverse("metrics:formula_check")
    ok = manager_client.post(url, {"formula": "nps * 10 + csm_score"}, headers={"HX-Request": "true"})
    html = ok.content.decode()
    assert "<html" not in html and "Valid formula. Uses NPS, CSM score." in html
    bad = manager_client.post(url, {"formula": "nps * (10"}, headers={"HX-Request": "true"}).content.decode()
    assert "is not closed" in bad and "at character 7" in bad
    zero = manager_client.post(url, {"formula": "nps / 0"}, headers={"HX-Request": "true"}).content.decode()
    assert "Division by zero" in zero


def test_the_edit_page_shows_the_formula_field(manager_client, db):
    services.catalogue_sync()
    metric = services.metric_save_computed(metric=Metric(key="k", name="K", formula="nps + 1"))
    html = manager_client.get(reverse("metrics:computed_edit", args=[metric.pk])).content.decode()
    assert 'value="nps + 1"' in html and 'id="formula-verdict"' in html


def test_deleting_a_metric_marks_formulas_using_it_as_broken(manager_client, db):
    services.catalogue_sync()
    seats = Metric.objects.create(key="seats", name="Seats", kind=MetricKind.CUSTOM)
    services.metric_save_computed(metric=Metric(key="seat_score", name="Seat score", formula="seats * csm_score"))
    manager_client.post(reverse("metrics:delete", args=[seats.pk]))
    seats.refresh_from_db()
    assert seats.deleted_at is not None
    html = manager_client.get(reverse("metrics:catalogue")).content.decode()
    assert "Broken: Unknown metric “seats”" in html


def test_only_settings_configurers_may_open_the_catalogue(client, make_member, db):
    for role, status in [("CSM", 403), ("Guest", 403), ("Executive", 403), ("Analyst", 200), ("CSM Manager", 200)]:
        client.force_login(make_member(role))
        assert client.get(reverse("metrics:catalogue")).status_code == status, role
        response = client.post(reverse("metrics:formula_check"), {"formula": "1"})
        assert response.status_code == status, role
