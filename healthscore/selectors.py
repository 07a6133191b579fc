"""Reads of health scores for pages, lists and reports."""

from __future__ import annotations

from dataclasses import dataclass

from healthscore.models import HealthScore, HealthSettings


@dataclass(frozen=True)
class Health:
    """An account's score on a day, with its band and whether it rests mostly on "no data"."""

    score: int | None
    band: str | None
    thin_data: bool
    missing_weight: int
    row: HealthScore

    @property
    def label(self) -> str:
        return "No data" if self.score is None else str(self.score)


def health_settings() -> HealthSettings:
    return HealthSettings.objects.filter(pk=1).first() or HealthSettings(pk=1)


def health_of(row: HealthScore, settings: HealthSettings | None = None) -> Health:
    settings = settings or health_settings()
    return Health(row.score, settings.band(row.score), row.thin_data, row.missing_weight, row)


def account_health(account_id: int) -> Health | None:
    """The account's newest stored score (two queries), or None if it was never scored."""
    row = HealthScore.objects.filter(account_id=account_id).order_by("-date").first()
    return health_of(row) if row is not None else None
