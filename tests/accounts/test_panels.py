"""What other apps add to the account page through accounts.panels: the modules and features section, activity
ranks with trend arrows (overview and contacts), MRR/ARR/active users, subscriptions and invoices."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import panels, services
from metrics.models import Metric, MetricCurrent
from metrics.services import catalogue_sync
from revenue.models import Subscription
from usage.models import ActivityRank, FeatureUsageDaily, ModuleUsageDaily


@pytest.fixture
def used_account(account):
    """Acme with two product users, a month of usage, ranks, current metric values and a subscription."""
    today = timezone.now().date()
    rising = services.contact_create(account=account, name="Rita Rising", user_id="u-rita")
    falling = services.contact_create(account=account, name="Fred Falling", user_id="u-fred")
    services.contact_create(account=account, name="Nora Never", user_id="u-nora")
    ModuleUsageDaily.objects.create(account=account, date=today, module="Reports", user_id="u-rita", seconds=1800)
    ModuleUsageDaily.objects.create(account=account, date=today, module="<b>Admin</b>", user_id="u-fred", seconds=60)
    FeatureUsageDaily.objects.create(
        account=account, date=today, feature="export", module="Reports", user_id="u-rita", count=7
    )
    day = today - datetime.timedelta(days=1)
    for entity, pk, rank, trend in [
        ("account", account.pk, 81, 1),
        ("contact", rising.pk, 90, 1),
        ("contact", falling.pk, 12, -1),
    ]:
        ActivityRank.objects.create(entity=entity, object_id=pk, date=day, seconds_30d=100, rank=rank, trend=trend)
    catalogue_sync()
    for key, value in [("mrr", 1200), ("arr", 14400), ("monthly_active_users", 2)]:
        MetricCurrent.objects.create(metric=Metric.objects.get(key=key), account=account, value=value, as_of=day)
    Subscription.objects.create(
        account=account, subscription_id="sub-1", plan="Growth plan", start_date=day, amount=Decimal("1200")
    )
    return account


def detail(pk):
    return reverse("accounts:detail", args=[pk])


def test_the_panels_are_registered_by_the_apps_above_accounts():
    assert [p.key for p in panels.account_panels(None)] == ["health", "alerts", "tasks", "usage", "revenue"]
    assert [p.key for p in panels.overview_facts()] == ["health", "activity-rank", "revenue"]
    assert [c.key for c in panels.contact_columns()] == ["activity-rank"]
    assert [p.key for p in panels.list_summary_panels()] == ["stages", "health-bands", "revenue-trend"]


def test_account_page_shows_modules_features_ranks_and_revenue(manager_client, used_account):
    response = manager_client.get(detail(used_account.pk))
    body = response.content.decode()
    assert response.status_code == 200
    assert '<a class="nav-link" href="#usage">Modules &amp; features</a>' in body
    assert 'id="usage"' in body and 'data-testid="modules"' in body and 'data-testid="features"' in body
    assert "Reports" in body and "30 min" in body and "export" in body
    assert "&lt;b&gt;Admin&lt;/b&gt;" in body and "<b>Admin</b>" not in body
    # The overview: activity rank 81 rising, MRR, ARR and active users from the current metric values.
    facts = body[body.index('data-testid="facts"') : body.index('data-testid="csms"')]
    assert "81" in facts and 'data-trend="1"' in facts and "↑" in facts and "(trend rising)" in facts
    assert "$1,200.00" in facts and "$14,400.00" in facts and "Active users" in facts
    # The contacts table: a rank and an arrow per contact; a contact with no rank shows a dash.
    contacts = body[body.index('id="contacts"') : body.index('id="usage"')]
    rita = contacts[contacts.index("Rita Rising") :]
    fred = contacts[contacts.index("Fred Falling") :]
    nora = contacts[contacts.index("Nora Never") :]
    assert "90" in rita[: rita.index("</tr>")] and "↑" in rita[: rita.index("</tr>")]
    assert "12" in fred[: fred.index("</tr>")] and "↓" in fred[: fred.index("</tr>")]
    assert "↑" not in nora[: nora.index("</tr>")] and "—" in nora[: nora.index("</tr>")]
    # Subscriptions and invoices (the revenue app's fragment).
    assert 'id="revenue"' in body and "Growth plan" in body


def test_a_flat_trend_shows_a_sideways_arrow(manager_client, account):
    ActivityRank.objects.create(
        entity="account", object_id=account.pk, date=timezone.now().date(), seconds_30d=1, rank=50, trend=0
    )
    body = manager_client.get(detail(account.pk)).content.decode()
    assert "→" in body and "(trend flat)" in body


def test_empty_states_say_what_to_do(manager_client, account):
    body = manager_client.get(detail(account.pk)).content.decode()
    assert 'data-testid="usage-empty"' in body and "Event API" in body and "Settings → Data sources" in body
    assert "Not ranked: no session time in the last 30 days." in body
    assert "No subscriptions yet" in body


def test_a_churned_account_says_why_it_is_not_ranked(manager_client, account):
    account.churned_on = timezone.now().date()
    account.save()
    body = manager_client.get(detail(account.pk)).content.decode()
    assert "Not ranked: churned accounts are not ranked." in body


def test_one_section_alone_for_htmx(manager_client, used_account):
    response = manager_client.get(detail(used_account.pk), {"panel": "usage"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.strip().startswith('<section class="card mb-3" id="usage"') and "Reports" in body
    assert "<html" not in body and 'id="interactions"' not in body
    missing = manager_client.get(detail(used_account.pk), {"panel": "nope"}, HTTP_HX_REQUEST="true")
    assert missing.status_code == 404


def test_sections_follow_the_account_permission(csm_client, other_account):
    assert csm_client.get(detail(other_account.pk), {"panel": "usage"}, HTTP_HX_REQUEST="true").status_code == 404
    assert csm_client.get(detail(other_account.pk)).status_code == 404


def test_the_account_page_query_count_is_bounded(manager_client, used_account, django_assert_max_num_queries):
    today = timezone.now().date()
    for i in range(40):
        contact = services.contact_create(account=used_account, name=f"P{i}", user_id=f"p{i}")
        ActivityRank.objects.create(
            entity="contact", object_id=contact.pk, date=today - datetime.timedelta(days=1), seconds_30d=1, rank=i
        )
        ModuleUsageDaily.objects.create(
            account=used_account, date=today, module=f"Module {i}", user_id=f"p{i}", seconds=i
        )
        FeatureUsageDaily.objects.create(account=used_account, date=today, feature=f"f{i}", user_id=f"p{i}", count=i)
    with django_assert_max_num_queries(55):
        assert manager_client.get(detail(used_account.pk)).status_code == 200
