"""What the demo's health scores came to (the pipeline seeder scores the demo's history): rows stored, and the
accounts in each band on the newest scored day."""

from __future__ import annotations

from django.db.models import Max

from healthscore.models import HealthScore
from healthscore.selectors import health_settings


def report() -> list[tuple[str, int]]:
    newest = HealthScore.objects.aggregate(day=Max("date"))["day"]
    bands = health_settings()
    latest = HealthScore.objects.filter(date=newest, score__isnull=False)
    return [
        ("health scores stored", HealthScore.objects.count()),
        ("accounts in the red band", latest.filter(score__lte=bands.red_max).count()),
        ("accounts in the yellow band", latest.filter(score__gt=bands.red_max, score__lte=bands.yellow_max).count()),
        ("accounts in the green band", latest.filter(score__gt=bands.yellow_max).count()),
    ]
