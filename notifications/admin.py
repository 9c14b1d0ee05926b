"""Read-only view of stored notifications: they are written by the services that report a
fact, never through the admin."""

from django.contrib import admin

from notifications.models import Notification
from securebank.admin import ReadOnlyAdmin


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "event", "title", "read_at")
    list_filter = ("event",)
    search_fields = ("user__username", "title")
    raw_id_fields = ("user",)
