"""`seed_demo` end to end on a small demo: it reads like a real company, its churn is caused by what the health
score measures, it reports what the database holds, and running it again duplicates nothing."""

from __future__ import annotations

import datetime
import io
import re
import statistics

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone

from accounts.demo.story import NOISE_REASONS, story
from accounts.models import Account, Contact, Document, Interaction, Note, NpsResponse, SupportTicket
from healthscore.models import HealthScore
from integrations.demo import SOURCE_NAME
from integrations.models import ApiCall, Source
from revenue.models import Invoice, Subscription
from segments.models import Segment
from usage.models import Event

ACCOUNTS = 40


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo seeded once for the module (rolled back afterwards); its output."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", accounts=ACCOUNTS, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _domain(account: Account) -> str:
    return account.website.removeprefix("https://www.")


def _latest_scores() -> dict[int, int]:
    newest = HealthScore.objects.aggregate(day=Max("date"))["day"]
    return dict(HealthScore.objects.filter(date=newest, score__isnull=False).values_list("account_id", "score"))


@pytest.mark.django_db
def test_it_names_companies_and_people_like_real_ones(demo):
    accounts = list(Account.objects.all())
    assert len(accounts) == ACCOUNTS
    assert not [a.name for a in accounts if re.search(r"\d", a.name)]
    assert len({a.name for a in accounts}) == ACCOUNTS and len({_domain(a) for a in accounts}) == ACCOUNTS
    for account in accounts:
        people = list(Contact.objects.filter(account_links__account=account))
        assert len(people) >= 3
        assert all(p.email.endswith(f"@{_domain(account)}") for p in people), account.name
        assert all(p.title and re.fullmatch(r"[^\d@]+ [^\d@]+", p.name) for p in people)
        assert {"Champion", "Decision maker"} <= {p.role for p in people}


@pytest.mark.django_db
def test_its_tiers_follow_size_and_its_stages_follow_tenure(demo):
    today = timezone.localdate()
    employees: dict[str, list[int]] = {}
    for account in Account.objects.filter(churned_on__isnull=True).select_related("stage", "tier"):
        tenure = (today - account.join_date).days
        employees.setdefault(account.tier.name, []).append(account.employees)
        stage = account.stage.name
        if stage == "Trial":
            assert tenure <= 30 and account.renewal_date is None
        elif stage == "Onboarding":
            assert tenure < 90
        elif stage == "Renewal":
            assert tenure >= 300 and 0 <= (account.renewal_date - today).days <= 61
        else:
            assert stage == "Established" and tenure >= 90 and (account.renewal_date - today).days >= 59
        # The stage history ends in the current stage and starts at the join date.
        history = list(account.stage_history.order_by("start"))
        assert history[0].start == account.join_date and history[-1].stage_id == account.stage_id
    assert max(employees["SMB"]) < min(employees["Mid-market"]) < max(employees["Mid-market"])
    assert max(employees["Mid-market"]) < min(employees.get("Enterprise", [10**6]))
    # Annual recurring revenue grows with the tier.
    arr = {}
    for tier in employees:
        subs = Subscription.objects.filter(account__tier__name=tier, account__churned_on__isnull=True, end_date=None)
        arr[tier] = (
            statistics.mean(float(s.amount) * (12 if s.cycle_unit == "month" else 1) for s in subs) if subs else 0
        )
    assert arr["SMB"] < arr["Mid-market"]


@pytest.mark.django_db
def test_its_history_comes_in_a_believable_order(demo):
    for account in Account.objects.filter(stage__name__in=["Established", "Renewal"]):
        subjects = list(account.interactions.order_by("date").values_list("subject", flat=True))
        assert subjects[0] == "Kick-off call", account.name
        if "Quarterly business review" in subjects:
            assert subjects.index("Quarterly business review") > subjects.index("Onboarding review")
    assert Note.objects.exclude(created_at__date=timezone.localdate()).exists()
    assert Document.objects.filter(name__startswith="Order form").exists()
    assert SupportTicket.objects.filter(closed_at__isnull=True).exists()
    assert SupportTicket.objects.filter(closed_at__isnull=False).exists()
    assert NpsResponse.objects.values("score").distinct().count() >= 5


@pytest.mark.django_db
def test_churned_accounts_left_with_a_reason_after_their_usage_fell(demo):
    today = timezone.localdate()
    churned = list(Account.objects.filter(churned_on__isnull=False))
    assert churned
    first_event = Event.objects.order_by("occurred_at").values_list("occurred_at", flat=True)[0].date()
    falling = []
    for account in churned:
        assert account.churn_reason and account.churned_on < today
        assert account.renewal_date is not None
        if account.churn_reason not in NOISE_REASONS:
            assert account.renewal_date <= today  # they left at a renewal that has passed
        assert not Event.objects.filter(account_id=account.account_id, occurred_at__date__gte=account.churned_on)
        assert not account.interactions.filter(date__date__gt=account.churned_on).exists()
        if account.churn_reason in NOISE_REASONS or account.churned_on - datetime.timedelta(days=42) < first_event:
            continue
        events = Event.objects.filter(account_id=account.account_id, action="sessionSync")
        before = account.churned_on - datetime.timedelta(days=21)
        last = events.filter(occurred_at__date__gte=before).count()
        earlier = events.filter(occurred_at__date__lt=before, occurred_at__date__gte=before - datetime.timedelta(21))
        falling.append(last < earlier.count())
    assert falling and sum(falling) >= 0.75 * len(falling)


@pytest.mark.django_db
def test_health_scores_separate_churned_from_retained_accounts(demo):
    latest = _latest_scores()
    retained = [latest[a] for a in Account.objects.filter(churned_on__isnull=True).values_list("id", flat=True)]
    last_before_churn = []
    for account in Account.objects.filter(churned_on__isnull=False).exclude(churn_reason__in=NOISE_REASONS):
        row = account.health_scores.filter(score__isnull=False).order_by("-date").first()
        if row:
            assert row.date < account.churned_on
            last_before_churn.append(row.score)
    assert len(last_before_churn) >= 3
    assert statistics.mean(last_before_churn) < statistics.mean(retained) - 20
    # Today's at-risk accounts (their risk rose, they have not left yet) score lower than the others.
    at_risk = [latest[a.pk] for a in Account.objects.filter(churned_on__isnull=True) if story(a.account_id).at_risk]
    assert at_risk and statistics.mean(at_risk) < statistics.mean(retained) - 10
    # The scores shown (today's, and a churned account's last) spread over all three bands.
    shown = retained + last_before_churn
    assert min(shown) <= 30 < 70 < max(shown)
    assert any(30 < score <= 70 for score in shown)


@pytest.mark.django_db
def test_events_arrive_through_a_source_with_its_call_log(demo, client):
    source = Source.objects.get(name=SOURCE_NAME)
    assert not Event.objects.exclude(source_id=source.pk).exists()
    calls = ApiCall.objects.filter(source=source)
    assert calls.count() <= 1000 and calls.filter(status="success").exists()
    assert calls.order_by("-at").first().at <= timezone.now()
    client.post("/login/", {"username": "demo@natero.local", "password": "natero-demo-2026"})
    page = client.get(f"/settings/sources/{source.pk}/").content.decode()
    assert SOURCE_NAME in page and "/v1/{auth_key}/{api_key}" in page


@pytest.mark.django_db
def test_it_reports_what_the_database_holds_and_a_rerun_duplicates_nothing(demo):
    reported = dict(
        (what, int(count.replace(",", "")))
        for what, count in re.findall(r"^  ([^:\n]+): ([\d,]+)$", demo.split("The demo now holds:")[1], re.M)
    )
    latest = _latest_scores()
    expected = {
        "accounts": Account.objects.count(),
        "churned accounts": Account.objects.filter(churned_on__isnull=False).count(),
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "notes": Note.objects.count(),
        "documents": Document.objects.count(),
        "support tickets": SupportTicket.objects.count(),
        "NPS responses": NpsResponse.objects.count(),
        "product events": Event.objects.count(),
        "API calls logged": ApiCall.objects.count(),
        "subscriptions": Subscription.objects.count(),
        "invoices": Invoice.objects.count(),
        "health scores stored": HealthScore.objects.count(),
        "accounts in the green band": sum(score > 70 for score in latest.values()),
        "accounts in the red band": sum(score <= 30 for score in latest.values()),
    }
    assert {what: reported[what] for what in expected} == expected
    examples = Segment.objects.filter(example_key__isnull=False).count()
    assert examples and f"  {examples} example lists ready (" in demo
    call_command("seed_demo", accounts=ACCOUNTS, stdout=io.StringIO())
    again = {
        "accounts": Account.objects.count(),
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "notes": Note.objects.count(),
        "documents": Document.objects.count(),
        "support tickets": SupportTicket.objects.count(),
        "NPS responses": NpsResponse.objects.count(),
        "product events": Event.objects.count(),
        "API calls logged": ApiCall.objects.count(),
        "subscriptions": Subscription.objects.count(),
        "invoices": Invoice.objects.count(),
        "health scores stored": HealthScore.objects.count(),
    }
    assert again == {what: expected[what] for what in again}
    assert Account.objects.values("name").annotate(n=Count("id")).filter(n__gt=1).count() == 0
