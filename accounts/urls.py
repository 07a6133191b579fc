from django.urls import path

from accounts.views import accounts as views
from accounts.views import charts, grid, imports, summary
from accounts.views import list as list_views
from accounts.views import settings as settings_views

app_name = "accounts"

urlpatterns = [
    path("", list_views.account_list, name="list"),
    path("export/", list_views.account_export, name="export"),
    path("summary/<slug:key>/", summary.account_list_summary, name="summary"),
    path("columns/", list_views.account_columns, name="columns"),
    path("bulk-action/", list_views.account_bulk_action, name="bulk_action"),
    path("new/", views.account_create, name="create"),
    path("bulk-edit/", grid.grid, name="grid"),
    path("bulk-edit/add/", grid.grid_add, name="grid_add"),
    path("bulk-edit/<int:pk>/", grid.grid_cell, name="grid_cell"),
    path("import/", imports.import_upload, name="import"),
    path("import/template/<slug:target>/", imports.import_template, name="import_template"),
    path("import/<int:pk>/", imports.import_detail, name="import_detail"),
    path("import/<int:pk>/commit/", imports.import_commit, name="import_commit"),
    path("<int:pk>/", views.account_detail, name="detail"),
    path("<int:pk>/charts/<slug:key>/", charts.account_chart, name="chart"),
    path("<int:pk>/edit/", views.account_edit, name="edit"),
    path("<int:pk>/status/", views.account_status, name="status"),
    path("<int:pk>/csms/", views.csms_assign, name="csms"),
    path("<int:pk>/churn/", views.account_churn, name="churn"),
    path("<int:pk>/unchurn/", views.account_unchurn, name="unchurn"),
    path("<int:pk>/delete/", views.account_delete, name="delete"),
    path("<int:pk>/restore/", views.account_restore, name="restore"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/interactions/new/", views.interaction_add, name="interaction_add"),
    path("<int:pk>/notes/new/", views.note_add, name="note_add"),
    path("<int:pk>/notes/<int:note_pk>/delete/", views.note_delete, name="note_delete"),
    path("<int:pk>/documents/new/", views.document_add, name="document_add"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document_download"),
    path("<int:pk>/documents/<int:document_pk>/delete/", views.document_delete, name="document_delete"),
    path("<int:pk>/tickets/new/", views.ticket_add, name="ticket_add"),
    path("<int:pk>/nps/new/", views.nps_add, name="nps_add"),
    path("settings/stages/", settings_views.picklist, {"kind": "stages"}, name="settings_stages"),
    path("settings/tiers/", settings_views.picklist, {"kind": "tiers"}, name="settings_tiers"),
    path(
        "settings/interaction-types/",
        settings_views.picklist,
        {"kind": "interaction-types"},
        name="settings_interaction_types",
    ),
    path(
        "settings/ticket-fields/",
        settings_views.picklist,
        {"kind": "ticket-options"},
        name="settings_ticket_options",
    ),
    path("settings/dimensions/", settings_views.dimensions, name="settings_dimensions"),
    path("settings/dimensions/new/", settings_views.dimension_edit, name="settings_dimension_create"),
    path("settings/dimensions/<int:pk>/", settings_views.dimension_edit, name="settings_dimension_edit"),
    path("settings/<slug:kind>/<int:pk>/", settings_views.picklist_edit, name="settings_picklist_edit"),
]
