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

from accounts.consumers import membership_gate
from accounts.ws_auth import socket_identity_from_access_token
from notifications.payloads import socketio_payload
from securebank.errors import error_body
from securebank.notify import EVENTS, user_group
from securebank.origins import origin_allowed

logger = logging.getLogger(__name__)

SOCKETIO_PATH = "socket.io"
# Clients send a CONNECT packet with a ~300-character token and nothing else of use.
MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
RETRY_SECONDS = 1.0  # after a channel-layer read fails (Redis restarting), before reading again

# One indexed read on the thread pool (it closes its own connection), as the native consumer.
_identify = database_sync_to_async(socket_identity_from_access_token, thread_sensitive=False)


class SocketServer(socketio.AsyncServer):
    """python-socketio's server, minus one hole: a client could emit an EVENT named `connect`
    or `disconnect` and have the server run those handlers with arguments of its choosing."""

    async def _handle_event(self, eio_sid: str, namespace: str | None, id: int | None, data: Any) -> None:  # noqa: A002
        if not isinstance(data, list) or not data or not isinstance(data[0], str) or data[0] in self.reserved_events:
            logger.info("dropped a malformed or reserved Socket.IO event")
            return
        await super()._handle_event(eio_sid, namespace, id, data)

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


@sio.event
async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> None:
    token = token_from(auth, environ)
    identity = await _identify(token) if token else None
    if identity is None:
        # socket.io-client shows `err.message` and `err.data` on connect_error.
        raise socketio.exceptions.ConnectionRefusedError(
            "A valid access token is required.", error_body("unauthorized", "A valid access token is required.")
        )
    layer = get_channel_layer()
    group = user_group(identity.user_id)
    channel = await layer.new_channel(prefix="socketio.")
    async with membership_gate():
        await layer.group_add(group, channel)
    sub = Subscription(user_id=identity.user_id, group=group, channel=channel)
    _subscriptions[sid] = sub
    sub.reader = asyncio.create_task(_relay(sid, layer, channel), name=f"socketio-relay-{sid}")
    delay = max(identity.expires_at - time.time(), 0.0)
    sub.expiry = asyncio.get_running_loop().call_later(delay, _token_expired, sid)


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
    try:
        async with membership_gate():
            await get_channel_layer().group_discard(sub.group, sub.channel)
    except Exception:  # the socket is gone either way; the layer expires the membership
        logger.warning("could not leave %s after a Socket.IO disconnect", sub.group, exc_info=True)


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
        except Exception:  # Redis restarting: the stored notification is the durable copy
            logger.warning("Socket.IO relay could not read the channel layer; retrying", exc_info=True)
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


def asgi_app(other_asgi_app: Any) -> socketio.ASGIApp:
    """`/socket.io/` to the Socket.IO server, everything else to `other_asgi_app`."""
    return socketio.ASGIApp(sio, other_asgi_app=other_asgi_app, socketio_path=SOCKETIO_PATH)
