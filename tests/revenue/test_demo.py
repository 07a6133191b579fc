"""`seed_demo` on a small number of accounts: product events, revenue, and the pipeline's metric values exist."""

import io

from django.core.management import call_command

from core.models import PipelineRun
from metrics.models import MetricCurrent, MetricValue
from revenue.models import ExchangeRate, Invoice, MrrMovement, Subscription
from usage.models import ActivityRank, Event, FeatureUsageDaily, ModuleUsageDaily


def test_it_seeds_usage_revenue_and_runs_the_pipeline(db):
    out = io.StringIO()
    call_command("seed_demo", accounts=6, stdout=out)
    events = Event.objects.count()
    assert events > 500
    assert set(Event.objects.values_list("action", flat=True).distinct()) == {"sessionSync", "moduleEnd", "feature"}
    assert Subscription.objects.exists() and Invoice.objects.filter(is_paid=True).exists()
    assert {"EUR", "GBP"} <= set(ExchangeRate.objects.values_list("currency_id", flat=True))
    assert ModuleUsageDaily.objects.exists() and FeatureUsageDaily.objects.exists()
    assert ActivityRank.objects.filter(entity="account").exists() and ActivityRank.objects.filter(entity="contact")
    assert MetricValue.objects.filter(metric__key="mrr").exists()
    assert MetricValue.objects.filter(metric__key="events").exists()
    assert MetricCurrent.objects.filter(metric__key="mrr").exists() and MrrMovement.objects.exists()
    assert not PipelineRun.objects.exclude(status="succeeded").exists()
    # Safe to run again: nothing is stored twice.
    subscriptions, invoices = Subscription.objects.count(), Invoice.objects.count()
    call_command("seed_demo", accounts=6, stdout=io.StringIO())
    assert Event.objects.count() == events
    assert (Subscription.objects.count(), Invoice.objects.count()) == (subscriptions, invoices)
