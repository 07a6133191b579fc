from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from core import views as core_views
from integrations.api import urls as api_urls
from team import views as team_views
from team.forms import LoginForm, QueuedPasswordResetForm

# Django admin signs in through the product's own login, so throttling and two-factor apply there too.
admin.site.login = login_required(admin.site.login)
admin.site.site_header = "Natero administration"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("home/<slug:key>/", core_views.home_block, name="home_block"),
    path("healthz", core_views.healthz, name="healthz"),
    path(
        "login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        team_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("settings/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("settings/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include((api_urls(), "api"))),
    path("", include("integrations.urls")),
    path("", include("revenue.urls")),
    path("settings/metrics/", include("metrics.urls")),
    path("lists/", include("segments.urls")),
    path("health/", include("healthscore.urls")),
    path("", include("team.urls")),
    path("", include("tasks.urls")),
    path("", include("playbooks.urls")),
    path("", include("alerts.urls")),
]

handler403 = "core.views.permission_denied"
handler404 = "core.views.page_not_found"
handler400 = "core.views.bad_request"
