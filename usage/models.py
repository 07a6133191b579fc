"""Raw product usage: the append-only events table, pushed custom metric values, and job cursors."""

from __future__ import annotations

from django.db import models

from accounts.ids import EXTERNAL_ID_MAX_LENGTH

EVENT_ID_MAX_LENGTH = 200
NAME_MAX_LENGTH = 200


class EventAction(models.TextChoices):
    """What an event says; the Natero Event API names. Segment calls map onto them (track -> feature, ...)."""

    IDENTIFY_USER = "identifyUser", "Identify user"
    IDENTIFY_ACCOUNT = "identifyAccount", "Identify account"
    SESSION_SYNC = "sessionSync", "Session sync"
    MODULE_END = "moduleEnd", "Module end"
    FEATURE = "feature", "Feature"


class Event(models.Model):
    """One thing a contact did at a point in time, as received (append-only: never updated, never deleted).

    Accounts and contacts are named by their external ids (no foreign keys), so ingestion never waits on, nor
    fails for, an account that does not exist yet: a periodic job creates the unknown ones set-based.
    `source_id` is the integrations Source that sent it (0: none); it is a plain integer because usage sits
    below integrations. `event_id` is the client's message id, or a hash of the payload when none was sent;
    (source_id, event_id, occurred_at) is unique, so a retried event is stored once (one sent without a time of
    its own is matched by id alone, see `usage.services.events_store`). Per source rather than global so that
    one source can never shadow (or probe for) another source's events.
    """

    source_id = models.BigIntegerField(default=0)
    event_id = models.CharField(max_length=EVENT_ID_MAX_LENGTH)
    account_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH)
    user_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    action = models.CharField(max_length=20, choices=EventAction.choices)
    module = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    feature = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    quantity = models.FloatField(null=True, blank=True, help_text="A feature's count (`total`).")
    duration_ms = models.BigIntegerField(null=True, blank=True, help_text="Active or module time, milliseconds.")
    session_id = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    product = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
    details = models.JSONField(null=True, blank=True, help_text="Attributes sent by identify calls.")

    class Meta:
        # Only the constraint that makes retries idempotent: every extra index slows ingestion. Jobs read new
        # events by id (the table is append-only), and roll-ups build their own aggregates. On PostgreSQL the table
        # is partitioned by month of `occurred_at` (core.partitions; migration usage 0007), keyed by (id,
        # occurred_at), and every unique index must hold the month: a retry is the same event at the same time, so
        # (source, event id, time) is what keeps it stored once.
        constraints = [
            models.UniqueConstraint(fields=["source_id", "event_id", "occurred_at"], name="usage_event_unique_at")
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.account_id}/{self.user_id} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class CustomMetricValue(models.Model):
    """A value of a custom metric pushed for an account (API or CSV), stored raw; the metrics engine reads it.

    One value per (metric key, account, timestamp): a re-sent value replaces the earlier one.
    """

    metric = models.CharField(max_length=100)
    account_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH)
    timestamp = models.DateTimeField()
    value = models.DecimalField(max_digits=24, decimal_places=6)
    source_id = models.BigIntegerField(default=0)
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["metric", "account_id", "-timestamp"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "account_id", "timestamp"], name="usage_metric_value_unique")
        ]
        indexes = [models.Index(fields=["account_id", "metric", "-timestamp"], name="usage_metric_acc_idx")]

    def __str__(self) -> str:
        return f"{self.metric} of {self.account_id} @ {self.timestamp:%Y-%m-%d}: {self.value}"


class EventRetention(models.Model):
    """The first day whose raw events are still kept (one row, written by the retention job when it drops months).

    Events older than USAGE_EVENT_RETENTION_DAYS are dropped a whole month at a time; what was derived from them
    (sessions, roll-ups, ranks, metric values) stays. A day before `events_from` cannot be computed again: its
    roll-ups would be rebuilt from nothing.
    """

    events_from = models.DateField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"events kept from {self.events_from}"


class EventCursor(models.Model):
    """How far a job has read the events table (by id): it resumes after `last_event_id`."""

    name = models.CharField(max_length=50, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.last_event_id}"


# The tables below are derived data, rewritten set-based by the pipeline from joins with accounts and contacts:
# their foreign keys are not database constraints (db_constraint=False), because checking millions of rows at each
# commit would cost more than the roll-up itself. Deleting an account still removes them (Django's cascade).
#
# They carry as few indexes as their readers need: every index is written (and WAL-logged) for each of the ~1 million
# rows a day adds. The pipeline replaces a whole day at a time, so the roll-ups' per-day lookups go through a BRIN
# index on `date` (PostgreSQL; migration usage 0005), which costs almost nothing on rows appended in date order.


class UsageSession(models.Model):
    """A run of one contact's events in one account with no gap of 30 minutes or more (or one client session id).

    Sessions are derived per UTC day: a session that crosses midnight counts once on each side, so every day can be
    recomputed on its own. `seconds` is the active time the client reported (sessionSync), else the longer of the
    span from first to last event and the module time reported inside it.

    (date, account, user_id, session_key) is unique by construction (one GROUP BY writes a day). Only whole days
    are read (the day's roll-up, 30 days of distinct users), through the BRIN index on `date`; purging an account
    scans the table. On PostgreSQL the table is partitioned by month of `date` and keyed by (id, date) (migration
    usage 0007), so a day's rewrite touches one month's partition whatever the history kept.
    """

    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="usage_sessions",
    )
    # Who the user was at the time; a deleted contact's past sessions keep the id (they are history, and nothing
    # reads a session's contact but the same day's roll-up).
    contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        blank=True,
        related_name="usage_sessions",
    )
    user_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    date = models.DateField()
    session_key = models.CharField(max_length=NAME_MAX_LENGTH + 10)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    seconds = models.FloatField()
    events = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.user_id}@{self.account_id} {self.started_at:%Y-%m-%d %H:%M} ({self.seconds:.0f}s)"


class AccountUsageDaily(models.Model):
    """One account's usage on one UTC day: events, distinct active users, sessions and session time."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="usage_days"
    )
    date = models.DateField()
    events = models.PositiveIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    session_seconds = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "date"], name="usage_account_daily_unique")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.date}: {self.events} events"


class ContactUsageDaily(models.Model):
    """One contact's usage in one account on one UTC day."""

    # No index of their own: the pipeline reads whole days (BRIN), and deleting an account or a contact (purges and
    # admin only: the app soft-deletes accounts and unlinks contacts) scans this table once.
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="usage_days"
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.CASCADE,
        db_constraint=False,
        db_index=False,
        related_name="contact_usage_days",
    )
    date = models.DateField()
    events = models.PositiveIntegerField(default=0)
    sessions = models.PositiveIntegerField(default=0)
    session_seconds = models.FloatField(default=0)

    def __str__(self) -> str:
        return f"{self.contact_id}@{self.account_id} {self.date}"


class ModuleUsageDaily(models.Model):
    """Time one user spent in one module of the product, in one account on one UTC day."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="module_days"
    )
    date = models.DateField()
    module = models.CharField(max_length=NAME_MAX_LENGTH)
    user_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    seconds = models.FloatField(default=0)
    events = models.PositiveIntegerField(default=0)

    class Meta:
        # (account, date, module, user_id) is unique by construction (one GROUP BY writes a day). Date first, so a
        # day's rows are appended to the index; the account page probes it once per day of its window.
        indexes = [models.Index(fields=["date", "account"], name="usage_module_day_account")]

    def __str__(self) -> str:
        return f"{self.module} {self.account_id}/{self.user_id} {self.date}: {self.seconds:.0f}s"


class FeatureUsageDaily(models.Model):
    """How many times one user used one feature, in one account on one UTC day."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, db_constraint=False, db_index=False, related_name="feature_days"
    )
    date = models.DateField()
    feature = models.CharField(max_length=NAME_MAX_LENGTH)
    module = models.CharField(max_length=NAME_MAX_LENGTH, blank=True)
    user_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    count = models.FloatField(default=0)

    class Meta:
        # (account, date, feature, module, user_id) is unique by construction (one GROUP BY writes a day). Date
        # first, so a day's rows are appended to the index; the account page probes it once per day of its window.
        indexes = [models.Index(fields=["date", "account"], name="usage_feature_day_account")]

    def __str__(self) -> str:
        return f"{self.feature} {self.account_id}/{self.user_id} {self.date}: {self.count:g}"


class ActivityEntity(models.TextChoices):
    ACCOUNT = "account", "Account"
    CONTACT = "contact", "Contact"


class ActivityRank(models.Model):
    """The daily activity rank (0-100 percentile of session time over 30 days) of an account or a contact, and the
    sign of its 30-day trend.

    Each row also keeps the least-squares sums over the ranks of its 30-day window (day number x counted from
    2000-01-01, rank y in thousandths), as exact integers, so that the next day's trend is this row's sums plus the
    new rank minus the one that left the window, instead of a pass over 30 days of ranks. A row with `trend_n` 0
    has no sums (written before they existed): the next day recomputes them from the stored ranks.
    """

    entity = models.CharField(max_length=10, choices=ActivityEntity.choices)
    object_id = models.BigIntegerField()
    date = models.DateField()
    seconds_30d = models.FloatField()
    rank = models.FloatField()
    trend = models.SmallIntegerField(default=0, help_text="-1 falling, 0 flat, 1 rising.")
    trend_n = models.PositiveSmallIntegerField(default=0)
    trend_sx = models.BigIntegerField(default=0)
    trend_sy = models.BigIntegerField(default=0)
    trend_sxy = models.BigIntegerField(default=0)

    class Meta:
        # Date before object: a day's rows are appended at the end of the index, and days are what the pipeline
        # and the pages read (the latest day, yesterday's ranks, the rank that leaves the window, and the ranks
        # of an object whose sums are rebuilt, probed day by day).
        constraints = [
            models.UniqueConstraint(fields=["entity", "date", "object_id"], name="usage_activity_rank_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.object_id} {self.date}: {self.rank:.0f}"
