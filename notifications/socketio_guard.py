"""The transport checks python-engineio leaves to its caller, in front of it at `/socket.io/`.

python-engineio decodes what a client sends without guarding against junk: an invalid Engine.IO
frame on a WebSocket ends the ASGI application with a traceback (and leaves the session to the
ping timeout), a polling POST that is not UTF-8 or not a valid payload is logged with a traceback
and answered 200. This middleware looks at each frame and each POST body before Engine.IO does:

- WebSocket: a frame that is not an Engine.IO packet a client may send closes the connection
  (1002, protocol error); Engine.IO sees the client gone and runs its normal close path.
- Polling POST: a body over the size limit is answered 413 and one that is not a valid payload
  400, without reaching Engine.IO, and the session is closed (as Engine.IO itself does for a
  body over its limit).

Socket.IO packets inside valid Engine.IO messages are checked by the server itself
(notifications/socketio_server.py drops a client whose packet it cannot decode).
"""

from __future__ import annotations

import binascii
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

logger = logging.getLogger(__name__)

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# Engine.IO v4 packet types a client sends: CLOSE, PING (the upgrade probe), PONG, MESSAGE,
# UPGRADE, NOOP. OPEN is the server's; nothing above 6 exists.
CLIENT_PACKET_TYPES = frozenset("123456")
RECORD_SEPARATOR = "\x1e"  # between packets of a polling payload
MAX_PACKETS_PER_PAYLOAD = 16  # python-engineio's own limit (Payload.max_decode_packets)
CLOSE_PROTOCOL_ERROR = 1002


def text_packet_ok(text: str) -> bool:
    """A text Engine.IO packet a client may send: a known type digit and anything after it, or
    `b` and strict base64 (a binary message over polling)."""
    if not text:
        return False
    if text[0] == "b":
        try:
            binascii.a2b_base64(text[1:], strict_mode=True)
        except (binascii.Error, ValueError):
            return False
        return True
    return text[0] in CLIENT_PACKET_TYPES


def frame_ok(frame: str | bytes | None) -> bool:
    """A WebSocket frame: binary frames are Engine.IO binary messages (any bytes); text frames
    are one packet."""
    if isinstance(frame, bytes):
        return True
    return isinstance(frame, str) and text_packet_ok(frame)


def payload_ok(body: bytes) -> bool:
    """A polling POST body: UTF-8, 1 to 16 packets separated by U+001E, each one valid. JSONP
    (`d=...`) is not served: Engine.IO v4 clients do not use it."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    packets = text.split(RECORD_SEPARATOR)
    return len(packets) <= MAX_PACKETS_PER_PAYLOAD and all(text_packet_ok(p) for p in packets)


class EngineIOGuard:
    """ASGI middleware for the Engine.IO endpoint only (mount it where Engine.IO is mounted)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], *, max_bytes: int,
                 drop_session: Callable[[str], Awaitable[None]]) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.drop_session = drop_session  # closes an Engine.IO session by its id, if it exists

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self.app(scope, self._websocket_receive(receive, send), send)
        elif scope["type"] == "http" and scope.get("method") == "POST":
            await self._post(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    def _websocket_receive(self, receive: Receive, send: Send) -> Receive:
        async def guarded() -> Message:
            message = await receive()
            if message["type"] != "websocket.receive":
                return message
            frame = message.get("bytes") if message.get("bytes") is not None else message.get("text")
            if frame_ok(frame):
                return message
            logger.info("closed a Socket.IO WebSocket that sent a frame that is not Engine.IO")
            try:
                await send({"type": "websocket.close", "code": CLOSE_PROTOCOL_ERROR})
            except Exception:  # noqa: BLE001, S110 - already closing: the disconnect below is what matters
                pass
            # To Engine.IO the client is gone: its reader stops and it closes the session normally.
            return {"type": "websocket.disconnect", "code": CLOSE_PROTOCOL_ERROR}

        return guarded

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away mid-body
                return
            body += message.get("body") or b""
            more = bool(message.get("more_body"))
            if len(body) > self.max_bytes:
                logger.info("refused a Socket.IO polling POST over %d bytes", self.max_bytes)
                await self._refuse(scope, send, 413, b"Content Too Large")
                return
        if not payload_ok(body):
            logger.info("refused a Socket.IO polling POST that is not an Engine.IO payload")
            await self._refuse(scope, send, 400, b"Bad Request")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send, status: int, body: bytes) -> None:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        if query.get("sid"):
            await self.drop_session(query["sid"][0])
        await _plain(send, status, body)


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
