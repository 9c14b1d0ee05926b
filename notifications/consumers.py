"""The per-user notification socket: authenticate, join the user's own group, relay events.

Authentication: the JWT access token from `?token=<access>`, or as the WebSocket subprotocol
(`Sec-WebSocket-Protocol: <access>` or the pair `bearer, <access>`). A missing, expired,
forged or non-access token closes the socket with 4401 before it joins any group; so does the
token expiring while the socket is open (reconnect with a fresh token and fetch
GET /api/notifications for anything sent in between).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.ws_auth import socket_identity_from_access_token
from securebank import clock
from securebank.errors import error_body
from securebank.notify import user_group

logger = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4401
_MARKERS = {"bearer", "jwt"}

# Group joins and leaves each take a channel-layer (Redis) connection. A burst of thousands of
# sockets connecting or dropping at once must queue for them, not exhaust the layer's pool
# (MaxConnectionsError): at most this many membership changes are in flight per process.
MEMBERSHIP_CONCURRENCY = 100
_gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _membership_gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _gates.get(loop)
    if gate is None:
        gate = _gates[loop] = asyncio.Semaphore(MEMBERSHIP_CONCURRENCY)
    return gate


# The Socket.IO server's group joins and leaves draw on the same budget.
membership_gate = _membership_gate


# The token check is one indexed read; run it on the thread pool rather than the single
# thread-sensitive thread, so that a reconnect storm (a server restart with thousands of
# clients) is not serialized behind every other sync call of the process.
_identify = database_sync_to_async(socket_identity_from_access_token, thread_sensitive=False)


class NotificationConsumer(AsyncJsonWebsocketConsumer):
    """`ws/notifications/?token=<access>` or the token as the WebSocket subprotocol."""

    user_id: int | None = None
    group: str | None = None
    joined: bool = False
    _expiry: asyncio.TimerHandle | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch first hops to the process's one thread-sensitive thread to close
        stale database connections, for every message — ping, event, connect, disconnect. This
        consumer reaches the database only through `database_sync_to_async`, which closes its
        connections itself, so the hop (a queue behind one thread under load) is skipped."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        await self.disconnect(message["code"])  # as channels' own, without the same hop
        raise StopConsumer()

    async def connect(self) -> None:
        token, subprotocol = self._token_from_scope()
        identity = await _identify(token) if token else None
        if identity is None:
            # Accept-then-close so browsers see the 4401 code (a rejected handshake shows 1006).
            await self.accept(subprotocol)
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        self.user_id = identity.user_id
        self.group = user_group(identity.user_id)
        await self._join()
        await self.accept(subprotocol)
        delay = max(identity.expires_at - time.time(), 0.0)
        self._expiry = asyncio.get_running_loop().call_later(delay, self._token_expired)

    def _token_expired(self) -> None:
        asyncio.ensure_future(self.close(code=CLOSE_UNAUTHORIZED))

    def _token_from_scope(self) -> tuple[str | None, str | None]:
        """(token, subprotocol to answer with). The answer must be one the client offered:
        the marker when it sent "bearer, <token>", else the token itself."""
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        if query.get("token"):
            return query["token"][0], None
        offered = list(self.scope.get("subprotocols", []))
        marker = next((p for p in offered if p.lower() in _MARKERS), None)
        token = next((p for p in offered if p.lower() not in _MARKERS), None)
        if token is None:
            return None, marker
        return token, marker or token

    async def _join(self) -> None:
        async with _membership_gate():
            await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True

    async def _leave(self) -> None:
        async with _membership_gate():
            await self.channel_layer.group_discard(self.group, self.channel_name)
        self.joined = False

    async def disconnect(self, code: int) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
        if self.group and self.joined:
            try:
                await self._leave()
            except Exception:  # the socket is gone either way; the layer expires the membership
                logger.warning("could not leave %s after disconnect", self.group, exc_info=True)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        if self.user_id is None:
            return  # refused socket: being closed, answers nothing
        if text_data is None:
            await self._send_error("malformed_message", "Send text frames of JSON.")
            return
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            await self._send_error("malformed_message", "The message is not valid JSON.")
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self._send("pong", {})
        elif kind == "join":
            # Only ever the caller's own group, whatever the message names.
            if not self.joined:
                await self._join()
            await self._send("joined", {"group": self.group})
        elif kind == "leave":
            if self.joined:
                await self._leave()
            await self._send("left", {"group": self.group})
        else:
            await self._send_error("unknown_message", "Expected a JSON object with type join, leave or ping.")

    async def _send(self, kind: str, data: dict[str, Any]) -> None:
        await self.send_json({"type": kind, "data": data, "timestamp": clock.timestamp(clock.now())})

    async def _send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", **error_body(code, message), "timestamp": clock.timestamp(clock.now())})

    async def user_event(self, message: dict[str, Any]) -> None:
        """Group message from securebank.notify: forward as {type, data, timestamp, sent_at}."""
        frame = {
            "type": message["event"],
            "data": message["data"],
            "timestamp": message["timestamp"],
            "sent_at": message.get("sent_at"),
        }
        text = await self.encode_json(frame)
        try:
            await self.send(text_data=text)
        except Exception:  # the client went away while the event was on its way (a race, not a bug)
            logger.info("event %s not delivered to a closing socket of user %s", message["event"], self.user_id)
