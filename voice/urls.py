from django.urls import path

from voice import views

urlpatterns = [
    path("process", views.ProcessView.as_view(), name="speech-process"),
    path("execute", views.ExecuteView.as_view(), name="speech-execute"),
]
