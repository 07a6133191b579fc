from django.urls import path

from segments import views

app_name = "segments"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("builder/row/", views.builder_row, name="builder_row"),
    path("builder/count/", views.builder_count, name="builder_count"),
    path("check/", views.check, name="check"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/export.csv", views.export, name="export"),
]
