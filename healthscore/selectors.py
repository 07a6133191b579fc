"""Reads of health scores for pages, lists and reports."""

from __future__ import annotations

from dataclasses import dataclass

from healthscore.models import HealthConfiguration, HealthScore, HealthSettings


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


def health_can_configure(user: object) -> bool:
    """Whether `user` may change health configurations and band cut-offs (members who configure product settings)."""
    from team.models import TeamPermission

    return bool(getattr(user, "is_authenticated", False)) and user.has_team_perm(TeamPermission.CONFIGURE_SETTINGS)


def configurations_list() -> list[HealthConfiguration]:
    """Every configuration in the order scoring tries them (Default first on the page, then by priority), each with
    `component_count` and its list."""
    from django.db.models import Count

    return list(
        HealthConfiguration.objects.select_related("segment")
        .annotate(component_count=Count("components"))
        .order_by("-is_default", "priority", "name", "id")
    )


def accounts_scored_per_configuration() -> dict:
    """{"date": the newest scored day or None, "counts": {configuration id: accounts it scored that day}} (two
    queries on the (date, score) index)."""
    from django.db.models import Count, Max

    newest = HealthScore.objects.aggregate(day=Max("date"))["day"]
    if newest is None:
        return {"date": None, "counts": {}}
    rows = HealthScore.objects.filter(date=newest).values("configuration_id").annotate(n=Count("*"))
    return {"date": newest, "counts": {row["configuration_id"]: row["n"] for row in rows}}


def backfill_latest():
    """The newest backfill request (queued, running or finished), or None."""
    from healthscore.models import HealthBackfill

    return HealthBackfill.objects.select_related("configuration").order_by("-created_at", "-id").first()
