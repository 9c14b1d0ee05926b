"""Notifications: every event pushed to a user, stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Notification(models.Model):
    """Every event pushed to a user is also stored, so nothing is lost while they are offline.

    The row is also the outbox entry of its push: written in the transaction of the fact it
    reports, pushed after the commit, `pushed_at` set once the channel layer took it; a row
    still unpushed a few seconds later is re-sent by the sweeper (notifications/outbox.py)."""

    # No index of its own: the (user, -created_at) and (user, read_at) indexes lead with it.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             db_index=False)
    event = models.CharField(max_length=32)  # payment_received, notification, fraud_alert, ...
    title = models.CharField(max_length=120, blank=True)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    pushed_at = models.DateTimeField(null=True, blank=True)  # handed to the channel layer (at least once)

    class Meta:
        # The model moved here from payments; its table keeps the name it was created with
        # (notifications/migrations/0001_initial.py says why the table is not renamed).
        db_table = "payments_notification"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"]),
            models.Index(fields=["user", "read_at"]),
            # The sweeper's scan: only unpushed rows are in it, so it stays a few rows long.
            models.Index(fields=["created_at", "id"], condition=Q(pushed_at__isnull=True), name="notification_unpushed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.event} {self.title}"
