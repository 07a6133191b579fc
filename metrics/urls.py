from django.urls import path

from metrics import views

app_name = "metrics"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("computed/new/", views.computed_edit, name="computed_create"),
    path("computed/<int:pk>/", views.computed_edit, name="computed_edit"),
    path("formula-check/", views.formula_check, name="formula_check"),
    path("<int:pk>/delete/", views.metric_delete, name="delete"),
]
