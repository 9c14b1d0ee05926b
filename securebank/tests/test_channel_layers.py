"""The Redis Pub/Sub layer's pipeline (securebank.channel_layers) on a real Redis: every message
of a batch reaches its group, in order, and a batch to no listener is no error."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings

from securebank.channel_layers import PipelinedPubSubChannelLayer

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: the layer under test is Redis's")


def fresh_layer() -> PipelinedPubSubChannelLayer:
    return PipelinedPubSubChannelLayer(hosts=[settings.REDIS_URL], prefix=f"test-{uuid.uuid4().hex[:8]}")


def test_a_batch_reaches_each_group_in_order():
    layer = fresh_layer()

    async def run() -> tuple[list[str], list[str]]:
        alice, bob = await layer.new_channel(), await layer.new_channel()
        await layer.group_add("user_1", alice)
        await layer.group_add("user_2", bob)
        await layer.group_send_many([
            ("user_1", {"type": "user.event", "event": "payment_sent"}),
            ("user_2", {"type": "user.event", "event": "payment_received"}),
            ("user_1", {"type": "user.event", "event": "balance_update"}),
            ("user_2", {"type": "user.event", "event": "balance_update"}),
            ("user_3", {"type": "user.event", "event": "nobody listens"}),
        ])
        got_alice = [(await asyncio.wait_for(layer.receive(alice), 5))["event"] for _ in range(2)]
        got_bob = [(await asyncio.wait_for(layer.receive(bob), 5))["event"] for _ in range(2)]
        await layer.flush()
        return got_alice, got_bob

    assert async_to_sync(run)() == (["payment_sent", "balance_update"], ["payment_received", "balance_update"])


def test_a_batch_to_an_unreachable_redis_raises():
    layer = PipelinedPubSubChannelLayer(hosts=["redis://127.0.0.1:1/0"], prefix="test-down")

    async def run() -> None:
        await layer.group_send_many([("user_1", {"type": "user.event", "event": "payment_sent"})])

    with pytest.raises(Exception):  # noqa: B017, PT011 - redis-py's connection error, whichever class
        async_to_sync(run)()
