"""MRR, ARR, MRR movements and renewal dates, computed set-based from subscriptions (pipeline steps).

End dates are inclusive: a subscription's end date is the last day it is in force. MRR at a month's end is the
MRR in force as the next month begins (on its first day), so a subscription whose last day is the month's last
day no longer counts at that month's end.

MRR of an account on a day is the sum over its subscriptions, each in the state in force that day (revenue
history: `SubscriptionHistory`), active that day (start <= day <= end, or no end) of
(plan amount + add-ons + discounts) per cycle, scaled to a month (year / 12, week x 52 / 12, day x 365 / 12,
divided by the cycle length), converted to the base currency at the rate in force that day (the latest dated rate
on or before it; the earliest later one if none is older).
"""

from __future__ import annotations

import calendar
import datetime

from django.db import connection, transaction

from core.sql import date_param
from revenue.models import RevenueSettings

MONTHLY_FACTOR = (
    "CASE s.cycle_unit WHEN 'month' THEN 1.0 WHEN 'year' THEN 1.0 / 12 WHEN 'week' THEN 52.0 / 12 "
    "WHEN 'day' THEN 365.0 / 12 ELSE 1.0 END"
)
RENEWAL_GRACE_DAYS = 3


def base_currency() -> str:
    settings = RevenueSettings.objects.filter(pk=1).first()
    return settings.base_currency if settings else "USD"


def mrr_sql(day: datetime.date) -> tuple[str, list]:
    """SQL answering (account_id, value): each account's own MRR in the base currency on `day`.

    Each subscription counts with the state in force that day: the subscription row, or the history row that held
    then (the first one whose `until` is after the day), so later changes leave earlier days as they were.
    """
    d = date_param(day)
    rate = (
        "CASE WHEN s.currency = %s THEN 1.0 ELSE COALESCE("
        "(SELECT r.rate FROM revenue_exchangerate r WHERE r.currency_id = s.currency AND r.date <= %s "
        "ORDER BY r.date DESC LIMIT 1), "
        "(SELECT r.rate FROM revenue_exchangerate r WHERE r.currency_id = s.currency ORDER BY r.date LIMIT 1)) END"
    )
    in_force = (
        "SELECT c.account_id, c.start_date, c.end_date, c.cycle_length, c.cycle_unit, c.currency, "
        "c.amount + COALESCE((SELECT SUM(li.amount) FROM revenue_subscriptionlineitem li "
        "WHERE li.subscription_id = c.id), 0) AS total "
        "FROM revenue_subscription c WHERE NOT EXISTS (SELECT 1 FROM revenue_subscriptionhistory h "
        "WHERE h.subscription_id = c.id AND h.until > %s) "
        "UNION ALL "
        "SELECT h.account_id, h.start_date, h.end_date, h.cycle_length, h.cycle_unit, h.currency, h.amount "
        "FROM revenue_subscriptionhistory h WHERE h.until > %s AND NOT EXISTS (SELECT 1 FROM "
        "revenue_subscriptionhistory h2 WHERE h2.subscription_id = h.subscription_id AND h2.until > %s "
        "AND h2.until < h.until)"
    )
    sql = (
        "SELECT s.account_id AS account_id, SUM("
        f"s.total * {MONTHLY_FACTOR} / s.cycle_length * {rate}) AS value "
        f"FROM ({in_force}) s JOIN accounts_account a ON a.id = s.account_id AND a.is_deleted = FALSE "
        "WHERE s.start_date <= %s AND (s.end_date IS NULL OR s.end_date >= %s) GROUP BY s.account_id"
    )
    return sql, [base_currency(), d, d, d, d, d, d]


def mrr_on(day: datetime.date) -> dict[int, float]:
    """Every account's MRR on `day` (for pages and tests; the pipeline stays in SQL)."""
    sql, params = mrr_sql(day)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {account: float(value) for account, value in cursor.fetchall() if value is not None}


def _month_end(month_start: datetime.date) -> datetime.date:
    return month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])


def _greater(a: str, b: str) -> str:
    return f"CASE WHEN {a} >= {b} THEN {a} ELSE {b} END"


def _lesser(a: str, b: str) -> str:
    return f"CASE WHEN {a} <= {b} THEN {a} ELSE {b} END"


def _effective_end_sql(end: datetime.date, tag: str) -> tuple[str, list]:
    """MRR at the month end `end`: what is in force as the next month begins (on `end` + 1 day, F), with the
    3-day rule: a lapse of at most 3 days around F (no subscription in force on F, one again within 3 days) does not
    count, up to the lower of the levels on either side of it:

        max(MRR(F), min(MRR(F - k), MRR(F + 4 - k)) for k = 1, 2, 3)

    (covered on F - k and on F + 4 - k means at most 3 days without cover in between).
    """
    first = end + datetime.timedelta(days=1)
    parts, params = [], []
    for offset in range(-RENEWAL_GRACE_DAYS, RENEWAL_GRACE_DAYS + 1):
        sql, p = mrr_sql(first + datetime.timedelta(days=offset))
        parts.append(f"SELECT account_id, {offset} AS point, value FROM ({sql}) m_{offset + RENEWAL_GRACE_DAYS}")
        params += p
    union = " UNION ALL ".join(parts)

    def on(offset: int) -> str:
        return f"COALESCE(MAX(CASE WHEN point = {offset} THEN value END), 0)"

    value = on(0)
    for k in range(1, RENEWAL_GRACE_DAYS + 1):
        value = _greater(value, _lesser(on(-k), on(RENEWAL_GRACE_DAYS + 1 - k)))
    sql = f"SELECT account_id, {value} AS {tag} FROM ({union}) points GROUP BY account_id"
    return sql, params


@transaction.atomic
def mrr_movements_compute(*, as_of: datetime.date) -> int:
    """Replace the MRR movements of the month of `as_of` and of the month before (whose month-end figure depends on
    the first days of this one, by the 3-day rule)."""
    this_month = as_of.replace(day=1)
    months = {this_month, (this_month - datetime.timedelta(days=1)).replace(day=1)}
    written = 0
    for month in sorted(months):
        previous_end = month - datetime.timedelta(days=1)
        end = _month_end(month)
        start_sql, start_params = _effective_end_sql(previous_end, "start_mrr")
        end_sql, end_params = _effective_end_sql(end, "end_mrr")
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM revenue_mrrmovement WHERE month = %s", [date_param(month)])
            cursor.execute(
                f"""
                WITH s AS ({start_sql}), e AS ({end_sql}),
                ids AS (SELECT account_id FROM s UNION SELECT account_id FROM e),
                both_ AS (
                    SELECT ids.account_id, ROUND(COALESCE(s.start_mrr, 0), 4) AS start_mrr,
                        ROUND(COALESCE(e.end_mrr, 0), 4) AS end_mrr
                    FROM ids LEFT JOIN s ON s.account_id = ids.account_id LEFT JOIN e ON e.account_id = ids.account_id
                )
                INSERT INTO revenue_mrrmovement (account_id, month, kind, start_mrr, end_mrr)
                SELECT account_id, %s, CASE
                    WHEN start_mrr = 0 AND end_mrr > 0 THEN 'new'
                    WHEN start_mrr > 0 AND end_mrr = 0 THEN 'lost'
                    WHEN end_mrr > start_mrr THEN 'expansion'
                    ELSE 'contraction' END,
                    start_mrr, end_mrr
                FROM both_ WHERE start_mrr <> end_mrr
                """,
                [*start_params, *end_params, date_param(month)],
            )
            written += max(cursor.rowcount, 0)
    return written


@transaction.atomic
def renewal_dates_refresh(*, as_of: datetime.date) -> int:
    """Set each account's renewal date to the nearest end, on or after `as_of`, of its auto-renewing subscriptions
    active that day. Accounts without such a subscription keep the renewal date they have."""
    d = date_param(as_of)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE accounts_account SET renewal_date = n.next_renewal
            FROM (
                SELECT account_id, MIN(end_date) AS next_renewal FROM revenue_subscription
                WHERE renews = %s AND start_date <= %s AND end_date IS NOT NULL AND end_date >= %s
                GROUP BY account_id
            ) n
            WHERE accounts_account.id = n.account_id
                AND (accounts_account.renewal_date IS NULL OR accounts_account.renewal_date <> n.next_renewal)
            """,
            [True, d, d],
        )
        return max(cursor.rowcount, 0)
