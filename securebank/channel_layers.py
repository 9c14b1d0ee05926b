"""The Redis Pub/Sub channel layer with one addition: several group messages in one pipeline.

A transfer tells up to four groups (payer and payee: the payment and the new balance). The
layer of channels_redis sends each message as its own PUBLISH, one round trip at a time under
the shard's lock, so the messages of every request in the process queue behind each other.
`group_send_many` publishes them in one pipeline: one round trip, one turn of the lock. Four
publishes cost 0.75-0.82 ms of the client's CPU one by one and 0.32-0.38 ms pipelined
(bench/results_transfers.md, "events in one pipeline").

It leans on the loop layer's shard helpers (`_get_shard`, `_get_group_channel_name`, the
shard's `_lock`, `_ensure_redis` and `_redis`): channels-redis is pinned in requirements.txt,
and securebank/tests/test_channel_layers.py checks the messages arrive on a real Redis.
"""

from __future__ import annotations

from typing import Any

from channels_redis.pubsub import RedisPubSubChannelLayer

GroupMessage = tuple[str, dict[str, Any]]  # (group, message)


class PipelinedPubSubChannelLayer(RedisPubSubChannelLayer):
    async def group_send_many(self, messages: list[GroupMessage]) -> None:
        """Send every message to its group, in order, one pipeline per Redis shard. Raises if a
        shard fails (the messages of a shard are sent together or not known to be sent)."""
        layer = self._get_layer()
        by_shard: dict[Any, list[tuple[str, bytes]]] = {}
        for group, message in messages:
            channel = layer._get_group_channel_name(group)
            by_shard.setdefault(layer._get_shard(channel), []).append((channel, self.serialize(message)))
        for shard, items in by_shard.items():
            async with shard._lock:  # the lock the shard's own publish and subscribe take
                shard._ensure_redis()
                pipe = shard._redis.pipeline(transaction=False)
                for channel, data in items:
                    pipe.publish(channel, data)
                await pipe.execute()
