"""One way to push an event to a user's WebSocket group: only after the database commits.

    notify(user_id=..., event="payment_received", data={...})

registers a `transaction.on_commit` callback, so a rolled-back transaction sends nothing and a
client never sees money that the database has not kept. Outside a transaction it sends at
once. Event names and payloads are documented in README ("WebSocket events").
"""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

logger = logging.getLogger("securebank.notify")

EVENTS = frozenset({"payment_sent", "payment_received", "balance_update", "notification", "fraud_alert"})


def user_group(user_id: int) -> str:
    return f"user_{user_id}"


def notify(*, user_id: int, event: str, data: dict[str, Any]) -> None:
    """Send `event` to `user_id`'s sockets after the surrounding transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"unknown event type {event!r}")
    message = {
        "type": "user.event",  # handled by the consumer's user_event method
        "event": event,
        "data": data,
        "timestamp": timezone.now().isoformat(),
    }
    transaction.on_commit(lambda: _send_now_not_rollback_safe(user_id, message))


def _send_now_not_rollback_safe(user_id: int, message: dict[str, Any]) -> None:
    """Sends immediately. Only call after commit: this cannot be taken back."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {**message, "sent_at": timezone.now().isoformat()}
    try:
        async_to_sync(layer.group_send)(user_group(user_id), message)
    except Exception:  # the stored notification is the durable copy; a push is best effort
        logger.warning("could not push %s to user %s", message.get("event"), user_id, exc_info=True)
