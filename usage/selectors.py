"""Reads of usage data: custom metric values for the API and admin pages; the daily roll-ups and activity ranks for
the account page. Raw events are read by the roll-ups only (by id and by day), never per account: the events table
has no account index, so that ingestion pays for one unique index alone."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet, Subquery, Sum
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Account, Contact
from accounts.panels import Fact
from usage.models import ActivityEntity, ActivityRank, CustomMetricValue, FeatureUsageDaily, ModuleUsageDaily


def metric_values(*, account_id: str | None = None, metric: str | None = None) -> QuerySet[CustomMetricValue]:
    """Custom metric values, optionally of one account and/or one metric."""
    qs = CustomMetricValue.objects.all()
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if metric:
        qs = qs.filter(metric=metric)
    return qs


# The account page: modules and features, activity ranks -------------------------------------------------------

MODULES_WINDOW_DAYS = 30


@dataclass(frozen=True)
class UsageItem:
    """One module (time, in seconds) or feature (a count) of an account over a window.

    `per_user_day` is the total divided by the user-days it was used on (distinct (user, day) pairs);
    `non_users` counts the account's registered contacts with a user id who did not use it in the window.
    """

    name: str
    module: str
    total: float
    per_user_day: float
    days_used: int
    users: int
    non_users: int
    last_used: datetime.date
    is_time: bool = False

    @property
    def total_text(self) -> str:
        return duration_text(self.total) if self.is_time else f"{self.total:,.0f}"

    @property
    def per_user_day_text(self) -> str:
        return duration_text(self.per_user_day) if self.is_time else f"{self.per_user_day:,.1f}"


def duration_text(seconds: float) -> str:
    """A duration for people: "2 h 05 min", "12 min", "40 s"."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class AccountUsage:
    """The modules and features tab of an account: top items over the window [start, end]."""

    start: datetime.date
    end: datetime.date
    registered_users: int
    modules: list[UsageItem]
    features: list[UsageItem]
    modules_total: int
    features_total: int

    @property
    def is_empty(self) -> bool:
        return not self.modules and not self.features


def _registered_user_ids(account: Account) -> QuerySet:
    """User ids of the account's contacts that have one (the people who could use the product)."""
    return Contact.objects.filter(account_links__account=account).exclude(user_id="").values("user_id").distinct()


def _usage_items(
    qs: QuerySet, *, name: str, amount: str, registered: QuerySet, registered_count: int, is_time: bool
) -> list[UsageItem]:
    """Aggregate roll-up rows (one per account, day, item, user) per item, biggest total first."""
    rows = (
        qs.values(name, "module")
        .annotate(
            total=Sum(amount),
            user_days=Count("id"),
            days_used=Count("date", distinct=True),
            users=Count("user_id", distinct=True, filter=~Q(user_id="")),
            registered_users=Count("user_id", distinct=True, filter=Q(user_id__in=registered)),
            last_used=Max("date"),
        )
        .order_by("-total", name, "module")
    )
    return [
        UsageItem(
            name=row[name],
            module=row["module"],
            total=row["total"] or 0.0,
            per_user_day=(row["total"] or 0.0) / row["user_days"] if row["user_days"] else 0.0,
            days_used=row["days_used"],
            users=row["users"],
            non_users=max(registered_count - row["registered_users"], 0),
            last_used=row["last_used"],
            is_time=is_time,
        )
        for row in rows
    ]


def account_modules_features(
    *, account: Account, as_of: datetime.date, days: int = MODULES_WINDOW_DAYS, limit: int = 10
) -> AccountUsage:
    """Top modules by time and top features by count of `account` over the `days` days ending on `as_of`.

    Reads only the daily roll-ups (ModuleUsageDaily, FeatureUsageDaily), never raw events: three queries whatever
    the usage. Items are grouped by name (features by name and module, as the same name may live in two modules).
    Only the account's own usage counts here (not its child accounts'), so that non-users, who are the account's own
    contacts, stay comparable with users.
    """
    start = as_of - datetime.timedelta(days=days - 1)
    registered = _registered_user_ids(account)
    registered_count = registered.count()
    # The days listed one by one: the roll-ups' (date, account) index then finds each day's rows of the account
    # with one probe, where a date range would read every account's rows of the window.
    window = {"account": account, "date__in": [start + datetime.timedelta(days=n) for n in range(days)]}
    modules = _usage_items(
        ModuleUsageDaily.objects.filter(**window).annotate(item=F("module")),
        name="item",
        amount="seconds",
        registered=registered,
        registered_count=registered_count,
        is_time=True,
    )
    features = _usage_items(
        FeatureUsageDaily.objects.filter(**window).annotate(item=F("feature")),
        name="item",
        amount="count",
        registered=registered,
        registered_count=registered_count,
        is_time=False,
    )
    return AccountUsage(
        start=start,
        end=as_of,
        registered_users=registered_count,
        modules=modules[:limit],
        features=features[:limit],
        modules_total=len(modules),
        features_total=len(features),
    )


def latest_activity_ranks(*, entity: str, object_ids: list[int]) -> dict[int, ActivityRank]:
    """The activity rank of each of `object_ids` (accounts or contacts) on the latest day ranks were computed, in one
    query. An entity without a row that day was not active in its 30-day window: it has no rank."""
    if not object_ids:
        return {}
    latest = ActivityRank.objects.filter(entity=entity).order_by("-date").values("date")[:1]
    rows = ActivityRank.objects.filter(entity=entity, object_id__in=object_ids, date=Subquery(latest))
    return {row.object_id: row for row in rows}


# Hooks the account page calls (registered in UsageConfig.ready(): accounts cannot import usage) ----------------


def _rank_fact(rank: ActivityRank | None, *, label: str) -> Fact | None:
    if rank is None:
        return None
    return Fact(
        label=label,
        value=f"{rank.rank:.0f}",
        trend=rank.trend,
        hint=f"Session time over 30 days beats {rank.rank:.0f} % of active peers (as of {rank.date:%d %b %Y}).",
    )


def account_usage_context(request: HttpRequest, account: Account) -> dict:
    """The modules and features section of the account page, over the 30 days ending today (UTC)."""
    return {"usage": account_modules_features(account=account, as_of=timezone.now().date())}


def account_activity_facts(account: Account) -> list[Fact]:
    """The account's activity rank with its trend, for the overview (one query)."""
    rank = latest_activity_ranks(entity=ActivityEntity.ACCOUNT, object_ids=[account.pk]).get(account.pk)
    fact = _rank_fact(rank, label="Activity rank")
    if fact is None:
        why = "churned accounts are not ranked" if account.is_churned else "no session time in the last 30 days"
        return [Fact(label="Activity rank", value="—", hint=f"Not ranked: {why}.")]
    return [fact]


def contact_activity_ranks(account: Account, contacts: list[Contact]) -> dict[int, Fact]:
    """The activity rank with its trend of each contact shown (one query for all of them)."""
    ranks = latest_activity_ranks(entity=ActivityEntity.CONTACT, object_ids=[c.pk for c in contacts])
    return {pk: _rank_fact(rank, label="Activity rank") for pk, rank in ranks.items()}
