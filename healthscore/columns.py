"""What health scores add to the account list (registered with accounts.panels in AppConfig.ready()): a "Health"
column with the band and the thin-data mark, filtered by a score range (`health_min` / `health_max`, which the
band links of the summary set), and the summary block "Accounts and MRR by health band". Both read the current
values of the metrics (one join per account), never the score history."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse

from healthscore.metrics import HEALTH_SCORE
from healthscore.models import HealthScore
from healthscore.selectors import health_settings
from metrics.models import Metric, MetricCurrent

KEY = "health"
BANDS = [("red", "Red"), ("yellow", "Yellow"), ("green", "Green")]


def _metric_id(key: str) -> int | None:
    return Metric.objects.filter(key=key, deleted_at=None).values_list("pk", flat=True).first()


def _annotate(qs: QuerySet, alias: str) -> QuerySet:
    metric_id = _metric_id(HEALTH_SCORE) or 0
    relation = f"{alias}_rel"
    qs = qs.alias(**{relation: FilteredRelation("current_metrics", condition=Q(current_metrics__metric_id=metric_id))})
    return qs.alias(**{alias: F(f"{relation}__value")})


def _filter(qs: QuerySet, low: float | None, high: float | None) -> QuerySet:
    values = MetricCurrent.objects.filter(metric__key=HEALTH_SCORE, account_id=OuterRef("pk"), value__isnull=False)
    if low is not None:
        values = values.filter(value__gte=low)
    if high is not None:
        values = values.filter(value__lte=high)
    return qs.filter(Exists(values))


def health_columns() -> list:
    from accounts.panels import ListColumn

    return [ListColumn(key=KEY, label="Health", annotate=_annotate, filter=_filter, preferred=True, order=2)]


def health_column_values(keys: list[str], account_ids: list[int]) -> dict[str, dict[int, Any]]:
    """{"health": {account pk: Fact}} for one page of accounts: the newest score with its band, marked on thin data
    (two queries: the newest day, then that day's rows of the page)."""
    from django.db.models import Max

    from accounts.panels import Fact

    if KEY not in keys or not account_ids:
        return {key: {} for key in keys}
    newest = HealthScore.objects.aggregate(day=Max("date"))["day"]
    out: dict[int, Any] = {}
    if newest is not None:
        settings = health_settings()
        for account_id, score, missing in HealthScore.objects.filter(
            date=newest, account_id__in=account_ids, score__isnull=False
        ).values_list("account_id", "score", "missing_weight"):
            band = settings.band(score)
            thin = missing > 50
            out[account_id] = Fact(
                label="Health",
                value=f"{score} · {band}" + (" · thin data" if thin else ""),
                hint=f"{missing} % of the weight had no data" if thin else "",
                raw=score,
            )
    return {KEY: out, **{key: {} for key in keys if key != KEY}}


def band_ranges() -> dict[str, tuple[int, int]]:
    settings = health_settings()
    return {
        "red": (0, settings.red_max),
        "yellow": (settings.red_max + 1, settings.yellow_max),
        "green": (settings.yellow_max + 1, 100),
    }


def band_summary_context(request: HttpRequest, accounts: QuerySet) -> dict[str, Any]:
    """Accounts and MRR per health band of the list's accounts (one aggregate over the current values), each band
    a link to the list filtered to it."""
    from revenue.selectors import base_currency

    settings = health_settings()
    health_id, mrr_id = _metric_id(HEALTH_SCORE) or 0, _metric_id("mrr") or 0
    rows = (
        accounts.order_by()
        .alias(
            hs=FilteredRelation("current_metrics", condition=Q(current_metrics__metric_id=health_id)),
            mr=FilteredRelation("current_metrics", condition=Q(current_metrics__metric_id=mrr_id)),
        )
        .annotate(
            band=Case(
                When(hs__value__isnull=True, then=Value("none")),
                When(hs__value__lte=settings.red_max, then=Value("red")),
                When(hs__value__lte=settings.yellow_max, then=Value("yellow")),
                default=Value("green"),
                output_field=CharField(),
            )
        )
        .values("band")
        .annotate(accounts=Count("pk"), mrr=Coalesce(Sum("mr__value"), 0.0))
    )
    found = {row["band"]: row for row in rows}
    ranges = band_ranges()
    query = request.GET.copy()
    for name in ("page", f"{KEY}_min", f"{KEY}_max"):
        query.pop(name, None)
    bands = []
    for band, label in [*BANDS, ("none", "Not scored")]:
        row = found.get(band, {"accounts": 0, "mrr": 0.0})
        url = ""
        if band in ranges:
            link = query.copy()
            link[f"{KEY}_min"], link[f"{KEY}_max"] = ranges[band]
            url = f"{reverse('accounts:list')}?{link.urlencode()}"
        bands.append({"band": band, "label": label, "accounts": row["accounts"], "mrr": row["mrr"], "url": url})
    low, high = request.GET.get(f"{KEY}_min"), request.GET.get(f"{KEY}_max")
    return {
        "bands": bands,
        "total": sum(b["accounts"] for b in bands),
        "currency": base_currency(),
        "filtered": bool(low or high),
        "clear_url": f"{reverse('accounts:list')}?{query.urlencode()}",
    }
