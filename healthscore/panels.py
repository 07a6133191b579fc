"""What health scores add to the account page (registered with accounts.panels in AppConfig.ready())."""

from __future__ import annotations

from typing import Any


def account_health_facts(account: Any) -> list:
    """The account's newest score and band on the overview, marked when it rests mostly on "no data" (two queries)."""
    from accounts.panels import Fact
    from core.formatting import format_date
    from healthscore.selectors import account_health

    health = account_health(account.pk)
    if health is None:
        return [Fact(label="Health score", value="Not scored yet", hint="Scores are computed by the daily pipeline.")]
    if health.score is None:
        return [Fact(label="Health score", value="No data", hint="No component of its configuration had a value.")]
    value = f"{health.score} ({health.band})"
    hint = f"On {format_date(health.row.date)}"
    if health.thin_data:
        value += " · thin data"
        hint += f"; {health.missing_weight} % of the weight had no data"
    return [Fact(label="Health score", value=value, hint=hint)]
