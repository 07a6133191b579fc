"""The order of the scheduled data pipeline (DESIGN.md, "The data path").

Hourly: today's sessions, roll-ups and metric values so far. Daily, for the day that just ended: sessions and
roll-ups, activity ranks, renewal dates and MRR movements, then metric values (built-in, then computed) and the
current values pages read (dropping those the closed day no longer has) and the account list's revenue trend,
then the size of every list, then the alert rules. Health scores come after the computed metrics they may read
and before the current values, so lists and alert rules see the day's scores.
"""

from __future__ import annotations

from core.pipeline import DAILY, HOURLY, Step

BOTH = (HOURLY, DAILY)


def _yesterday():
    import datetime

    from django.utils import timezone

    return timezone.now().date() - datetime.timedelta(days=1)


def steps() -> list[Step]:
    from alerts.evaluation import rules_evaluate
    from healthscore import services as health
    from metrics import services as metrics
    from revenue import mrr
    from segments.services import list_sizes_record
    from usage import rollups

    return [
        Step("sessions and usage roll-ups", lambda as_of: rollups.usage_day_compute(as_of=as_of), BOTH),
        Step("activity ranks", lambda as_of: rollups.activity_ranks_compute(as_of=as_of), (DAILY,)),
        Step("renewal dates", lambda as_of: mrr.renewal_dates_refresh(as_of=as_of), (DAILY,)),
        Step("MRR movements", lambda as_of: mrr.mrr_movements_compute(as_of=as_of), (DAILY,)),
        Step("metric values", lambda as_of: metrics.metric_values_compute(as_of=as_of), BOTH),
        Step("custom metrics", lambda as_of: metrics.custom_values_compute(as_of=as_of), BOTH),
        Step("computed metrics", lambda as_of: metrics.computed_values_compute(as_of=as_of), BOTH),
        Step("health scores", lambda as_of: health.health_scores_compute(as_of=as_of), (DAILY,)),
        Step("metric statistics", lambda as_of: metrics.metric_statistics_refresh(as_of=as_of), BOTH),
        Step("current values", lambda as_of: metrics.current_values_refresh(as_of=as_of), BOTH),
        Step("expired current values", lambda as_of: metrics.current_values_expire(as_of=as_of), (DAILY,)),
        Step("revenue trend", lambda as_of: metrics.revenue_trend_refresh(as_of=as_of), (DAILY,)),
        Step("list sizes", lambda as_of: list_sizes_record(as_of=as_of), (DAILY,)),
        # Rules fire on the values of now: a backfill of older days does not evaluate them.
        Step("alert rules", lambda as_of: rules_evaluate() if as_of >= _yesterday() else {}, BOTH),
    ]
