from django.urls import path

from fraud import views

urlpatterns = [
    path("check", views.CheckView.as_view(), name="fraud-check"),
    path("alerts", views.AlertListView.as_view(), name="fraud-alerts"),
    path("alerts/<int:alert_id>/review", views.AlertReviewView.as_view(), name="fraud-alert-review"),
    path("model/status", views.ModelStatusView.as_view(), name="fraud-model-status"),
]
