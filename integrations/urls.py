from django.urls import path

from integrations import views, webhooks

app_name = "integrations"

urlpatterns = [
    path("settings/sources/", views.sources, name="sources"),
    path("settings/sources/new/", views.source_create, name="source_create"),
    path("settings/sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("settings/sources/<int:pk>/calls/", views.source_calls, name="source_calls"),
    path("settings/sources/<int:pk>/keys/new/", views.key_issue, name="key_issue"),
    path("settings/sources/<int:pk>/keys/rotate/", views.key_rotate, name="key_rotate"),
    path("settings/sources/<int:pk>/keys/<int:key_pk>/revoke/", views.key_revoke, name="key_revoke"),
    path("settings/sources/<int:pk>/delete/", views.source_delete, name="source_delete"),
    path("webhooks/stripe/<str:public_id>/", webhooks.stripe_webhook, name="stripe_webhook"),
    path("webhooks/zendesk/<str:public_id>/", webhooks.zendesk_webhook, name="zendesk_webhook"),
]
