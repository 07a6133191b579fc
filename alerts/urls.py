from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("alerts/", views.alert_list, name="list"),
    path("alerts/bulk/", views.alert_bulk, name="bulk"),
    path("alerts/<int:pk>/dismiss/", views.alert_dismiss, name="dismiss"),
    path("alerts/<int:pk>/snooze/", views.alert_snooze, name="snooze"),
    path("alerts/<int:pk>/close/", views.alert_close, name="close"),
    path("alerts/<int:pk>/delete/", views.alert_delete, name="delete"),
    path("alerts/<int:pk>/convert/", views.alert_convert, name="convert"),
    path("alerts/rules/", views.rule_list, name="rules"),
    path("alerts/rules/bulk/", views.rule_bulk, name="rule_bulk"),
    path("alerts/rules/new/", views.rule_create, name="rule_create"),
    path("alerts/rules/preview/", views.rule_preview, name="rule_preview"),
    path("alerts/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("alerts/rules/<int:pk>/copy/", views.rule_copy, name="rule_copy"),
    path("alerts/rules/<int:pk>/run/", views.rule_run, name="rule_run"),
    path("alerts/rules/<int:pk>/delete-alerts/", views.rule_delete_alerts, name="rule_delete_alerts"),
    path("alerts/rules/<int:pk>/why-not/", views.rule_why_not, name="rule_why_not"),
    path("accounts/<int:account_pk>/alerts/", views.account_alerts, name="account"),
]
