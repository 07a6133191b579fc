from django.urls import path

from revenue import views

app_name = "revenue"

urlpatterns = [
    path("settings/currencies/", views.currencies, name="currencies"),
    path("settings/currencies/base/", views.base_currency, name="base_currency"),
    path("settings/currencies/add/", views.currency_add, name="currency_add"),
    path("settings/currencies/<str:code>/delete/", views.currency_delete, name="currency_delete"),
    path("settings/currencies/rates/add/", views.rate_add, name="rate_add"),
    path("settings/currencies/rates/<int:pk>/delete/", views.rate_delete, name="rate_delete"),
]
