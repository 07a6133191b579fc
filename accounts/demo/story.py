"""The story behind each demo account: its size, its tenure and a latent churn risk that drives what can be measured.

Every demo account has a risk between 0 and 1 that is never stored. It starts at a base level, may rise over the
weeks before the end of the story (a deterioration, and more so when the champion leaves), and it causes the
signals a health score measures: product usage that falls, support tickets that pile up and stay open, weeks
without a touchpoint, low NPS and a lower CSM score. Churn is drawn from the risk with noise: most accounts whose
risk ends high churn at their renewal, some survive (the at-risk accounts of today), and a few churn whatever their
risk (acquired, out of business). The end of the story is the churn date for a churned account and today for the
others.

`story(account_id)` is a pure function of the account id, so every demo seeder (accounts, usage, revenue) tells the
same story without storing it; dates come from the account row (join date, churn date) and today.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from functools import lru_cache

SEED = 20260101
# size: (weight, employees range, seats range, contacts range)
SIZES = {
    "SMB": (0.6, (8, 180), (3, 25), (3, 5)),
    "Mid-market": (0.3, (200, 1900), (20, 150), (4, 7)),
    "Enterprise": (0.1, (2000, 40000), (100, 1200), (6, 9)),
}
CHURN_THRESHOLD = 0.8
RISK_REASONS = {
    "usage": "Low adoption: the team stopped using the product",
    "champion": "Champion left and no new sponsor took over",
    "support": "Unresolved support issues",
    "relationship": "Switched to a competitor",
    "sentiment": "Budget cut: the product was not seen as essential",
}
NOISE_REASONS = ["Acquired by another company", "Went out of business"]


@dataclass(frozen=True)
class Story:
    """What happens to one demo account (see the module docstring). Day counts are relative to the end of the
    story (the churn date, or today for a live account)."""

    account_id: str
    size: str
    employees: int
    seats: int
    contacts: int
    base_risk: float
    end_risk: float
    decline_days: int  # the risk rose from base to end over this many days before the end; 0: steady
    champion_left_days: int | None  # the champion left this many days before the end
    churned: bool
    churn_days_ago: int  # for a churned account
    tenure_days: int  # for a live account: days since it joined; for a churned one: days from joining to churn
    reason: str
    trial: bool

    def risk(self, days_before_end: int) -> float:
        """The latent risk on the day `days_before_end` days before the end of the story (0: the last day)."""
        risk = self.base_risk
        if self.decline_days and days_before_end < self.decline_days:
            risk += (self.end_risk - self.base_risk) * (1 - days_before_end / self.decline_days)
        elif self.decline_days == 0:
            risk = self.end_risk
        if self.champion_left_days is not None and days_before_end <= self.champion_left_days:
            risk += 0.2
        return min(0.98, max(0.02, risk))

    @property
    def at_risk(self) -> bool:
        return not self.churned and self.risk(0) >= 0.6


def _clamp(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


@lru_cache(maxsize=4096)
def story(account_id: str) -> Story:
    """The story of the demo account `account_id` (deterministic: the same id always tells the same story)."""
    rng = random.Random(f"{SEED}:{account_id}")
    size = rng.choices(list(SIZES), [s[0] for s in SIZES.values()])[0]
    _, employees, seats, contacts = SIZES[size]
    employee_count = int(round(rng.uniform(*employees), -1 if employees[1] < 2000 else -2))
    seat_count = max(seats[0], min(seats[1], int(employee_count * rng.uniform(0.05, 0.4))))
    base = rng.betavariate(2, 4.5) + (0.05 if size == "SMB" else 0)
    roll = rng.random()
    decline, end = 0, base
    if roll < 0.28:  # deteriorating over the last weeks
        decline = rng.randint(25, 75)
        end = base + rng.uniform(0.2, 0.55)
    elif roll < 0.42:  # recovering
        decline = rng.randint(30, 80)
        end = base - rng.uniform(0.05, 0.2)
    champion = rng.randint(12, 70) if rng.random() < 0.12 else None
    base, end = _clamp(base, 0.02, 0.95), _clamp(end, 0.02, 0.95)
    trial = rng.random() < 0.05
    final = min(0.98, end + (0.2 if champion is not None else 0))
    noise = rng.gauss(0, 0.1)
    churned = not trial and final + noise > CHURN_THRESHOLD
    reason = ""
    if churned:
        drivers = {
            "usage": (end - base) * 0.9,
            "champion": 0.5 if champion is not None else 0,
            "support": rng.uniform(0, 0.5),
            "relationship": rng.uniform(0, 0.45),
            "sentiment": rng.uniform(0, 0.4),
        }
        reason = RISK_REASONS[max(drivers, key=drivers.get)]
    elif not trial and rng.random() < 0.015:
        churned, reason = True, rng.choice(NOISE_REASONS)
    churn_days_ago = rng.randint(6, 80) if churned else 0
    if trial:
        tenure = rng.randint(2, 20)
    elif churned:
        # Most churn at a renewal (a whole number of years after joining); a noise churn at any time.
        years = rng.choices([1, 2, 3], [6, 3, 1])[0]
        tenure = 365 * years if reason not in NOISE_REASONS else rng.randint(120, 1200)
    else:
        tenure = rng.choices([rng.randint(21, 90), rng.randint(91, 1500)], [0.12, 0.88])[0]
    if decline and not churned:
        decline = min(decline, max(tenure - 1, 0))
    return Story(
        account_id=account_id,
        size=size,
        employees=employee_count,
        seats=seat_count,
        contacts=rng.randint(*contacts),
        base_risk=base,
        end_risk=end,
        decline_days=decline,
        champion_left_days=champion,
        churned=churned,
        churn_days_ago=churn_days_ago,
        tenure_days=tenure,
        reason=reason,
        trial=trial,
    )


def story_end(account_story: Story, today: datetime.date) -> datetime.date:
    """The last day of the story: the churn date, or today."""
    return today - datetime.timedelta(days=account_story.churn_days_ago) if account_story.churned else today
