"""Reads for the team pages."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from team.models import Invitation, Role, TeamGroup, User


def members_list(*, search: str = "", status: str = "") -> QuerySet[User]:
    """Team members with role, groups and whether they have an authenticator, for the team page.

    `search` matches name or email; `status` is "active", "inactive", or empty for both.
    """
    has_totp = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    members = (
        User.objects.select_related("role")
        .prefetch_related(Prefetch("team_groups", queryset=TeamGroup.objects.only("id", "name")))
        .annotate(has_2fa=Exists(has_totp))
        .order_by("-is_active", "full_name", "email")
    )
    if search:
        members = members.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    if status in ("active", "inactive"):
        members = members.filter(is_active=status == "active")
    return members


def invitations_open(*, search: str = "") -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (pending or expired), newest first."""
    invitations = Invitation.objects.filter(accepted_at=None, revoked_at=None).select_related("role", "invited_by")
    return invitations.filter(email__icontains=search) if search else invitations


def roles_list() -> QuerySet[Role]:
    from django.db.models import Count

    return Role.objects.annotate(member_count=Count("members")).order_by("name")


def groups_list() -> QuerySet[TeamGroup]:
    return TeamGroup.objects.prefetch_related("members").order_by("name")
