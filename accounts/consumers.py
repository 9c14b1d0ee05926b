"""The per-user notification socket: authenticate, join the user's own group, relay events."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts.ws_auth import user_id_from_access_token
from securebank.errors import error_body
from securebank.notify import user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """`ws/notifications/?token=<access>` or the token as the WebSocket subprotocol."""

    group: str | None = None

    async def connect(self) -> None:
        token, subprotocol = self._token_from_scope()
        user_id = await database_sync_to_async(user_id_from_access_token)(token) if token else None
        if user_id is None:
            # Accept-then-close so browsers see the 4401 code (a rejected handshake shows 1006).
            await self.accept(subprotocol)
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user_id = user_id
        self.group = user_group(user_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept(subprotocol)

    def _token_from_scope(self) -> tuple[str | None, str | None]:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0], None
        for proto in self.scope.get("subprotocols", []):
            # Clients send either "<token>" or the pair "bearer, <token>".
            if proto.lower() not in {"bearer", "jwt"}:
                return proto, proto
        return None, None

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong", "data": {}, "timestamp": timezone.now().isoformat()})
        elif kind == "join":
            # Only ever the caller's own group, whatever the message names.
            if self.group:
                await self.channel_layer.group_add(self.group, self.channel_name)
            await self.send_json({"type": "joined", "data": {"group": self.group}, "timestamp": timezone.now().isoformat()})
        elif kind == "leave":
            if self.group:
                await self.channel_layer.group_discard(self.group, self.channel_name)
            await self.send_json({"type": "left", "data": {}, "timestamp": timezone.now().isoformat()})
        else:
            await self._send_error("unknown_message", "Expected a JSON object with type join, leave or ping.")

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if text_data is None:
            await self._send_error("malformed_message", "Send text frames of JSON.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self._send_error("malformed_message", "The message is not valid JSON.")
            return
        await self.receive_json(content)

    async def _send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", **error_body(code, message), "timestamp": timezone.now().isoformat()})

    async def user_event(self, message: dict[str, Any]) -> None:
        """Group message from securebank.notify: forward as {type, data, timestamp}."""
        await self.send_json(
            {
                "type": message["event"],
                "data": message["data"],
                "timestamp": message["timestamp"],
                "sent_at": message.get("sent_at"),
            }
        )
