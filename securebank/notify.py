"""Pushing events to a user's WebSocket group (native sockets and Socket.IO both listen to it).

    notify(user_id=..., event="payment_received", data={...})

registers a `transaction.on_commit` callback, so a rolled-back transaction sends nothing and a
client never sees money that the database has not kept. Outside a transaction it sends at
once. Events that must not be lost are stored first and pushed through the outbox
(notifications/outbox.py), which uses `events_send_not_rollback_safe` after the commit. Event names
and payloads are documented in README ("WebSocket events").
"""

from __future__ import annotations

import logging
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction

from securebank import clock, server_loop

logger = logging.getLogger("securebank.notify")

EVENTS = frozenset({"payment_sent", "payment_received", "balance_update", "notification", "fraud_alert"})

Event = tuple[int, str, dict[str, Any]]  # (user_id, event, data)


def user_group(user_id: int) -> str:
    return f"user_{user_id}"


def notify(*, user_id: int, event: str, data: dict[str, Any]) -> None:
    """Send `event` to `user_id`'s sockets after the surrounding transaction commits."""
    notify_many([(user_id, event, data)])


def notify_many(events: list[Event]) -> None:
    """Send several (user_id, event, data) after the surrounding transaction commits, in one
    hop to the channel layer. A rolled-back savepoint discards the whole batch, as it would one
    event. Best effort: an event lost here is lost (store what must not be: the outbox)."""
    event_check(events)
    if events:
        transaction.on_commit(lambda: events_send_not_rollback_safe(events), robust=True)


def event_check(events: list[Event]) -> None:
    for _user_id, event, _data in events:
        if event not in EVENTS:
            raise ValueError(f"unknown event type {event!r}")


def events_send_not_rollback_safe(events: list[Event]) -> list[bool]:
    """Send now, in one hop through the event loop (each hop is a round trip, and
    one ledger transaction tells up to four sockets). Returns, per event, whether the channel
    layer took it. Only call after commit: this cannot be taken back."""
    layer = get_channel_layer()
    if layer is None:  # no layer configured: no socket can be listening
        return [True] * len(events)
    stamp = clock.timestamp(clock.now())
    # "type" is handled by the consumers' user_event method.
    batch = [(user_id, {"type": "user.event", "event": event, "data": data, "timestamp": stamp})
             for user_id, event, data in events]
    try:
        return server_loop.run(_group_send_all, layer, batch)
    except Exception:  # e.g. no event loop to hop through; the outbox re-sends what is stored
        logger.warning("could not push %d event(s)", len(batch), exc_info=True)
        return [False] * len(events)


async def _group_send_all(layer: Any, batch: list[tuple[int, dict[str, Any]]]) -> list[bool]:
    stamp = clock.timestamp(clock.now())
    messages = [(user_group(user_id), {**message, "sent_at": stamp}) for user_id, message in batch]
    send_many = getattr(layer, "group_send_many", None)
    if send_many is not None:  # the Redis layer: one pipeline (securebank/channel_layers.py)
        try:
            await send_many(messages)
            return [True] * len(messages)
        except Exception:  # none known to be sent: the outbox re-sends the stored ones
            logger.warning("could not push %d event(s)", len(messages), exc_info=True)
            return [False] * len(messages)
    sent = []
    for group, message in messages:
        try:
            await layer.group_send(group, message)
            sent.append(True)
        except Exception:  # one user's failure must not cost the others their events
            logger.warning("could not push %s to %s", message.get("event"), group, exc_info=True)
            sent.append(False)
    return sent
