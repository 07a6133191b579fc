from django.urls import path

from healthscore.views import configurations

app_name = "healthscore"

urlpatterns = [
    path("", configurations.configuration_list, name="configurations"),
]
