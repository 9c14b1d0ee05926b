"""Socket.IO (protocol 5 / Engine.IO 4) at `/socket.io/`, beside the native WebSocket.

One fan-out: a Socket.IO connection subscribes, through the channel layer, to the same Channels
group `user_<id>` as the native consumer (securebank/notify.py sends to it after commit). Each
connection gets its own layer channel (`new_channel` + `group_add`) and a reader task that
emits whatever arrives to that one sid. With Redis behind the layer, an event raised on process
B reaches a Socket.IO client on process A with no second pub/sub to configure; python-socketio's
own client manager stays in-process and is used only to address the sid.

Authentication: the CONNECT packet's `auth: {"token": <access>}`, or `?token=` on the URL.
A missing, expired, forged or non-access token (or an inactive user's) is refused with
`connect_error` before the connection joins anything. The group comes from the token only;
clients can emit nothing that changes it (every client event is answered with an error when it
asks for an acknowledgement, and dropped otherwise). When the token expires the server
disconnects the socket, as the native one closes with 4401.

Long-polling keeps a session in one process's memory: several processes behind a load balancer
need sticky sessions for it (or websocket-only clients). See docs/realtime.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import socketio
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from accounts.ws_auth import socket_identity_from_access_token
from notifications.consumers import membership_gate
from notifications.payloads import socketio_payload
from notifications.socketio_guard import EngineIOGuard
from securebank.errors import error_body
from securebank.notify import EVENTS, user_group
from securebank.origins import origin_allowed

logger = logging.getLogger(__name__)

SOCKETIO_PATH = "socket.io"
# Clients send a CONNECT packet with a ~300-character token and nothing else of use: a bigger
# WebSocket frame closes the connection, a bigger polling POST is answered 413. Engine.IO
# advertises it to clients as `maxPayload` (socket.io-client splits its POSTs to fit).
MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
# Socket.IO's own defaults, stated: the server pings every 25 s (inside the 60 s idle timeout
# of common load balancers and proxies) and drops a client that has not answered 20 s later,
# so a vanished phone's subscription is released within 45 s.
PING_INTERVAL_SECONDS = 25
PING_TIMEOUT_SECONDS = 20
RETRY_SECONDS = 1.0  # after a channel-layer read fails (Redis restarting), before reading again

# One indexed read on the thread pool (it closes its own connection), as the native consumer.
_identify = database_sync_to_async(socket_identity_from_access_token, thread_sensitive=False)


class SocketServer(socketio.AsyncServer):
    """python-socketio's server, minus its holes for a hostile client:
    - an EVENT named `connect` or `disconnect` would run those handlers with arguments of the
      client's choosing, and one named `*` the catch-all with the wrong arguments: dropped;
    - a Socket.IO packet it cannot decode (bad JSON, unknown type, a stray binary attachment, a
      CONNECT_ERROR from the client) raised out of the message handler and was logged with a
      traceback while the connection stayed up: the client is dropped, one line is logged."""

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: int | None, data: Any) -> None:  # noqa: A002
        if (not isinstance(data, list) or not data or not isinstance(data[0], str)
                or data[0] in self.reserved_events or data[0] == "*"):
            logger.info("dropped a malformed or reserved Socket.IO event")
            return
        await super()._handle_event(eio_sid, namespace, id, data)

    async def _handle_eio_message(self, eio_sid: str, data: Any) -> None:
        try:
            await super()._handle_eio_message(eio_sid, data)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:  # from decoding the packet
            logger.info("dropped a Socket.IO client that sent an undecodable packet (%s)", type(exc).__name__)
            await self._drop(eio_sid)

    async def _drop(self, eio_sid: str) -> None:
        """Close an Engine.IO session now: the Socket.IO disconnect handlers run, the client
        gets a CLOSE packet, and the transport (WebSocket or waiting GET) ends without waiting
        for the client to cooperate."""
        socket = self.eio.sockets.get(eio_sid)
        if socket is None or socket.closed or socket.closing:
            return
        await socket.close(wait=False, reason=self.reason.SERVER_DISCONNECT)
        socket.queue.put_nowait(None)  # ends the writer (WebSocket) or the waiting poll
        # Forgotten now: python-engineio answers a later POST to a closed session it still
        # holds with a KeyError (a 500), and one it does not know with a 400.
        self.eio.sockets.pop(eio_sid, None)

    async def _handle_eio_disconnect(self, eio_sid: str, reason: Any) -> None:
        """A long-polling client that closes its session (a CLOSE packet in a POST) still has a
        GET waiting for packets, which Engine.IO would hold open for ping_interval +
        ping_timeout: end it now, so the client's disconnect returns at once and the server
        keeps no dead request (and no HTTP connection) for a session that is gone."""
        await super()._handle_eio_disconnect(eio_sid, reason)
        socket = self.eio.sockets.get(eio_sid)
        if reason == self.reason.CLIENT_DISCONNECT and socket is not None and not socket.upgraded:
            socket.queue.put_nowait(None)  # poll() answers an empty payload; later GETs a 400


@dataclass
class Subscription:
    """A connected, authenticated sid: its user, its layer channel in `user_<id>`, its reader."""

    user_id: int
    group: str
    channel: str
    reader: asyncio.Task | None = None
    expiry: asyncio.TimerHandle | None = None


sio = SocketServer(
    async_mode="asgi",
    cors_allowed_origins=origin_allowed,  # the same rule as the native socket's handshake
    always_connect=False,  # refused connections get CONNECT_ERROR, never a CONNECT first
    max_http_buffer_size=MAX_CLIENT_MESSAGE_BYTES,
    ping_interval=PING_INTERVAL_SECONDS,
    ping_timeout=PING_TIMEOUT_SECONDS,
    logger=False,
    engineio_logger=False,
)
_subscriptions: dict[str, Subscription] = {}


def token_from(auth: Any, environ: dict[str, Any]) -> str | None:
    """The access token from `auth: {token}` (what socket.io-client sends), else `?token=`."""
    if isinstance(auth, dict) and isinstance(auth.get("token"), str) and auth["token"]:
        return auth["token"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    return query["token"][0] if query.get("token") else None


def _refusal(code: str, message: str) -> socketio.exceptions.ConnectionRefusedError:
    # socket.io-client shows `err.message` and `err.data` on connect_error.
    return socketio.exceptions.ConnectionRefusedError(message, error_body(code, message))


UNAUTHORIZED = ("unauthorized", "A valid access token is required.")
UNAVAILABLE = ("service_unavailable", "Notifications are temporarily unavailable. Reconnect shortly.")


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool | None:
    token = token_from(auth, environ)
    try:
        identity = await _identify(token) if token else None
    except Exception as exc:  # the database is away: the client retries, as after a 503
        logger.warning("Socket.IO token check failed (%s): refusing as unavailable", type(exc).__name__)
        raise _refusal(*UNAVAILABLE) from None
    if identity is None:
        raise _refusal(*UNAUTHORIZED)
    layer = get_channel_layer()
    group = user_group(identity.user_id)
    try:
        channel = await layer.new_channel(prefix="socketio.")
        async with membership_gate():
            await layer.group_add(group, channel)
    except Exception as exc:  # Redis is away
        logger.warning("Socket.IO could not join the user's group (%s): refusing as unavailable", type(exc).__name__)
        raise _refusal(*UNAVAILABLE) from None
    if not _still_open(sid):
        # The client left while it was being authenticated: python-socketio runs no disconnect
        # handler for a connection it has not accepted yet, so nothing would ever undo this.
        await _leave(group, channel)
        return False
    sub = Subscription(user_id=identity.user_id, group=group, channel=channel)
    _subscriptions[sid] = sub
    sub.reader = asyncio.create_task(_relay(sid, layer, channel), name=f"socketio-relay-{sid}")
    delay = max(identity.expires_at - time.time(), 0.0)
    sub.expiry = asyncio.get_running_loop().call_later(delay, _token_expired, sid)


def _still_open(sid: str) -> bool:
    socket = sio.eio.sockets.get(sio.manager.eio_sid_from_sid(sid, "/"))
    return socket is not None and not socket.closed and not socket.closing


async def _leave(group: str, channel: str) -> None:
    try:
        async with membership_gate():
            await get_channel_layer().group_discard(group, channel)
    except Exception:  # the socket is gone either way; the layer expires the membership
        logger.warning("could not leave %s after a Socket.IO disconnect", group)


def _token_expired(sid: str) -> None:
    asyncio.ensure_future(sio.disconnect(sid))


@sio.event
async def disconnect(sid: str, reason: Any = None) -> None:
    sub = _subscriptions.pop(sid, None)
    if sub is None:
        return
    if sub.expiry is not None:
        sub.expiry.cancel()
    if sub.reader is not None:
        sub.reader.cancel()
    await _leave(sub.group, sub.channel)


@sio.on("*")
async def any_other_event(event: str, sid: str, *args: Any) -> dict[str, Any]:
    """The server takes no client events (rooms come from the token): the answer, sent only
    when the client asked for an acknowledgement, says so in the common error shape."""
    return error_body("unknown_event", "This socket only receives events; it accepts none from the client.")


async def _relay(sid: str, layer: Any, channel: str) -> None:
    """Read the sid's layer channel and emit each user event to that sid, until cancelled."""
    while True:
        try:
            message = await layer.receive(channel)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # Redis restarting: the stored notification is the durable copy
            # One line per retry, no traceback: this repeats every second while Redis is away.
            logger.warning("Socket.IO relay could not read the channel layer (%s); retrying", type(exc).__name__)
            await asyncio.sleep(RETRY_SECONDS)
            continue
        event = message.get("event")
        if message.get("type") != "user.event" or event not in EVENTS or not isinstance(message.get("data"), dict):
            continue
        payload = socketio_payload(
            event=event, data=message["data"], timestamp=message.get("timestamp"), sent_at=message.get("sent_at")
        )
        try:
            await sio.emit(event, payload, to=sid)
        except Exception:  # the client went away while the event was on its way
            logger.info("event %s not delivered to a closing Socket.IO client", event)


def subscription_count() -> int:
    """Connected, authenticated Socket.IO clients in this process."""
    return len(_subscriptions)


class GuardedASGIApp(socketio.ASGIApp):
    """python-socketio's ASGI app with EngineIOGuard in front of the Engine.IO endpoint only."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = EngineIOGuard(self.engineio_server.handle_request, max_bytes=MAX_CLIENT_MESSAGE_BYTES,
                                   drop_session=self.engineio_server._drop)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and (path if path.endswith("/") else path + "/").startswith(
                self.engineio_path):
            await self.guard(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def asgi_app(other_asgi_app: Any) -> socketio.ASGIApp:
    """`/socket.io/` to the Socket.IO server, everything else to `other_asgi_app`."""
    return GuardedASGIApp(sio, other_asgi_app=other_asgi_app, socketio_path=SOCKETIO_PATH)
