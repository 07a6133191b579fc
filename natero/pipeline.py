"""The order of the scheduled data pipeline (DESIGN.md, "The data path").

Hourly: keep today's usage roll-ups fresh. Daily, for the day that just ended: roll-ups, then revenue, then metric
values, computed metrics, current values. Later stages (activity rank, health scores, alerts) append here.
"""

from __future__ import annotations

from core.pipeline import DAILY, HOURLY, Step


def steps() -> list[Step]:
    from metrics import services as metrics

    return [
        Step("metric values", lambda as_of: metrics.metric_values_compute(as_of=as_of), (HOURLY, DAILY)),
        Step("computed metrics", lambda as_of: metrics.computed_values_compute(as_of=as_of), (HOURLY, DAILY)),
        Step("current values", lambda as_of: metrics.current_values_refresh(as_of=as_of), (HOURLY, DAILY)),
    ]
