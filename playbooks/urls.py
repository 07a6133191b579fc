from django.urls import path

from playbooks import views

app_name = "playbooks"

urlpatterns = [
    path("playbooks/", views.playbook_list, name="list"),
    path("playbooks/new/", views.playbook_create, name="create"),
    path("playbooks/<int:pk>/", views.playbook_edit, name="edit"),
    path("playbooks/<int:pk>/delete/", views.playbook_delete, name="delete"),
    path("accounts/<int:account_pk>/playbooks/", views.account_playbooks, name="account"),
    path("accounts/<int:account_pk>/playbooks/launch/", views.playbook_launch, name="launch"),
]
