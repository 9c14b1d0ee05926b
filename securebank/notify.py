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

from securebank import clock

logger = logging.getLogger("securebank.notify")

EVENTS = frozenset({"payment_sent", "payment_received", "balance_update", "notification", "fraud_alert"})


def user_group(user_id: int) -> str:
    return f"user_{user_id}"


def notify(*, user_id: int, event: str, data: dict[str, Any]) -> None:
    """Send `event` to `user_id`'s sockets after the surrounding transaction commits."""
    notify_many([(user_id, event, data)])


def notify_many(events: list[tuple[int, str, dict[str, Any]]]) -> None:
    """Send several (user_id, event, data) after the surrounding transaction commits, in one
    hop to the channel layer: each `async_to_sync` costs a round trip through the event loop,
    and one ledger transaction tells up to four sockets. A rolled-back savepoint discards
    the whole batch, as it would one event."""
    stamp = clock.timestamp(clock.now())
    batch = []
    for user_id, event, data in events:
        if event not in EVENTS:
            raise ValueError(f"unknown event type {event!r}")
        # "type" is handled by the consumer's user_event method.
        batch.append((user_id, {"type": "user.event", "event": event, "data": data, "timestamp": stamp}))
    if batch:
        transaction.on_commit(lambda: _send_now_not_rollback_safe(batch))


def _send_now_not_rollback_safe(batch: list[tuple[int, dict[str, Any]]]) -> None:
    """Sends immediately. Only call after commit: this cannot be taken back."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(_group_send_all)(layer, batch)
    except Exception:  # the stored notification is the durable copy; a push is best effort
        logger.warning("could not push %d event(s)", len(batch), exc_info=True)


async def _group_send_all(layer: Any, batch: list[tuple[int, dict[str, Any]]]) -> None:
    for user_id, message in batch:
        try:
            await layer.group_send(user_group(user_id), {**message, "sent_at": clock.timestamp(clock.now())})
        except Exception:  # one user's failure must not cost the others their events
            logger.warning("could not push %s to user %s", message.get("event"), user_id, exc_info=True)
