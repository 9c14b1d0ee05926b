"""A Socket.IO client that sends junk is answered or dropped: the server keeps serving everyone
else, logs one line (never a traceback) and keeps no subscription for the dropped client.

Raw Engine.IO over the real server (uvicorn in the test's loop), below what a well-behaved
client library would send."""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from django.db import OperationalError
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from accounts.tests.factories import make_user
from notifications import socketio_server
from notifications.socketio_guard import frame_ok, payload_ok
from notifications.tests.live import Listener, live_server
from notifications.tests.tokens import access

pytestmark = pytest.mark.django_db(transaction=True)

REFUSAL = {"error": {"code": "unknown_event", "message": "This socket only receives events; it accepts none from "
                                                         "the client.", "fields": {}}}
LIMIT = socketio_server.MAX_CLIENT_MESSAGE_BYTES


@pytest.fixture(autouse=True)
def allow_all_risk(settings):
    settings.LEDGER_RISK_ASSESSOR = "ledger.risk.AllowAll"


@pytest.fixture
def users(db):
    return make_user("alice", full_name="Alice Rao"), make_user("bob", full_name="Bob Iyer")


@pytest.fixture(autouse=True)
def no_tracebacks(caplog):
    """No log record with a traceback, and nothing at ERROR, from anything the junk reached."""
    caplog.set_level(logging.INFO)
    yield
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [(r.name, r.getMessage()) for r in bad]
    assert socketio_server.subscription_count() == 0


def run(scenario: Any, *args: Any) -> Any:
    return async_to_sync(scenario)(*args)


def pay(payer: Any, payee: str) -> None:
    from payments.services import payment_send

    payment_send(payer=payer, payee=payee, amount=Decimal("25.00"))


async def settle() -> None:
    """Wait for the server's disconnect handlers to run after a client went away."""
    for _ in range(150):
        if socketio_server.subscription_count() == 0:
            return
        await asyncio.sleep(0.02)


async def still_serving(url: str, alice: Any, bob: Any) -> None:
    """A well-behaved client connects and hears a payment, then everything is closed."""
    listener = Listener()
    await listener.connect(url, transport="websocket", auth={"token": access(bob)})
    await database_sync_to_async(pay)(alice, "bob")
    assert (await listener.next())[0] == "payment_received"
    await listener.close()
    await settle()


async def raw_socket(url: str, token: str) -> Any:
    """A raw WebSocket to the Engine.IO endpoint, Socket.IO-connected with `token`."""
    ws = await connect(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", proxy=None, max_size=None)
    opened = json.loads((await ws.recv())[1:])
    assert (opened["pingInterval"], opened["pingTimeout"], opened["maxPayload"]) == (25000, 20000, LIMIT)
    await ws.send("40" + json.dumps({"token": token}))
    assert (await ws.recv()).startswith("40{")
    return ws


async def outcome(ws: Any, wait: float = 1.0) -> list[Any]:
    """What the server sent until it closed the connection ("closed") or went quiet ("open")."""
    frames: list[Any] = []
    try:
        while True:
            frames.append(await asyncio.wait_for(ws.recv(), wait))
    except TimeoutError:
        frames.append("open")
    except ConnectionClosed as exc:
        frames.append(("closed", exc.rcvd.code if exc.rcvd else None))
    return frames


ENGINE_IO_JUNK = [
    pytest.param("x", id="not-a-packet"), pytest.param("", id="empty"), pytest.param("9", id="unknown-type"),
    pytest.param("0{}", id="open-from-client"), pytest.param("b%%%", id="bad-base64"),
]


@pytest.mark.parametrize("frame", ENGINE_IO_JUNK)
def test_a_frame_that_is_not_engine_io_closes_that_websocket_with_1002(users, frame):
    alice, bob = users

    async def scenario() -> list[Any]:
        async with live_server() as url:
            ws = await raw_socket(url, access(alice))
            await ws.send(frame)
            seen = await outcome(ws)
            await settle()
            await still_serving(url, alice, bob)
            return seen

    assert run(scenario) == [("closed", 1002)]


SOCKET_IO_UNDECODABLE = [
    pytest.param("4x", id="unknown-socketio-type"), pytest.param('42["a"', id="bad-json"),
    pytest.param("44{}", id="connect-error-from-client"), pytest.param(b"\x00\x01\xff", id="stray-binary"),
]


@pytest.mark.parametrize("frame", SOCKET_IO_UNDECODABLE)
def test_an_undecodable_socketio_packet_drops_the_client(users, frame):
    alice, bob = users

    async def scenario() -> list[Any]:
        async with live_server() as url:
            ws = await raw_socket(url, access(alice))
            await ws.send(frame)
            seen = await outcome(ws)
            await settle()
            await still_serving(url, alice, bob)
            return seen

    seen = run(scenario)
    assert seen[0] == "1"  # an Engine.IO CLOSE, then the WebSocket closes
    assert seen[-1] == ("closed", 1000)


IGNORED = [
    pytest.param('42["connect",{"QUERY_STRING":"token=x"}]', id="reserved-connect"),
    pytest.param('42["disconnect"]', id="reserved-disconnect"), pytest.param('42["*"]', id="catch-all-name"),
    pytest.param("42{}", id="event-not-a-list"), pytest.param("42[]", id="event-without-name"),
    pytest.param("42[1,2]", id="event-name-not-a-string"), pytest.param("42", id="event-without-data"),
    pytest.param('42/admin,["x"]', id="event-to-unconnected-namespace"), pytest.param("439[1]", id="unknown-ack"),
    pytest.param("6", id="engineio-noop"), pytest.param("42/nowhere", id="namespace-without-data"),
]


@pytest.mark.parametrize("frame", IGNORED)
def test_events_the_server_does_not_take_are_dropped_and_the_socket_keeps_working(users, frame):
    alice, bob = users

    async def scenario() -> list[Any]:
        async with live_server() as url:
            ws = await raw_socket(url, access(bob))
            await ws.send(frame)
            await database_sync_to_async(pay)(alice, "bob")  # Bob's socket still hears his payments
            seen = [await asyncio.wait_for(ws.recv(), 5) for _ in range(2)]
            await ws.close()
            await settle()
            return seen

    seen = run(scenario)
    assert [json.loads(frame[2:])[0] for frame in seen] == ["payment_received", "balance_update"]


def test_a_bad_namespace_gets_connect_error_and_the_main_one_keeps_working(users):
    alice, bob = users

    async def scenario() -> list[str]:
        async with live_server() as url:
            ws = await raw_socket(url, access(bob))
            await ws.send("40/admin,")
            answer = await asyncio.wait_for(ws.recv(), 5)
            await database_sync_to_async(pay)(alice, "bob")
            heard = await asyncio.wait_for(ws.recv(), 5)
            await ws.close()
            await settle()
            return [answer, heard]

    answer, heard = run(scenario)
    assert answer.startswith("44/admin,")
    assert json.loads(heard[2:])[0] == "payment_received"


def test_unknown_events_and_binary_ones_are_answered_with_the_error_shape(users):
    alice, bob = users

    async def scenario() -> list[Any]:
        async with live_server() as url:
            listener = Listener()
            await listener.connect(url, transport="websocket", auth={"token": access(alice)})
            answers = [
                await listener.client.call("transfer", {"to": "bob", "amount": 1e9}, timeout=5),
                await listener.client.call("upload", b"\x00\xff" * 100, timeout=5),
                await listener.client.call("x" * 1000, timeout=5),
            ]
            await listener.close()
            await settle()
            await still_serving(url, alice, bob)
            return answers

    assert run(scenario) == [REFUSAL] * 3


@pytest.mark.parametrize("transport", ["websocket", "polling"])
def test_a_payload_over_the_limit_drops_the_client(users, transport):
    alice, bob = users

    async def scenario() -> bool:
        async with live_server() as url:
            listener = Listener()
            gone = asyncio.Event()
            listener.client.on("disconnect", handler=lambda *_: gone.set())
            await listener.connect(url, transport=transport, auth={"token": access(alice)})
            await listener.client.emit("note", "a" * (LIMIT + 100))
            await asyncio.wait_for(gone.wait(), 10)
            await listener.close()
            await settle()
            await still_serving(url, alice, bob)
            return True

    assert run(scenario)


async def polling_session(http: aiohttp.ClientSession, url: str, token: str) -> str:
    base = f"{url}/socket.io/?EIO=4&transport=polling"
    async with http.get(base) as response:
        sid = json.loads((await response.text())[1:])["sid"]
    async with http.post(f"{base}&sid={sid}", data="40" + json.dumps({"token": token})) as response:
        assert response.status == 200
    async with http.get(f"{base}&sid={sid}") as response:
        assert (await response.text()).startswith("40{")
    return f"{base}&sid={sid}"


POLLING_JUNK = [
    pytest.param(b"\xff\xfe", 400, id="not-utf8"), pytest.param(b"", 400, id="empty"),
    pytest.param(b"x", 400, id="not-a-packet"), pytest.param(b"4\x1e\x1e4", 400, id="empty-packet"),
    pytest.param("\x1e".join(["6"] * 17).encode(), 400, id="too-many-packets"),
    pytest.param(b"d=42", 400, id="jsonp"), pytest.param(b"4" + b"a" * (LIMIT + 1), 413, id="too-large"),
]


@pytest.mark.parametrize(("body", "status"), POLLING_JUNK)
def test_a_polling_post_that_is_not_engine_io_is_answered_400_or_413(users, body, status):
    alice, bob = users

    async def scenario() -> int:
        async with live_server() as url, aiohttp.ClientSession() as http:
            session = await polling_session(http, url, access(alice))
            async with http.post(session, data=body) as response:
                answered = response.status
            async with http.post(session, data="40") as response:  # the session is closed
                assert response.status == 400
            await settle()
            await still_serving(url, alice, bob)
            return answered

    assert run(scenario) == status


def test_a_client_that_stops_answering_pings_is_dropped(users, monkeypatch):
    alice, bob = users
    monkeypatch.setattr(socketio_server.sio.eio, "ping_interval", 0.3)
    monkeypatch.setattr(socketio_server.sio.eio, "ping_timeout", 0.3)

    async def scenario() -> list[Any]:
        async with live_server() as url:
            ws = await connect(url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", proxy=None)
            await ws.recv()
            await ws.send("40" + json.dumps({"token": access(alice)}))
            await ws.recv()
            assert socketio_server.subscription_count() == 1
            seen = await outcome(ws, wait=3)  # pings it never answers, then the close
            await settle()
            return seen

    seen = run(scenario)
    assert seen[0] == "2" and seen[-1] != "open"


def test_a_client_that_leaves_during_the_token_check_leaves_no_subscription(users, monkeypatch):
    """Over long-polling the CONNECT (one POST) and the CLOSE (another) are handled concurrently:
    python-socketio runs no disconnect handler for a connection it has not accepted yet."""
    alice = users[0]
    check = socketio_server._identify
    checked = []

    async def slow_check(token: str) -> Any:
        await asyncio.sleep(0.5)
        identity = await check(token)
        checked.append(identity.user_id)
        return identity

    monkeypatch.setattr(socketio_server, "_identify", slow_check)

    async def scenario() -> int:
        async with live_server() as url, aiohttp.ClientSession() as http:
            base = f"{url}/socket.io/?EIO=4&transport=polling"
            async with http.get(base) as response:
                session = f"{base}&sid={json.loads((await response.text())[1:])['sid']}"
            connecting = asyncio.ensure_future(http.post(session, data="40" + json.dumps({"token": access(alice)})))
            await asyncio.sleep(0.1)
            async with http.post(session, data="1") as response:  # gone before the check answers
                assert response.status == 200
            (await connecting).release()
            await asyncio.sleep(0.2)
            assert checked == [alice.pk]
            return socketio_server.subscription_count()

    assert run(scenario) == 0


def test_a_database_outage_at_connect_is_refused_as_unavailable(users, monkeypatch):
    alice = users[0]

    async def unreachable(token: str) -> Any:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(socketio_server, "_identify", unreachable)

    async def scenario() -> list[Any]:
        async with live_server() as url:
            listener = Listener()
            with pytest.raises(Exception, match="failed to connect"):
                await listener.connect(url, transport="websocket", auth={"token": access(alice)})
            await listener.close()
            return listener.connect_errors

    (error,) = run(scenario)
    assert error["data"]["error"]["code"] == "service_unavailable"


def test_a_failed_channel_layer_read_is_retried_and_logged_in_one_line(users, monkeypatch, caplog):
    alice, bob = users
    monkeypatch.setattr(socketio_server, "RETRY_SECONDS", 0.05)
    layer = channel_layers["default"]
    original = layer.receive
    failures = [ConnectionError("Redis is restarting")]

    async def flaky(channel: str) -> dict:
        if failures:
            raise failures.pop()
        return await original(channel)

    monkeypatch.setattr(layer, "receive", flaky)

    async def scenario() -> str:
        async with live_server() as url:
            listener = Listener()
            await listener.connect(url, transport="websocket", auth={"token": access(bob)})
            await database_sync_to_async(pay)(alice, "bob")
            name, _ = await listener.next()
            await listener.close()
            await settle()
            return name

    assert run(scenario) == "payment_received"
    assert [r.getMessage() for r in caplog.records if r.name == "notifications.socketio_server"] == [
        "Socket.IO relay could not read the channel layer (ConnectionError); retrying"]


# --- the guard's rules, without a server -----------------------------------------------------------
@pytest.mark.parametrize(
    ("frame", "ok"),
    [("40", True), ('42["x"]', True), ("2probe", True), ("3", True), ("5", True), ("1", True), (b"\x00", True),
     ("bAAE=", True), ("", False), ("0", False), ("7", False), ("x", False), ("b!!", False), (None, False)],
)
def test_frame_rules(frame, ok):
    assert frame_ok(frame) is ok


def test_payload_rules():
    assert payload_ok(b"40\x1e42[\"a\"]") and payload_ok("\x1e".join(["6"] * 16).encode())
    assert not payload_ok("\x1e".join(["6"] * 17).encode()) and not payload_ok(b"4\xff")
