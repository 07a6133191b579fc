"""Alert rules, their types, and the alerts they fire for accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from core.models import TimeStampedModel

BUILTIN_TYPES = ["Churn", "Renewal", "Expansion", "Conversion", "Engagement"]


class AlertType(models.Model):
    """A kind of alert: the built-in five, or a custom one typed once and kept for reuse."""

    name = models.CharField(max_length=60, unique=True)
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-is_builtin", "name"]

    def __str__(self) -> str:
        return self.name


class AlertRule(TimeStampedModel):
    """Conditions on accounts (the lists' condition language) that fire an alert for each matching account.

    Retrigger (SPEC): it fires for an account when it matches and there is no alert yet for the pair, or the last
    one is closed or dismissed, never-retrigger is off and now >= its triggered time + `retrigger_delay_days`;
    a snoozed alert holds the rule off until its snooze ends. With a `segment` (a saved account list) only the
    accounts of that list fire; `segment_name` keeps its name so that a rule whose list was deleted can say so
    (it is then broken, not widened to every account). `problem` says what broke (a deleted metric or list) when
    the last evaluation could not run it.
    """

    name = models.CharField(max_length=150)
    type = models.ForeignKey(AlertType, on_delete=models.PROTECT, related_name="rules")
    description = models.TextField(blank=True)
    conditions = models.JSONField(default=dict, blank=True)
    segment = models.ForeignKey(
        "segments.Segment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="alert_rules",
        verbose_name="only accounts of list",
        help_text="Optional: the rule fires only for accounts of this saved list (and its own conditions).",
    )
    segment_name = models.CharField(max_length=150, blank=True, editable=False)
    playbook = models.ForeignKey(
        "playbooks.Playbook", on_delete=models.SET_NULL, null=True, blank=True, related_name="alert_rules"
    )
    trigger_for_churned = models.BooleanField("trigger for churned accounts", default=False)
    retrigger_delay_days = models.PositiveIntegerField("retrigger delay (days)", default=0)
    never_retrigger = models.BooleanField(default=False)
    auto_generate_task = models.BooleanField("generate a task", default=False)
    subscribed_group = models.ForeignKey(
        "team.TeamGroup", on_delete=models.SET_NULL, null=True, blank=True, related_name="alert_rules"
    )
    is_active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_triggered_at = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=500, blank=True)
    example_key = models.CharField(max_length=60, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(retrigger_delay_days__lte=3650), name="alert_rule_delay_bounded")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("alerts:rule_edit", args=[self.pk])


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    SNOOZED = "snoozed", "Snoozed"
    DISMISSED = "dismissed", "Dismissed"
    CLOSED = "closed", "Closed"


class Alert(models.Model):
    """One firing of a rule for an account, with the reasons (the values that made each condition true).

    An open alert may have become a task (`task`); closing that task closes the alert with its outcome. At most
    one open alert per (rule, account) is held by a partial unique index, so concurrent evaluations cannot
    double-fire.
    """

    # No index of their own: the (rule, account, time) and (account, status) indexes below lead with them.
    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts", db_index=False)
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="alerts", db_index=False)
    status = models.CharField(max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    triggered_at = models.DateTimeField()
    reasons = models.JSONField(default=list, blank=True)
    task = models.OneToOneField("tasks.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="alert")
    snoozed_until = models.DateTimeField(null=True, blank=True)
    snooze_reason = models.CharField(max_length=300, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When it was dismissed or closed.")
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-triggered_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "account"], condition=Q(status="open"), name="alert_one_open_per_rule_account"
            )
        ]
        indexes = [
            models.Index(fields=["status", "-triggered_at", "-id"], name="alert_status_time_idx"),
            models.Index(fields=["rule", "account", "-triggered_at"], name="alert_rule_account_idx"),
            models.Index(fields=["account", "status"], name="alert_account_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} on {self.account}"
