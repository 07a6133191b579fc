"""Services that change team state: roles, members, groups, invitations and two-factor devices."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.emails import queue_email
from team.constants import BACKUP_CODE_COUNT, DEFAULT_ROLES
from team.models import Invitation, InvitationStatus, Role, TeamGroup, TeamPermission, User, WorkspaceSettings
from team.throttling import lockout_clear, normalize_login_email


class InvitationError(Exception):
    """An invitation link that cannot be used; `status` says why (expired, accepted, revoked, unknown)."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


# Roles ---------------------------------------------------------------------------------------------------------


def roles_install_defaults() -> list[Role]:
    """Create the default roles that do not exist yet; existing roles keep their edited permissions."""
    roles = []
    for spec in DEFAULT_ROLES:
        role, _ = Role.objects.get_or_create(name=spec["name"], defaults={**spec, "is_builtin": True})
        roles.append(role)
    return roles


def _lacking(by: User | None, permissions: list[str]) -> list[str]:
    """The `permissions` that `by` does not hold (none for the system, `by=None`, or a superuser)."""
    if by is None:
        return []
    return [p for p in permissions if not by.has_team_perm(p)]


def _label(permission: str) -> str:
    return TeamPermission(permission).label


def _check_role_grantable(role: Role, by: User | None, field: str) -> None:
    """Refuse giving someone `role` when it holds a permission `by` lacks (ValidationError on `field`)."""
    missing = _lacking(by, [p for p in TeamPermission.values if getattr(role, p)])
    if missing:
        names = ", ".join(f"“{_label(p)}”" for p in missing)
        raise ValidationError(
            {field: f"The role {role.name} grants {names}, which you do not have: you cannot give it to anyone."}
        )


def _check_may_change(member: User, by: User | None) -> None:
    """Only a superuser changes a superuser (their role, name, activity or two-factor devices)."""
    if by is not None and member.is_superuser and not by.is_superuser:
        raise PermissionDenied("Only a superuser can change a superuser.")


@transaction.atomic
def role_save(*, role: Role, by: User | None = None) -> Role:
    """Save a role. `by` may only switch on permissions they hold themselves (ValidationError per field);
    permissions the role already had may stay."""
    before = Role.objects.filter(pk=role.pk).first() if role.pk else None
    switched_on = [p for p in TeamPermission.values if getattr(role, p) and not (before and getattr(before, p))]
    missing = _lacking(by, switched_on)
    if missing:
        raise ValidationError({p: f"You cannot grant “{_label(p)}”: your own role does not have it." for p in missing})
    role.full_clean()
    role.save()
    return role


def role_delete(*, role: Role) -> None:
    """Delete a role nobody holds; a role with members or open invitations is refused."""
    if role.members.exists():
        raise ValidationError("This role still has members: give them another role first.")
    role.delete()


# Members -------------------------------------------------------------------------------------------------------


@transaction.atomic
def member_update(*, member: User, full_name: str, role: Role | None, groups: list[TeamGroup], by: User) -> User:
    """Change a member's name, role and groups. A member cannot take away their own user management, give a
    role holding a permission they lack, or change a superuser unless they are one (PermissionDenied)."""
    _check_may_change(member, by)
    if role is not None and role.pk != member.role_id:
        _check_role_grantable(role, by, "role")
    if member == by and role is not None and not role.manage_users and not by.is_superuser:
        raise ValidationError({"role": "You cannot remove your own permission to manage users."})
    member.full_name = full_name
    member.role = role
    member.full_clean()
    member.save()
    member.team_groups.set(groups)
    return member


@transaction.atomic
def member_deactivate(*, member: User, by: User) -> User:
    """Make a member inactive: they can no longer log in, and their sessions end. Their data stays.

    Only a superuser deactivates a superuser (PermissionDenied)."""
    _check_may_change(member, by)
    if member == by:
        raise ValidationError("You cannot deactivate yourself.")
    member.is_active = False
    member.deactivated_at = timezone.now()
    member.save(update_fields=["is_active", "deactivated_at"])
    return member


@transaction.atomic
def member_reactivate(*, member: User, by: User | None = None) -> User:
    """Let an inactive member log in again; only a superuser reactivates a superuser (PermissionDenied)."""
    _check_may_change(member, by)
    member.is_active = True
    member.deactivated_at = None
    member.save(update_fields=["is_active", "deactivated_at"])
    return member


@transaction.atomic
def member_password_reset_done(*, member: User) -> None:
    """After a member set a new password through an emailed reset link: forget the failed logins counted for
    their address, so the new password works at once (the link proved the mailbox)."""
    lockout_clear(email=member.email)


@transaction.atomic
def member_update_profile(*, member: User, full_name: str, timezone_name: str) -> User:
    member.full_name = full_name
    member.timezone = timezone_name
    member.full_clean()
    member.save(update_fields=["full_name", "timezone"])
    return member


# Groups --------------------------------------------------------------------------------------------------------


@transaction.atomic
def group_save(*, group: TeamGroup, members: list[User]) -> TeamGroup:
    group.full_clean()
    group.save()
    group.members.set(members)
    return group


# Invitations ---------------------------------------------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _send_invitation(invitation: Invitation, token: str) -> None:
    link = settings.SITE_URL + reverse("team:invitation_accept", args=[token])
    queue_email(
        "invitation",
        {
            "link": link,
            "role": invitation.role.name,
            "inviter": invitation.invited_by.display_name if invitation.invited_by else settings.SITE_NAME,
            "expires_at": invitation.expires_at,
            "site_name": settings.SITE_NAME,
        },
        [invitation.email],
        # Not a member yet: new members start with the workspace's default time zone.
        timezone_name=WorkspaceSettings.load().default_timezone,
    )


@transaction.atomic
def invitation_create(*, email: str, role: Role, groups: list[TeamGroup], invited_by: User) -> tuple[Invitation, str]:
    """Invite `email` to join with `role`: store the invitation and email its link once committed.

    A newer invitation replaces an open one for the same address. Returns the invitation and its raw token.
    Refuses a role holding a permission the inviter lacks (ValidationError on `role`).
    """
    _check_role_grantable(role, invited_by, "role")
    email = normalize_login_email(email)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "A team member with this email address already exists."})
    Invitation.objects.filter(email__iexact=email, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        token_hash=_hash_token(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    invitation.groups.set(groups)
    _send_invitation(invitation, token)
    return invitation, token


@transaction.atomic
def invitation_resend(*, invitation: Invitation) -> str:
    """Give a pending or expired invitation a fresh link and expiry, and email it again."""
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise ValidationError("Only pending or expired invitations can be sent again.")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash_token(token)
    invitation.expires_at = timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS)
    invitation.save(update_fields=["token_hash", "expires_at"])
    _send_invitation(invitation, token)
    return token


def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.ACCEPTED:
        raise ValidationError("This invitation was already accepted.")
    Invitation.objects.filter(pk=invitation.pk, revoked_at=None).update(revoked_at=timezone.now())


def invitation_for_token(token: str) -> Invitation:
    """The usable invitation behind a link token, or InvitationError saying why it cannot be used."""
    invitation = Invitation.objects.select_related("role").filter(token_hash=_hash_token(token)).first()
    if invitation is None:
        raise InvitationError("unknown")
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationError(invitation.status)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the team member an invitation names, with its role and groups; a link works once only.

    Clears the login lockout of the address."""
    invitation = invitation_for_token(token)
    # Lock the row so two concurrent submissions of the same link cannot both create a member.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != InvitationStatus.PENDING:
        raise InvitationError(invitation.status)
    user = User(email=invitation.email, full_name=full_name.strip(), role=invitation.role)
    validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        raise InvitationError("accepted") from exc
    user.team_groups.set(invitation.groups.all())
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    # The link proved the mailbox, as a password reset does: failed logins counted for it are forgotten.
    lockout_clear(email=user.email)
    return user


# Two-factor authentication ---------------------------------------------------------------------------------------


def totp_device_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator device for `user` to scan; an earlier unconfirmed one is replaced."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the device when `token` is its current code; returns fresh backup codes, or None when wrong."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=device.user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_regenerate(user=device.user)


@transaction.atomic
def backup_codes_regenerate(*, user: User) -> list[str]:
    """Replace the member's backup codes with new single-use ones and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Backup codes", defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def twofactor_remove(*, user: User) -> None:
    """Remove every authenticator and backup code of `user` (their own choice, or an admin's reset)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


@transaction.atomic
def member_twofactor_reset(*, member: User, by: User) -> None:
    """An admin's reset of another member's two-factor authentication; only a superuser resets a superuser's."""
    _check_may_change(member, by)
    twofactor_remove(user=member)


def second_factor_verify(*, user: User, token: str):
    """The device that accepts `token`, or None.

    A six-digit code goes only to the authenticator and anything else only to the backup codes, so wrong
    authenticator codes (which throttle that device) never lock a member out of their backup codes.
    """
    token = token.strip().replace(" ", "").replace("-", "")
    if token.isdigit() and len(token) == 6:
        devices = TOTPDevice.objects.filter(user=user, confirmed=True)
    else:
        token = token.lower()
        devices = StaticDevice.objects.filter(user=user, confirmed=True)
    for device in devices:
        if device.verify_token(token):
            return device
    return None
