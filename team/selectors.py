"""Reads for the team pages."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from team.models import Invitation, Role, TeamGroup, User


def members_list() -> QuerySet[User]:
    """Every team member with role, groups and whether they have an authenticator, for the team page."""
    has_totp = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
    return (
        User.objects.select_related("role")
        .prefetch_related(Prefetch("team_groups", queryset=TeamGroup.objects.only("id", "name")))
        .annotate(has_2fa=Exists(has_totp))
        .order_by("-is_active", "full_name", "email")
    )


def invitations_open() -> QuerySet[Invitation]:
    """Invitations not yet accepted or revoked (pending or expired), newest first."""
    return Invitation.objects.filter(accepted_at=None, revoked_at=None).select_related("role", "invited_by")


def roles_list() -> QuerySet[Role]:
    from django.db.models import Count

    return Role.objects.annotate(member_count=Count("members")).order_by("name")


def groups_list() -> QuerySet[TeamGroup]:
    return TeamGroup.objects.prefetch_related("members").order_by("name")
