"""Listening on the channel layer from a synchronous test, on any layer; replacing its sending.

The Redis Pub/Sub layer keeps its subscriptions per event loop, and every `async_to_sync` call
of a synchronous test runs in a loop of its own: a channel added to a group in one call is
gone in the next. So the listener joins, the action runs (in the test's own thread, where its
database transaction is) and the message is received, all inside one loop. The in-memory and
the Redis list layers behave the same way under it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

T = TypeVar("T")


def heard_in_group(group: str, action: Callable[[], T], *, timeout: float = 10.0) -> tuple[T, dict[str, Any]]:
    """Run `action` while a fresh channel is in `group`; return its result and the first message
    the channel received."""
    layer = get_channel_layer()

    async def listen() -> tuple[T, dict[str, Any]]:
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            result = await sync_to_async(action)()
            return result, await asyncio.wait_for(layer.receive(channel), timeout)
        finally:
            await layer.group_discard(group, channel)

    return async_to_sync(listen)()


Send = Callable[[str, dict[str, Any]], Awaitable[None]]


def group_send_replaced(monkeypatch: Any, send: Send) -> None:
    """Route every group message the code sends, one at a time (`group_send`) or batched
    (`group_send_many`, the Redis layer's pipeline), through `send(group, message)`."""
    layer = get_channel_layer()

    async def send_many(messages: list[tuple[str, dict[str, Any]]]) -> None:
        for group, message in messages:
            await send(group, message)

    monkeypatch.setattr(layer, "group_send", send)
    monkeypatch.setattr(layer, "group_send_many", send_many, raising=False)  # the in-memory layer has none
