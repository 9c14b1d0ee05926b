"""Payments: stored notifications (money requests come with the payments work)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Every event pushed to a user is also stored, so nothing is lost while they are offline."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=32)  # payment_received, notification, fraud_alert, ...
    title = models.CharField(max_length=120, blank=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event} {self.title}"
