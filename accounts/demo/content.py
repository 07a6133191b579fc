"""What happened around each demo account, in a believable order: interactions (a kick-off near the start, training
and an onboarding review, check-ins, QBRs, renewal talks, a cancellation call at churn), support tickets, notes,
documents and NPS responses. Each builder takes the account's draft and its own random generator and returns
unsaved rows; the risk of the account's story decides how often the CSM was in touch, how many tickets are open
and how customers answer surveys."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from typing import Any

from accounts.demo import words
from accounts.demo.story import NOISE_REASONS, RISK_REASONS, Story

DAY = datetime.timedelta(days=1)


@dataclass
class Person:
    """A contact of a draft account before it is saved."""

    first: str
    last: str
    email: str
    title: str
    role: str
    first_seen: datetime.datetime | None = None
    last_seen: datetime.datetime | None = None
    contact: Any = None  # the saved Contact

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Draft:
    """One demo account being built: its row, story, dates, people and generator."""

    account: Any
    story: Story
    rng: random.Random
    end: datetime.date
    anniversaries: list[datetime.date]
    region: str = ""
    domain: str = ""
    people: list[Person] = field(default_factory=list)
    periods: list[tuple[str, datetime.date, datetime.date | None]] = field(default_factory=list)
    nps: list[tuple[datetime.date, int, Person, str]] = field(default_factory=list)
    csm: Any = None

    def person(self, role: str) -> Person | None:
        return next((p for p in self.people if p.role == role), self.people[0] if self.people else None)

    def risk_on(self, day: datetime.date) -> float:
        return self.story.risk(max(0, (self.end - day).days))

    def champion_gone(self, day: datetime.date) -> bool:
        left = self.story.champion_left_days
        return left is not None and day > self.end - left * DAY

    def words(self, day: datetime.date | None = None) -> dict[str, str]:
        """Names and topics for a text of `day` (after the champion left, the decision maker takes their part)."""
        champion = self.person("Champion")
        if day is not None and self.champion_gone(day):
            champion = self.person("Decision maker")
        decision = self.person("Executive sponsor") if self.story.size == "Enterprise" else None
        decision = decision or self.person("Decision maker")
        admin = self.person("Admin")
        return {
            "champion": champion.name if champion else "the champion",
            "decision": decision.name if decision else "the sponsor",
            "admin": admin.name if admin else "their IT team",
            "feature": self.rng.choice(words.FEATURES),
            "goal": self.rng.choice(words.GOALS),
            "integration": self.rng.choice(words.INTEGRATIONS),
            "company": self.account.name,
        }


def moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(rng.randint(8, 16), rng.choice([0, 15, 30, 45])), datetime.UTC)


@dataclass
class Touch:
    day: datetime.date
    type: str
    subject: str
    body: str
    with_champion: bool = True


def interactions(draft: Draft, today: datetime.date) -> list[Touch]:
    """The touchpoints of an account from its kick-off to the end of its story, oldest first."""
    rng, st, join, end = draft.rng, draft.story, draft.account.join_date, draft.end
    touches: list[Touch] = []

    def add(day: datetime.date, kind: str, subject: str, body: str, with_champion: bool = True) -> None:
        if join <= day <= min(end, today):
            w = draft.words(day)
            with_champion = with_champion and not draft.champion_gone(day)
            touches.append(Touch(day, kind, subject.format(**w), body.format(**w), with_champion))

    if st.trial:
        add(join + rng.randint(0, 2) * DAY, "Call", "Trial kick-off", "Set up the trial with {champion}: {goal}.")
        add(join + rng.randint(5, 9) * DAY, "Email", "Trial check-in", "Sent {champion} a guide to {feature}.")
        return touches
    add(join + rng.randint(0, 3) * DAY, "Call", "Kick-off call", "Met {champion} and {decision}. Goals: {goal}.")
    add(join + rng.randint(4, 10) * DAY, "Meeting", "Technical set-up", "Connected {integration} with {admin}.")
    add(join + rng.randint(12, 30) * DAY, "Meeting", "Admin training", "Trained {admin} and {champion} on set-up.")
    add(join + rng.randint(60, 85) * DAY, "Meeting", "Onboarding review", "Onboarding goals met; {goal} in place.")
    # The CSM's last touchpoint: days, or weeks for an account drifting away (no touchpoint is itself a warning).
    risk = st.risk(0)
    gap = int(rng.uniform(1, 10) + 70 * risk**2 + rng.uniform(-4, 6))
    if st.reason == RISK_REASONS["relationship"]:
        gap += rng.randint(15, 30)  # a competitor won them while nobody called
    last = end - max(0, gap) * DAY
    # QBRs every quarter after onboarding for mid-market and enterprise accounts, over the last year and a half.
    if st.size != "SMB":
        quarter = join + 90 * DAY
        while quarter <= last:
            if quarter >= end - 540 * DAY:
                mood = "steady" if draft.risk_on(quarter) < 0.5 else "risky"
                body = (
                    "Reviewed adoption and goals with {decision}; {champion} presents the results internally."
                    if mood == "steady"
                    else "Adoption below plan; {decision} wants to see progress before the renewal."
                )
                add(quarter + rng.randint(-5, 5) * DAY, "QBR", "Quarterly business review", body)
            quarter += 91 * DAY
    # Renewals that happened: a talk about six weeks before, the signature a few days before.
    for anniversary in draft.anniversaries:
        if anniversary < end - 5 * DAY and anniversary >= end - 540 * DAY:
            add(anniversary - rng.randint(35, 50) * DAY, "Call", "Renewal discussion", "Renewal terms with {decision}.")
            add(anniversary - rng.randint(2, 8) * DAY, "Email", "Renewal signed", "{decision} signed the renewal.")
    # Check-ins going back from the last touchpoint: closer together when all is well.
    day = last
    floor = max(join + 90 * DAY, end - 200 * DAY)
    previous = ""
    while day >= floor:
        mood = "steady" if draft.risk_on(day) < 0.5 else "risky"
        subject, body = rng.choice([c for c in words.CHECK_INS[mood] if c[0] != previous])
        previous = subject
        kind = rng.choice(["Call", "Email", "Meeting", "Call"])
        add(day, kind, subject, body, kind != "Email")
        day -= int(18 + 35 * draft.risk_on(day) + rng.uniform(-6, 10)) * DAY
    if st.churned:
        reason = st.reason[0].lower() + st.reason[1:]
        add(end, "Call", "Cancellation call", f"{{decision}} confirmed they will not continue: {reason}.")
    touches.sort(key=lambda t: t.day)
    return touches


@dataclass
class Ticket:
    subject: str
    description: str
    type: str
    priority: str
    opened: datetime.datetime
    closed: datetime.datetime | None


def tickets(draft: Draft, now: datetime.datetime) -> list[Ticket]:
    """Support tickets of the last six months: more of them, more urgent and more left open as risk rises."""
    rng, end = draft.rng, draft.end
    rows: list[Ticket] = []
    start = max(draft.account.join_date, end - 180 * DAY)
    span = (end - start).days
    if span <= 0:
        return rows
    risk_now = draft.story.risk(0)
    count = int(rng.expovariate(1) * (0.6 + 6 * risk_now * draft.story.risk(45)) + (2.5 * risk_now))
    if draft.story.reason == RISK_REASONS["support"]:
        count += rng.randint(2, 4)  # they said so when they left
    for _ in range(count):
        # Tickets cluster in the weeks the account was at its worst.
        back = int(span * rng.random() ** (1 + 2 * risk_now))
        day = end - back * DAY
        risk = draft.risk_on(day)
        kind = rng.choices(list(words.TICKETS), [3, 2 + 3 * risk, 1 + 3 * risk, 1.5])[0]
        subject, description = rng.choice(words.TICKETS[kind])
        priority = rng.choices(["Low", "Normal", "High", "Urgent"], [2, 4, 1 + 3 * risk, 0.2 + 2 * risk])[0]
        opened = moment(day, rng)
        if opened > now:
            continue
        # Younger tickets, and those of a riskier account, are more often still open.
        open_chance = (0.15 + 0.7 * risk) * (1 if back < 30 else 0.3)
        closed = None
        if rng.random() >= open_chance:
            closed = opened + datetime.timedelta(hours=rng.randint(2, 24 + int(200 * risk)))
            if closed > now:
                closed = None
        if draft.story.churned and closed is None and back >= 30:
            closed = moment(end, rng)  # closed when the account left
        rows.append(Ticket(subject, description, kind, priority, opened, closed))
    return rows


def notes(draft: Draft) -> list[tuple[datetime.date, str]]:
    """A few notes by the CSM: what they know that the numbers do not say (the champion leaving, a budget review)."""
    rng, st, end = draft.rng, draft.story, draft.end
    w = draft.words()
    rows: list[tuple[datetime.date, str]] = []
    join = draft.account.join_date
    if st.trial or (end - join).days < 90:
        rows.append((join + rng.randint(1, 5) * DAY, rng.choice(words.NOTES["onboarding"]).format(**w)))
    if st.champion_left_days is not None:
        day = end - st.champion_left_days * DAY
        if day >= join:
            gone = f"{w['champion']} has left {w['company']}; no new champion yet."
            rows.append((day + rng.randint(1, 6) * DAY, gone))
    if st.risk(10) >= 0.55 and not st.trial:
        rows.append((end - rng.randint(5, 25) * DAY, rng.choice(words.NOTES["risky"]).format(**w)))
    elif rng.random() < 0.5 and (end - join).days > 120:
        rows.append((end - rng.randint(10, 120) * DAY, rng.choice(words.NOTES["happy"]).format(**w)))
    if st.churned and st.reason in NOISE_REASONS:
        rows.append((end, f"{st.reason}; the contract ends with it."))
    return [(min(max(day, join), end), body) for day, body in rows]


def documents(draft: Draft, workspace_host: str) -> list[tuple[datetime.date, str, str, str]]:
    """Links to the order forms of each contract year, the success plan and the latest QBR deck."""
    rng, st, join, end = draft.rng, draft.story, draft.account.join_date, draft.end
    if st.trial:
        return []
    base = f"https://{workspace_host}/customers/{draft.account.account_id.lower()}"
    rows = [(join, f"Order form {join.year}", f"{base}/order-form-{join.year}.pdf", "Signed order form.")]
    for anniversary in draft.anniversaries:
        if anniversary <= end:
            year = anniversary.year
            rows.append((anniversary, f"Order form {year}", f"{base}/order-form-{year}.pdf", "Signed renewal."))
    if (end - join).days > 20:
        rows.append((join + 14 * DAY, "Success plan", f"{base}/success-plan", "Goals, owners and milestones."))
    if st.size != "SMB" and (end - join).days > 120:
        day = end - rng.randint(10, 80) * DAY
        quarter = (day.month - 1) // 3 + 1
        name = f"QBR deck Q{quarter} {day.year}"
        rows.append((max(day, join), name, f"{base}/qbr-q{quarter}-{day.year}.pdf", "Slides of the last QBR."))
    if st.size == "Enterprise" and rng.random() < 0.6:
        rows.append((join, "Security questionnaire", f"{base}/security-questionnaire.xlsx", "Answered before signing."))
    return rows


def nps_responses(draft: Draft, today: datetime.date) -> list[tuple[datetime.date, int, Person, str]]:
    """Answers to the quarterly NPS survey of the last year: the score follows the account's risk at the time."""
    rng, join, end = draft.rng, draft.account.join_date, draft.end
    rows = []
    survey = datetime.date(today.year - 1, ((today.month - 1) // 3) * 3 + 1, 15)
    comments = {
        True: ["Great support team.", "The dashboards save us hours every week.", "Easy to roll out."],
        False: ["Too hard to get the team to use it.", "Support takes too long.", "Not worth the price for us."],
    }
    while survey <= min(end, today):
        if survey >= join + 45 * DAY and draft.people and rng.random() < 0.7:
            risk = draft.risk_on(survey)
            score = max(0, min(10, round(10.4 - 11 * risk + rng.gauss(0, 1.2))))
            respondent = rng.choice(draft.people[:3])
            comment = rng.choice(comments[score >= 7]) if rng.random() < 0.5 else ""
            rows.append((survey + rng.randint(0, 10) * DAY, score, respondent, comment))
        month = survey.month + 3
        survey = datetime.date(survey.year + (month > 12), (month - 1) % 12 + 1, 15)
    return [row for row in rows if row[0] <= min(end, today)]
