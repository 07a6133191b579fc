from django.urls import path

from healthscore.views import account, calibration, configurations

app_name = "healthscore"

urlpatterns = [
    path("", configurations.configuration_list, name="configurations"),
    path("settings/", configurations.settings_edit, name="settings"),
    path("new/", configurations.configuration_create, name="create"),
    path("preview/", configurations.configuration_preview, name="preview"),
    path("<int:pk>/", configurations.configuration_edit, name="edit"),
    path("<int:pk>/delete/", configurations.configuration_delete, name="delete"),
    path("backfills/", configurations.backfill_start, name="backfill"),
    path("backfills/<int:pk>/", configurations.backfill_status, name="backfill_status"),
    path("calibration/", calibration.report, name="calibration"),
    path("calibration/what-if/", calibration.whatif, name="whatif-default"),
    path("calibration/what-if/<int:pk>/", calibration.whatif, name="whatif"),
    path("calibration/suggest/<int:pk>/", calibration.suggest, name="suggest"),
    path("calibration/editor-what-if/", calibration.editor_whatif, name="what_if"),
    path("accounts/<int:account_pk>/", account.account_health, name="account"),
]
