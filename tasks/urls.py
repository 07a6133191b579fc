from django.urls import path

from tasks import views

app_name = "tasks"

urlpatterns = [
    path("tasks/", views.task_list, name="list"),
    path("tasks/mine/", views.my_tasks, name="mine"),
    path("tasks/bulk/", views.bulk, name="bulk"),
    path("tasks/reports/", views.task_reports, name="reports"),
    path("tasks/<int:pk>/", views.task_detail, name="detail"),
    path("tasks/<int:pk>/close/", views.task_close, name="close"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="reopen"),
    path("tasks/<int:pk>/delete/", views.task_delete, name="delete"),
    path("tasks/<int:pk>/checklist/", views.subtask_add, name="subtask_add"),
    path("tasks/<int:pk>/checklist/<int:subtask_pk>/done/", views.subtask_toggle, name="subtask_toggle"),
    path("tasks/<int:pk>/checklist/<int:subtask_pk>/move/", views.subtask_move, name="subtask_move"),
    path("tasks/<int:pk>/checklist/<int:subtask_pk>/delete/", views.subtask_delete, name="subtask_delete"),
    path("accounts/<int:account_pk>/tasks/", views.account_tasks, name="account"),
    path("accounts/<int:account_pk>/tasks/new/", views.task_create, name="create"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/bell/", views.notification_bell, name="bell"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
]
