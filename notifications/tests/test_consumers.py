"""The notification socket, through the real ASGI application (routing + origin check):
authentication (4401), group isolation, client messages, and every server event's shape."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import make_user
from notifications.tests.tokens import BAD_TOKENS, access
from securebank.asgi import application

# Consumers reach the database from their own thread: data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = [(b"origin", b"http://localhost:5173")]
EVENT_KEYS = {"type", "data", "timestamp", "sent_at"}
PAYMENT_KEYS = {
    "transaction_id", "reference", "amount", "status", "kind", "channel", "note", "counterparty",
    "created_at", "completed_at", "committed_at", "notification_id", "title", "message",
}
BALANCE_KEYS = {"account", "previous_balance", "balance", "change", "transaction_id", "reference", "committed_at"}


_sockets: list[WebsocketCommunicator] = []


def Socket(path: str, **kwargs) -> WebsocketCommunicator:  # noqa: N802
    """A communicator that `run` disconnects at the end of the scenario, whatever happened:
    a consumer still receiving when its event loop ends would leave the Redis layer's
    receive lock bound to that dead loop for the next test."""
    comm = WebsocketCommunicator(application, path, **kwargs)
    _sockets.append(comm)
    return comm


def run(coro_fn, *args):
    """One event loop per scenario: a communicator lives in the loop that created it."""

    async def scenario():
        try:
            return await coro_fn(*args)
        finally:
            while _sockets:
                comm = _sockets.pop()
                try:
                    await comm.disconnect(timeout=5)
                except BaseException:  # noqa: BLE001, S110 - already closed, or the app failed
                    pass

    return async_to_sync(scenario)()


async def open_socket(token: str | None = None, subprotocols: list[str] | None = None) -> WebsocketCommunicator:
    path = "/ws/notifications/" + (f"?token={token}" if token is not None else "")
    comm = Socket(path, headers=ORIGIN, subprotocols=subprotocols)
    connected, _ = await comm.connect()
    assert connected
    return comm


async def events_until(comm: WebsocketCommunicator, count: int, timeout: float = 3) -> list[dict]:
    return [await comm.receive_json_from(timeout=timeout) for _ in range(count)]


@pytest.fixture
def users(db):
    return (
        make_user("alice", full_name="Alice Rao"),
        make_user("bob", full_name="Bob Iyer"),
        make_user("carol", full_name="Carol D"),
    )


@pytest.fixture(autouse=True)
def allow_all_risk(settings):
    settings.LEDGER_RISK_ASSESSOR = "ledger.risk.AllowAll"


def pay(payer, payee: str, amount: str = "25.00") -> None:
    from payments.services import payment_send

    payment_send(payer=payer, payee=payee, amount=Decimal(amount), note="tea")


# --- authentication ------------------------------------------------------------------------------
@pytest.mark.parametrize("make_token", BAD_TOKENS)
def test_bad_tokens_close_4401_before_joining_anything(users, group_adds, make_token):
    alice, bob, _ = users
    token = make_token(alice, bob)

    async def scenario() -> None:
        for comm in (
            Socket("/ws/notifications/" + (f"?token={token}" if token is not None else ""), headers=ORIGIN),
            Socket("/ws/notifications/", headers=ORIGIN, subprotocols=["bearer", token] if token else []),
        ):
            connected, _ = await comm.connect()
            assert connected  # accepted, then closed, so a browser sees the code
            assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}
            await comm.send_json_to({"type": "ping"})  # a refused socket answers nothing
            assert await comm.receive_nothing(timeout=0.2)
            await comm.disconnect()

    run(scenario)
    assert group_adds == []


def test_token_as_query_or_subprotocol(users, group_adds):
    alice = users[0]
    token = access(alice)

    async def scenario() -> None:
        query = Socket(f"/ws/notifications/?token={token}", headers=ORIGIN)
        assert await query.connect() == (True, None)
        alone = Socket("/ws/notifications/", headers=ORIGIN, subprotocols=[token])
        assert await alone.connect() == (True, token)  # the server must pick an offered subprotocol
        pair = Socket("/ws/notifications/", headers=ORIGIN, subprotocols=["bearer", token])
        assert await pair.connect() == (True, "bearer")  # ... and then it need not echo the token
        for comm in (query, alone, pair):
            await comm.send_json_to({"type": "ping"})
            pong = await comm.receive_json_from()
            assert pong["type"] == "pong" and pong["data"] == {} and set(pong) == {"type", "data", "timestamp"}
            await comm.disconnect()

    run(scenario)
    assert group_adds == [f"user_{alice.pk}"] * 3


def test_socket_closes_4401_when_its_token_expires(users):
    token = AccessToken.for_user(users[0])
    token.set_exp(lifetime=timedelta(seconds=3))  # `exp` is whole seconds: 2-3 s from now

    async def scenario() -> None:
        comm = await open_socket(str(token))
        await comm.send_json_to({"type": "ping"})
        assert (await comm.receive_json_from())["type"] == "pong"  # open and authenticated
        assert await comm.receive_output(timeout=6) == {"type": "websocket.close", "code": 4401}

    run(scenario)


def test_origin_outside_allowed_hosts_is_refused(users):
    async def scenario() -> None:
        comm = Socket(f"/ws/notifications/?token={access(users[0])}", headers=[(b"origin", b"https://evil.example")])
        connected, _ = await comm.connect()
        assert not connected

    run(scenario)


def test_client_without_origin_header_is_let_through_to_token_auth(users, group_adds):
    """Mobile apps, servers and CLIs send no Origin; browsers always do, so the origin check
    still guards browsers while the token authenticates everyone else."""
    alice = users[0]

    async def scenario() -> None:
        comm = Socket(f"/ws/notifications/?token={access(alice)}")  # no headers at all
        assert await comm.connect() == (True, None)
        await comm.send_json_to({"type": "ping"})
        assert (await comm.receive_json_from())["type"] == "pong"

    run(scenario)
    assert group_adds == [f"user_{alice.pk}"]


def test_client_without_origin_header_and_a_garbage_token_gets_4401_not_403(users, group_adds):
    async def scenario() -> None:
        comm = Socket("/ws/notifications/?token=not-a-jwt")
        connected, _ = await comm.connect()
        assert connected  # a 403 handshake refusal would be (False, 403)
        assert await comm.receive_output(timeout=2) == {"type": "websocket.close", "code": 4401}

    run(scenario)
    assert group_adds == []


# --- client messages -----------------------------------------------------------------------------
def test_unknown_and_malformed_messages_get_an_error_frame_and_the_socket_stays_up(users):
    async def scenario() -> None:
        comm = await open_socket(access(users[0]))
        for frame, code in (
            ({"type": "subscribe"}, "unknown_message"),
            ({"kind": "ping"}, "unknown_message"),
            (["ping"], "unknown_message"),
            ("ping", "unknown_message"),
            ({"type": ["ping"]}, "unknown_message"),
        ):
            await comm.send_json_to(frame)
            reply = await comm.receive_json_from()
            assert reply["type"] == "error" and reply["error"]["code"] == code
            assert set(reply["error"]) == {"code", "message", "fields"}
        await comm.send_to(text_data="{not json")
        assert (await comm.receive_json_from())["error"]["code"] == "malformed_message"
        await comm.send_to(bytes_data=b"\x00\x01")
        assert (await comm.receive_json_from())["error"]["code"] == "malformed_message"
        await comm.send_json_to({"type": "ping"})
        assert (await comm.receive_json_from())["type"] == "pong"
        await comm.disconnect()

    run(scenario)


def test_join_naming_another_user_changes_nothing(users, group_adds):
    alice, bob, carol = users

    async def scenario() -> None:
        comm = await open_socket(access(alice))
        await comm.send_json_to({"type": "join", "user_id": bob.pk, "group": f"user_{bob.pk}"})
        joined = await comm.receive_json_from()
        assert joined["type"] == "joined" and joined["data"] == {"group": f"user_{alice.pk}"}
        await database_sync_to_async(pay)(carol, "bob")  # Bob's events
        assert await comm.receive_nothing(timeout=0.5)
        await comm.disconnect()

    run(scenario)
    assert set(group_adds) == {f"user_{alice.pk}"}


def test_leave_stops_events_and_join_resumes_them(users):
    alice, bob, _ = users

    async def scenario() -> None:
        comm = await open_socket(access(bob))
        await comm.send_json_to({"type": "leave"})
        assert (await comm.receive_json_from())["type"] == "left"
        await database_sync_to_async(pay)(alice, "bob")
        assert await comm.receive_nothing(timeout=0.5)
        await comm.send_json_to({"type": "join"})
        assert (await comm.receive_json_from())["type"] == "joined"
        await database_sync_to_async(pay)(alice, "bob")
        kinds = [e["type"] for e in await events_until(comm, 2)]
        assert kinds == ["payment_received", "balance_update"]
        await comm.disconnect()

    run(scenario)


# --- server events -------------------------------------------------------------------------------
def test_payment_events_reach_only_their_users_with_their_documented_shape(users):
    alice, bob, carol = users

    async def scenario() -> None:
        a, b, c = await open_socket(access(alice)), await open_socket(access(bob)), await open_socket(access(carol))
        await database_sync_to_async(pay)(alice, "BOB@securebank", "25.00")
        sent, a_balance = await events_until(a, 2)
        received, b_balance = await events_until(b, 2)
        assert await c.receive_nothing(timeout=0.5)  # group isolation: Carol hears nothing
        assert await a.receive_nothing(timeout=0.1) and await b.receive_nothing(timeout=0.1)
        for comm in (a, b, c):
            await comm.disconnect()
        return sent, a_balance, received, b_balance

    sent, a_balance, received, b_balance = run(scenario)
    for event in (sent, a_balance, received, b_balance):
        assert set(event) == EVENT_KEYS
    assert sent["type"] == "payment_sent" and received["type"] == "payment_received"
    assert set(sent["data"]) == set(received["data"]) == PAYMENT_KEYS
    assert sent["data"]["transaction_id"] == received["data"]["transaction_id"]
    assert sent["data"]["counterparty"] == {"name": "Bob Iyer", "vpa": "bob@securebank"}
    assert received["data"]["counterparty"] == {"name": "Alice Rao", "vpa": "alice@securebank"}
    assert received["data"] | {} == received["data"] | {
        "amount": "25.00", "status": "completed", "kind": "payment", "channel": "upi", "note": "tea",
        "title": "Money received", "message": "\u20b925.00 from Alice Rao",
    }
    assert a_balance["type"] == b_balance["type"] == "balance_update"
    assert set(a_balance["data"]) == set(b_balance["data"]) == BALANCE_KEYS
    assert (a_balance["data"]["previous_balance"], a_balance["data"]["balance"], a_balance["data"]["change"]) == (
        "10000.00", "9975.00", "-25.00")
    assert (b_balance["data"]["previous_balance"], b_balance["data"]["balance"], b_balance["data"]["change"]) == (
        "10000.00", "10025.00", "25.00")
    from ledger.models import Account

    assert b_balance["data"]["account"] == Account.objects.get(owner=bob).number


def _first_event(user, action) -> dict:
    """The first event `user`'s socket receives after `action` (a sync callable) has run."""

    async def scenario() -> dict:
        socket = await open_socket(access(user))
        await database_sync_to_async(action)()
        event = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return event

    return run(scenario)


def test_money_request_notification_shape(users):
    alice, bob, _ = users

    def request() -> None:
        from payments.services import money_request_create

        money_request_create(requester=bob, payer="alice", amount=Decimal("40.00"), note="cab")

    event = _first_event(alice, request)
    assert event["type"] == "notification" and set(event) == EVENT_KEYS
    assert set(event["data"]) == {"kind", "request", "title", "message", "notification_id"}
    assert event["data"]["kind"] == "money_request.created" and event["data"]["title"] == "Money request"
    assert set(event["data"]["request"]) == {
        "id", "amount", "note", "status", "requester", "payer", "created_at", "expires_at", "transaction_id",
    }
    assert event["data"]["request"]["requester"] == {"name": "Bob Iyer", "vpa": "bob@securebank"}


def test_fraud_alert_events_are_relayed(users):
    alice = users[0]

    def alert() -> None:
        from notifications.services import notification_send

        with transaction.atomic():
            notification_send(user_id=alice.pk, event="fraud_alert", data={"transaction_id": "t", "score": 0.91},
                              title="Payment held", message="Held for review")

    event = _first_event(alice, alert)
    assert event["type"] == "fraud_alert" and event["data"]["transaction_id"] == "t"
    assert event["data"]["title"] == "Payment held" and "notification_id" in event["data"]


def test_a_rolled_back_payment_sends_nothing_and_stores_nothing(users):
    alice, bob, _ = users

    def pay_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            pay(alice, "bob")
            raise RuntimeError("after the money moved, before commit")

    async def scenario() -> None:
        a, b = await open_socket(access(alice)), await open_socket(access(bob))
        await database_sync_to_async(pay_then_fail)()
        assert await a.receive_nothing(timeout=0.7) and await b.receive_nothing(timeout=0.1)
        await database_sync_to_async(pay)(alice, "bob")  # the socket works: the next payment arrives
        assert (await b.receive_json_from(timeout=3))["type"] == "payment_received"
        await a.disconnect()
        await b.disconnect()

    run(scenario)
    from notifications.models import Notification

    # only the second payment: the rolled-back one left no row (deposits have kind "deposit")
    assert Notification.objects.filter(user=bob, event="payment_received", data__kind="payment").count() == 1


def test_two_sockets_of_one_user_both_receive(users):
    alice, bob, _ = users

    async def scenario() -> None:
        phone, laptop = await open_socket(access(bob)), await open_socket(access(bob))
        await database_sync_to_async(pay)(alice, "bob")
        for comm in (phone, laptop):
            assert [e["type"] for e in await events_until(comm, 2)] == ["payment_received", "balance_update"]
            await comm.disconnect()

    run(scenario)


def test_disconnect_leaves_the_group(users):
    bob = users[1]
    layer = get_channel_layer()

    async def scenario() -> None:
        comm = await open_socket(access(bob))
        await comm.disconnect()
        await asyncio.sleep(0)

    run(scenario)
    # in-memory layer: inspect membership directly (the Pub/Sub layer's attributes need a loop)
    if isinstance(layer, InMemoryChannelLayer):
        assert not layer.groups.get(f"user_{bob.pk}")


@pytest.mark.skipif(not settings.REDIS_URL, reason="the core Redis layer's connection pool is under test")
def test_bursts_of_joins_and_leaves_queue_for_the_layer_pool_instead_of_failing(users, settings, monkeypatch):
    """150 sockets connecting and dropping at once through a pool of 40 Redis connections:
    group_add/group_discard wait for a connection (MaxConnectionsError used to close the
    socket with 1011, or leave a stale membership behind)."""
    import notifications.consumers

    layer = settings.CHANNEL_LAYERS["default"]
    host = {**layer["CONFIG"]["hosts"][0], "max_connections": 40}
    # The list layer (CHANNEL_LAYER=core) whatever the default: its pool is what this is about.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                           "CONFIG": {**layer["CONFIG"], "hosts": [host]}}}
    monkeypatch.setattr(notifications.consumers, "MEMBERSHIP_CONCURRENCY", 10)
    alice, bob, _ = users
    token = access(bob)

    async def scenario() -> int:
        comms = [Socket(f"/ws/notifications/?token={token}", headers=ORIGIN)
                 for _ in range(150)]
        results = await asyncio.gather(*(c.connect(timeout=30) for c in comms))
        assert all(ok for ok, _ in results)
        await database_sync_to_async(pay)(alice, "bob")
        for comm in comms:
            assert (await comm.receive_json_from(timeout=10))["type"] == "payment_received"
        # Each socket leaves its group in `disconnect`. (Now and then one consumer's Redis receive
        # task outlives the disconnect — channels_redis behaviour, seen with or without this
        # consumer's changes; daphne cancels such an instance after 10 s. Wait 5 s, not 30.)
        await asyncio.gather(*(c.disconnect(timeout=5) for c in comms))
        layer = get_channel_layer()
        redis = layer.connection(layer.consistent_hash(f"user_{bob.pk}"))
        return await redis.zcard(layer._group_key(f"user_{bob.pk}"))

    assert run(scenario) == 0  # every socket left its group


def test_an_event_racing_a_closing_socket_does_not_crash_the_consumer(users, monkeypatch, caplog):
    from notifications.consumers import NotificationConsumer

    alice, bob, _ = users
    original = NotificationConsumer.send

    async def closing(self, text_data=None, bytes_data=None, close=False):
        if text_data and '"payment_received"' in text_data:
            raise ConnectionError("Attempt to send on a closed protocol")
        return await original(self, text_data=text_data, bytes_data=bytes_data, close=close)

    monkeypatch.setattr(NotificationConsumer, "send", closing)

    async def scenario() -> None:
        comm = await open_socket(access(bob))
        await database_sync_to_async(pay)(alice, "bob")
        assert (await comm.receive_json_from(timeout=3))["type"] == "balance_update"  # the next event still goes
        await comm.send_json_to({"type": "ping"})
        assert (await comm.receive_json_from())["type"] == "pong"
        await comm.disconnect()

    run(scenario)
    assert "not delivered to a closing socket" in caplog.text
