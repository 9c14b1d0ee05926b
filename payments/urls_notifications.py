"""Mounted at `api/notifications` (no trailing slash, the original API's paths): "" and "/read"."""

from django.urls import path

from payments import views_notifications

urlpatterns = [
    path("", views_notifications.NotificationListView.as_view(), name="notifications-list"),
    path("/read", views_notifications.NotificationReadView.as_view(), name="notifications-read"),
]
