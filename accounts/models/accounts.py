"""Accounts, their hierarchy, CSM assignments, stage and NPS history, custom dimension values."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from accounts.ids import EXTERNAL_ID_MAX_LENGTH, normalize_external_id
from accounts.models.picklists import DimensionValue, Stage, Tier
from core.models import TimeStampedModel

# The ids of an account in other systems, each unique among live accounts: (field, constraint name, label).
EXTERNAL_ID_CONSTRAINTS = (
    ("crm_account_id", "acc_crm_id_live_unique", "CRM account id"),
    ("billing_account_id", "acc_billing_id_live_unique", "billing account id"),
    ("support_account_id", "acc_support_id_live_unique", "support account id"),
)


class Account(TimeStampedModel):
    """A customer company of our user's SaaS business.

    `account_id` is the id shared with other systems (never a float). Churned accounts keep their data and are
    inactive; deleted accounts are soft-deleted (hidden, purged later) and their `account_id` is not re-created
    by a sync until restored.
    """

    account_id = models.CharField("account id", max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=200)
    join_date = models.DateField(null=True, blank=True)
    renewal_date = models.DateField(null=True, blank=True, help_text="Nearest upcoming renewal.")
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, null=True, blank=True, related_name="accounts")
    csm_score = models.PositiveSmallIntegerField(
        "CSM score", null=True, blank=True, validators=[MaxValueValidator(100)], help_text="0-100, subjective."
    )
    nps = models.SmallIntegerField(
        "NPS",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Latest NPS score, 0-10.",
    )
    industry = models.CharField(max_length=100, blank=True)
    employees = models.PositiveIntegerField(null=True, blank=True)
    website = models.URLField(max_length=300, blank=True)
    billing_address = models.TextField(blank=True)
    source = models.CharField(max_length=100, blank=True, help_text="Where the account came from (CRM, API, ...).")
    description = models.TextField(blank=True)
    crm_account_id = models.CharField("CRM account id", max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    billing_account_id = models.CharField("billing account id", max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    support_account_id = models.CharField("support account id", max_length=EXTERNAL_ID_MAX_LENGTH, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="children", verbose_name="parent account"
    )
    hierarchy_label = models.CharField(max_length=80, blank=True, help_text="Level in the hierarchy, e.g. Region.")
    status_title = models.CharField("latest status", max_length=200, blank=True)
    status_details = models.TextField("status details", blank=True)
    status_date = models.DateField("status date", null=True, blank=True)
    churned_on = models.DateField(null=True, blank=True)
    churn_reason = models.CharField(max_length=300, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)

    csms = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="AccountCSM",
        through_fields=("account", "user"),
        related_name="csm_accounts",
        blank=True,
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["name", "id"], name="acc_name_idx"),
            models.Index(fields=["join_date"], name="acc_join_idx"),
            models.Index(fields=["renewal_date"], name="acc_renewal_idx"),
            models.Index(fields=["stage", "name"], name="acc_stage_name_idx"),
            models.Index(fields=["tier", "name"], name="acc_tier_name_idx"),
            models.Index(fields=["churned_on"], name="acc_churned_idx"),
            # The Active view's count and accounts-by-stage summary read this small index only.
            models.Index(
                fields=["stage"], name="acc_active_stage_idx", condition=Q(is_deleted=False, churned_on__isnull=True)
            ),
            # Counts of the live accounts by view, stage or tier, and their joins with a metric's current values (a
            # metric column filtered or counted), read this narrow index alone (index-only), not the wide table.
            models.Index(
                fields=["id"],
                include=["churned_on", "stage", "tier"],
                name="acc_live_idx",
                condition=Q(is_deleted=False),
            ),
            # A search too short for the trigram indexes (one or two letters) counts its matches from the names and
            # ids in this index, without reading the table.
            models.Index(
                fields=["name", "account_id"],
                include=["churned_on"],
                name="acc_live_search_idx",
                condition=Q(is_deleted=False),
            ),
            # acc_csm_score_sort_idx (CSM score, highest first, NULLS LAST) is created by migration 0004 on
            # PostgreSQL only: SQLite cannot declare NULLS LAST in an index.
        ]
        constraints = [
            models.CheckConstraint(condition=Q(csm_score__lte=100), name="acc_csm_score_0_100"),
            models.CheckConstraint(condition=Q(nps__gte=0, nps__lte=10), name="acc_nps_0_10"),
            # Webhooks and syncs route tickets, invoices and CRM updates by these ids: each names one live account.
            # The partial unique indexes also serve those lookups (they replace plain indexes).
            *(
                models.UniqueConstraint(
                    fields=[field],
                    condition=Q(is_deleted=False) & ~Q(**{field: ""}),
                    name=name,
                    violation_error_code="unique",
                    violation_error_message=f"Another account already has this {label}.",
                )
                for field, name, label in EXTERNAL_ID_CONSTRAINTS
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:detail", args=[self.pk])

    @property
    def is_churned(self) -> bool:
        return self.churned_on is not None

    @property
    def is_active(self) -> bool:
        return not self.is_churned and not self.is_deleted

    def clean(self) -> None:
        try:
            self.account_id = normalize_external_id(self.account_id, label="account id")
        except ValidationError as exc:
            raise ValidationError({"account_id": exc.messages}) from None
        self.name = (self.name or "").strip()
        if not self.name:
            raise ValidationError({"name": "The name is required."})
        if self.parent_id and self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": "An account cannot be its own parent."})


class AccountCSM(models.Model):
    """A current CSM assignment: an account may have several CSMs, and each counts it fully."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="csm_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="csm_links")
    assigned_at = models.DateTimeField()
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "CSM assignment"
        constraints = [models.UniqueConstraint(fields=["account", "user"], name="accounts_csm_unique")]
        indexes = [models.Index(fields=["user", "account"], name="acc_csm_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} on {self.account}"


class AssignmentHistory(models.Model):
    """Who was an account's CSM from when to when, so past reports can attribute by the CSM at the time."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="assignment_history")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignment_history")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "assignment history"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["account", "-started_at"], name="acc_assign_hist_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "user"], condition=Q(ended_at__isnull=True), name="acc_one_open_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.account} from {self.started_at:%Y-%m-%d}"


class StageHistory(models.Model):
    """One period of an account in a stage; the open period has no end."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="stage_history")
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="history")
    start = models.DateField()
    end = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "stage history"
        ordering = ["-start", "-id"]
        indexes = [models.Index(fields=["account", "-start"], name="acc_stage_hist_idx")]
        constraints = [
            models.UniqueConstraint(fields=["account"], condition=Q(end__isnull=True), name="acc_one_open_stage")
        ]

    def __str__(self) -> str:
        return f"{self.account}: {self.stage} from {self.start}"


class NpsResponse(models.Model):
    """One NPS survey answer (0-10) for an account; the latest sets the account's current NPS."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="nps_history")
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    date = models.DateField()
    respondent = models.CharField(max_length=200, blank=True)
    contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True)
    survey = models.CharField(max_length=200, blank=True)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "NPS response"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["account", "-date"], name="acc_nps_idx")]
        constraints = [models.CheckConstraint(condition=Q(score__lte=10), name="acc_nps_response_0_10")]

    def __str__(self) -> str:
        return f"{self.account}: {self.score} on {self.date}"


class AccountDimensionValue(DimensionValue):
    """An account's value of a custom dimension."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="dimension_values")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "dimension"], name="acc_dim_value_unique")]
        indexes = [
            models.Index(fields=["dimension", "value_text"], name="acc_dim_text_idx"),
            models.Index(fields=["dimension", "value_number"], name="acc_dim_number_idx"),
        ]


class PurgedAccountId(models.Model):
    """An external account id whose account was deleted and purged: syncs still refuse to re-create it."""

    account_id = models.CharField(max_length=EXTERNAL_ID_MAX_LENGTH, unique=True)
    name = models.CharField(max_length=200, blank=True)
    purged_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.account_id


class AccountListPreference(models.Model):
    """A team member's chosen columns on the account list."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_list_pref")
    columns = models.JSONField(default=list)
    per_page = models.PositiveSmallIntegerField(default=50)

    def __str__(self) -> str:
        return f"Account list columns of {self.user}"
