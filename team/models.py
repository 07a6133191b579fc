"""Team members, roles and their permissions, team groups, invitations and workspace settings."""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone as dj_timezone

from core.models import TimeStampedModel


class TeamPermission(models.TextChoices):
    """The permissions a role grants; each is a boolean field of Role with the same name."""

    CONFIGURE_SETTINGS = "configure_settings", "Configure product settings"
    UPDATE_ACCOUNTS = "update_accounts", "Update accounts"
    VIEW_ALL_ACCOUNTS = "view_all_accounts", "View all accounts"
    CONFIGURE_CONNECTORS = "configure_connectors", "Configure data connectors"
    MANAGE_USERS = "manage_users", "Manage users"
    OWN_ACCOUNTS = "own_accounts", "Own accounts"


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a known time zone.")


class Role(TimeStampedModel):
    """A named set of permissions every team member has one of, with the page its members land on."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    configure_settings = models.BooleanField("configure product settings", default=False)
    update_accounts = models.BooleanField("update accounts", default=False)
    view_all_accounts = models.BooleanField(
        "view all accounts", default=False, help_text="Without it a member sees only the accounts assigned to them."
    )
    configure_connectors = models.BooleanField("configure data connectors", default=False)
    manage_users = models.BooleanField("manage users", default=False)
    own_accounts = models.BooleanField("own accounts", default=False, help_text="Can be assigned as an account's CSM.")
    landing_page = models.CharField(max_length=40, default="home")
    require_2fa = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="Members without an authenticator are sent to set one up before anything else.",
    )
    is_builtin = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_perm(self, permission: str) -> bool:
        return bool(getattr(self, TeamPermission(permission).value))

    @property
    def permission_labels(self) -> list[str]:
        return [label for value, label in TeamPermission.choices if getattr(self, value)]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A team member: a person who logs in with their email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, null=True, blank=True, related_name="members")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Can log in to Django admin.")
    date_joined = models.DateTimeField(default=dj_timezone.now)
    deactivated_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def initials(self) -> str:
        parts = (self.full_name or self.email).replace("@", " ").split()
        return "".join(part[0] for part in parts[:2]).upper()

    def has_team_perm(self, permission: str) -> bool:
        """Whether this member's role grants `permission`; superusers have every permission."""
        if not self.is_active:
            return False
        if self.is_superuser:
            return True
        return self.role is not None and self.role.has_perm(permission)

    @property
    def has_confirmed_device(self) -> bool:
        from django_otp import devices_for_user

        return any(True for _ in devices_for_user(self, confirmed=True))

    @property
    def requires_2fa(self) -> bool:
        return self.role is not None and self.role.require_2fa


class TeamGroup(TimeStampedModel):
    """A named group of team members that tasks and alerts can be sent to."""

    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(User, blank=True, related_name="team_groups")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class InvitationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Invitation(models.Model):
    """An emailed invitation to join the team with a role; only a hash of its link token is stored."""

    email = models.EmailField()
    role = models.ForeignKey(Role, on_delete=models.CASCADE, related_name="invitations")
    groups = models.ManyToManyField(TeamGroup, blank=True, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="invitations_sent")
    created_at = models.DateTimeField(default=dj_timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="invitation_accepted"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email} ({self.status})"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return InvitationStatus.ACCEPTED
        if self.revoked_at:
            return InvitationStatus.REVOKED
        if self.expires_at <= dj_timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class WorkspaceSettings(models.Model):
    """Installation-wide product settings; a single row."""

    company_name = models.CharField(max_length=120, default="Our company")
    default_timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "workspace settings"
        verbose_name_plural = "workspace settings"

    def __str__(self) -> str:
        return self.company_name

    @classmethod
    def load(cls) -> WorkspaceSettings:
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
