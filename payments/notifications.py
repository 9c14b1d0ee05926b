"""Store a notification and push it to the user's sockets after commit.

    notification_send(user_id=..., event="fraud_alert", data={...}, title="...", message="...")

The row is written in the caller's transaction (so it commits or rolls back with the fact it
reports); the WebSocket push goes through `securebank.notify.notify`, after commit.
"""

from __future__ import annotations

from typing import Any

from payments.models import Notification
from securebank.notify import notify


def notification_send(
    *, user_id: int, event: str, data: dict[str, Any], title: str = "", message: str = "", store: bool = True
) -> Notification | None:
    row = None
    payload = dict(data)
    if title:
        payload.setdefault("title", title)
    if message:
        payload.setdefault("message", message)
    if store:
        row = Notification.objects.create(user_id=user_id, event=event, title=title[:120], message=message[:500], data=payload)
        payload["notification_id"] = row.pk
    notify(user_id=user_id, event=event, data=payload)
    return row


def notifications_mark_read(*, user: Any, ids: list[int] | None = None, all: bool = False) -> int:  # noqa: A002
    """Mark the caller's notifications read: the given ids (others' ids are ignored) or all.
    Returns how many changed from unread to read."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if not all:
        qs = qs.filter(pk__in=ids or [])
    return qs.update(read_at=timezone.now())
