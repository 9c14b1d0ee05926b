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
