"""Team views: sign-in steps, invitations, two-factor setup, profile, and the team settings pages."""

from __future__ import annotations

import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.forms import apply_errors, safe_next
from core.htmx import render_page
from core.navigation import landing_url
from team import selectors, services
from team.decorators import team_permission_required
from team.forms import (
    GroupForm,
    InvitationAcceptForm,
    InvitationForm,
    MemberForm,
    ProfileForm,
    RoleForm,
    TOTPConfirmForm,
    VerifyForm,
    WorkspaceSettingsForm,
)
from team.models import Invitation, Role, TeamGroup, TeamPermission, User, WorkspaceSettings

MANAGE_USERS = TeamPermission.MANAGE_USERS


# Sign-in -------------------------------------------------------------------------------------------------------


@login_required
def landing(request: HttpRequest) -> HttpResponse:
    """Send a member to their role's landing page."""
    role = request.user.role
    return redirect((role and landing_url(role.landing_page)) or reverse("home"))


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Second sign-in step for members with an authenticator: a TOTP code or a backup code."""
    next_url = safe_next(request, reverse("team:landing"))
    if request.user.is_verified():
        return redirect(next_url)
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = services.second_factor_verify(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if device.__class__.__name__ == "StaticDevice":
                remaining = device.token_set.count()
                messages.warning(request, f"You used a backup code; {remaining} remain.")
            return redirect(next_url)
        form.add_error("token", "That code is not valid. Check your authenticator app's clock, or use a backup code.")
    return render(request, "team/verify.html", {"form": form, "next": next_url})


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The page an invitation link opens: set a name and password to join the team."""
    try:
        invitation = services.invitation_for_token(token)
    except services.InvitationError as exc:
        return render(request, "team/invitation_invalid.html", {"reason": exc.status}, status=410)
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token, full_name=form.cleaned_data["full_name"], password=form.cleaned_data["password"]
            )
        except services.InvitationError as exc:
            return render(request, "team/invitation_invalid.html", {"reason": exc.status}, status=410)
        except ValidationError as exc:
            form.add_error("password", exc.messages)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to the team, {user.display_name}.")
            return redirect("team:landing")
    return render(request, "team/invitation_accept.html", {"form": form, "invitation": invitation})


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from an emailed link; a successful reset also lifts a login lockout of the address."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.member_password_reset_done(member=form.user)
        return response


# Own profile and security ----------------------------------------------------------------------------------------


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "timezone": user.timezone})
    if request.method == "POST" and form.is_valid():
        services.member_update_profile(
            member=user, full_name=form.cleaned_data["full_name"], timezone_name=form.cleaned_data["timezone"]
        )
        messages.success(request, "Your profile is saved.")
        return redirect("team:profile")
    return render(request, "team/profile.html", {"form": form})


@login_required
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "has_totp": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "backup_codes_left": sum(d.token_set.count() for d in user.staticdevice_set.all()),
    }
    return render(request, "team/security.html", context)


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
def twofactor_setup(request: HttpRequest) -> HttpResponse:
    """Add an authenticator: scan the QR code (or type the secret), then confirm with a code."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or request.method == "GET":
        device = services.totp_device_start(user=user)
    form = TOTPConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.totp_device_confirm(device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            request.session["new_backup_codes"] = codes
            messages.success(request, "Two-factor authentication is on.")
            return redirect("team:backup_codes")
        form.add_error("token", "That code does not match. Enter the current code your app shows.")
    secret = base64.b32encode(device.bin_key).decode()
    context = {"form": form, "qr": _qr_svg(device.config_url), "secret": secret}
    return render(request, "team/twofactor_setup.html", context)


@login_required
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Show freshly made backup codes once; POST makes a new set (the old ones stop working)."""
    if request.method == "POST":
        if not request.user.has_confirmed_device:
            messages.error(request, "Set up an authenticator app first.")
            return redirect("team:security")
        request.session["new_backup_codes"] = services.backup_codes_regenerate(user=request.user)
        return redirect("team:backup_codes")
    codes = request.session.pop("new_backup_codes", None)
    if not codes:
        return redirect("team:security")
    return render(request, "team/backup_codes.html", {"codes": codes})


@login_required
@require_POST
def twofactor_disable(request: HttpRequest) -> HttpResponse:
    if request.user.requires_2fa:
        messages.error(request, "Your role requires two-factor authentication, so it cannot be turned off.")
    else:
        services.twofactor_remove(user=request.user)
        messages.success(request, "Two-factor authentication is off.")
    return redirect("team:security")


# Team settings -----------------------------------------------------------------------------------------------


MEMBER_STATUSES = [("", "Everyone"), ("active", "Active"), ("inactive", "Inactive"), ("pending", "Invited")]


@team_permission_required(MANAGE_USERS)
def members(request: HttpRequest) -> HttpResponse:
    """Members and open invitations, filtered by a search and a status; htmx swaps just the table."""
    search = request.GET.get("q", "").strip()[:100]
    status = request.GET.get("status", "")
    if status not in dict(MEMBER_STATUSES):
        status = ""
    context = {
        "members": [] if status == "pending" else selectors.members_list(search=search, status=status),
        "invitations": selectors.invitations_open(search=search) if status in ("", "pending") else [],
        "search": search,
        "status": status,
        "statuses": MEMBER_STATUSES,
    }
    return render_page(request, "team/members.html", context, partial="member-table")


@team_permission_required(MANAGE_USERS)
def invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST or None, initial={"role": Role.objects.filter(name="CSM").first()})
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _ = services.invitation_create(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                groups=list(form.cleaned_data["groups"]),
                invited_by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("team:members")
    return render(request, "team/invite.html", {"form": form})


@team_permission_required(MANAGE_USERS)
@require_POST
def invitation_resend(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_resend(invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation sent again to {invitation.email}.")
    return redirect("team:members")


@team_permission_required(MANAGE_USERS)
@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("team:members")


def _changeable_member(request: HttpRequest, pk: int) -> User:
    """The member a user manager works on; a superuser's page is only for superusers (403)."""
    member = get_object_or_404(User.objects.select_related("role"), pk=pk)
    if member.is_superuser and not request.user.is_superuser:
        raise PermissionDenied("Only a superuser can change a superuser.")
    return member


@team_permission_required(MANAGE_USERS)
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    initial = {"full_name": member.full_name, "role": member.role, "groups": member.team_groups.all()}
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.member_update(
                member=member,
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                groups=list(form.cleaned_data["groups"]),
                by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{member.display_name} is saved.")
            return redirect("team:members")
    context = {"member": member, "form": form, "has_2fa": member.has_confirmed_device}
    return render(request, "team/member_edit.html", context)


@team_permission_required(MANAGE_USERS)
@require_POST
def member_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    if request.POST.get("active") == "1":
        services.member_reactivate(member=member, by=request.user)
        messages.success(request, f"{member.display_name} is active again.")
    else:
        try:
            services.member_deactivate(member=member, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{member.display_name} is deactivated and can no longer log in.")
    return redirect("team:member_edit", pk=member.pk)


@team_permission_required(MANAGE_USERS)
@require_POST
def member_reset_2fa(request: HttpRequest, pk: int) -> HttpResponse:
    member = _changeable_member(request, pk)
    services.member_twofactor_reset(member=member, by=request.user)
    messages.success(request, f"Two-factor authentication of {member.display_name} was reset.")
    return redirect("team:member_edit", pk=member.pk)


@team_permission_required(MANAGE_USERS)
def roles(request: HttpRequest) -> HttpResponse:
    return render(request, "team/roles.html", {"roles": selectors.roles_list(), "permissions": TeamPermission})


@team_permission_required(MANAGE_USERS)
def role_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    role = get_object_or_404(Role, pk=pk) if pk else Role()
    form = RoleForm(request.POST or None, instance=role)
    if request.method == "POST":
        if request.POST.get("delete") and role.pk:
            try:
                services.role_delete(role=role)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return redirect("team:role_edit", pk=role.pk)
            messages.success(request, f"Role {role.name} deleted.")
            return redirect("team:roles")
        if form.is_valid():
            try:
                services.role_save(role=form.instance, by=request.user)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Role {role.name} is saved.")
                return redirect("team:roles")
    return render(request, "team/role_edit.html", {"form": form, "role": role})


@team_permission_required(MANAGE_USERS)
def groups(request: HttpRequest) -> HttpResponse:
    return render(request, "team/groups.html", {"groups": selectors.groups_list()})


@team_permission_required(MANAGE_USERS)
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    group = get_object_or_404(TeamGroup, pk=pk) if pk else TeamGroup()
    initial = {"members": group.members.all()} if group.pk else {}
    form = GroupForm(request.POST or None, instance=group, initial=initial)
    if request.method == "POST":
        if request.POST.get("delete") and group.pk:
            group.delete()
            messages.success(request, f"Group {group.name} deleted.")
            return redirect("team:groups")
        if form.is_valid():
            services.group_save(group=form.instance, members=list(form.cleaned_data["members"]))
            messages.success(request, f"Group {group.name} is saved.")
            return redirect("team:groups")
    return render(request, "team/group_edit.html", {"form": form, "group": group})


@team_permission_required(TeamPermission.CONFIGURE_SETTINGS)
def workspace(request: HttpRequest) -> HttpResponse:
    settings_obj = WorkspaceSettings.load()
    form = WorkspaceSettingsForm(request.POST or None, instance=settings_obj)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Workspace settings are saved.")
        return redirect("team:workspace")
    return render_page(request, "team/workspace.html", {"form": form})
