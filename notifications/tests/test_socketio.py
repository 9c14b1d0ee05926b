"""Socket.IO at /socket.io/ through the real ASGI application served by uvicorn, with a
python-socketio client over each transport: authentication, rooms, after-commit delivery and the
payloads the classic web app reads."""

from __future__ import annotations

import asyncio
import gc
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import socketio
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction
from rest_framework_simplejwt.tokens import AccessToken

from accounts.tests.factories import make_user
from ledger.tests.assessors import Scripted
from notifications import socketio_server
from notifications.tests.live import Listener, live_server
from notifications.tests.tokens import BAD_TOKENS, access

# The server reads users from its own threads: data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

TRANSPORTS = ["websocket", "polling"]
BROWSER = {"Origin": "http://localhost:5173"}  # the classic app's dev origin (CORS_ALLOWED_ORIGINS)


def run(scenario: Any, *args: Any) -> Any:
    """One event loop per scenario (the server, the clients and the layer live in it)."""
    return async_to_sync(scenario)(*args)


@pytest.fixture
def users(db):
    return make_user("alice", full_name="Alice Rao"), make_user("bob", full_name="Bob Iyer"), make_user("carol")


@pytest.fixture(autouse=True)
def allow_all_risk(settings):
    settings.LEDGER_RISK_ASSESSOR = "ledger.risk.AllowAll"


@pytest.fixture(autouse=True)
def _no_subscription_left():
    """Every test ends with no Socket.IO subscription (reader task, layer channel) left over."""
    yield
    gc.collect()  # connections of the token check's finished pool threads (PostgreSQL drops the test DB)
    assert socketio_server.subscription_count() == 0


def pay(payer: Any, payee: str, amount: str = "25.00") -> str:
    from payments.services import payment_send

    return str(payment_send(payer=payer, payee=payee, amount=Decimal(amount), note="tea").transaction.pk)


async def listen(url: str, user: Any, transport: str, **kwargs: Any) -> Listener:
    listener = Listener()
    await listener.connect(url, transport=transport, auth={"token": access(user)}, headers=BROWSER, **kwargs)
    return listener


async def close_all(*listeners: Listener) -> None:
    for listener in listeners:
        await listener.close()
    for _ in range(100):  # the server runs its disconnect handler after the client has gone
        if socketio_server.subscription_count() == 0:
            return
        await asyncio.sleep(0.02)


# --- transports and authentication ---------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("how", ["auth", "query"])
def test_each_transport_connects_with_the_token_in_auth_or_query(users, group_adds, transport, how):
    alice = users[0]

    async def scenario() -> tuple[str, list[str]]:
        async with live_server() as url:
            listener = Listener()
            if how == "auth":
                await listener.connect(url, transport=transport, auth={"token": access(alice)}, headers=BROWSER)
            else:
                await listener.connect(url, transport=transport, query=f"?token={access(alice)}", headers=BROWSER)
            used = listener.client.transport()
            server_rooms = socketio_server.sio.rooms(listener.client.get_sid())
            await close_all(listener)
            return used, server_rooms

    used, server_rooms = run(scenario)
    assert used == transport
    assert group_adds == [f"user_{alice.pk}"]
    assert len(server_rooms) == 1  # python-socketio's own room per sid, nothing else


# The socket's own bad tokens beside the ones every socket refuses.
BAD_TOKENS = [*BAD_TOKENS, pytest.param(lambda a, b: 12345, id="not-a-string")]


@pytest.mark.parametrize("make_token", BAD_TOKENS)
def test_a_bad_token_is_refused_with_connect_error_before_joining_anything(users, group_adds, make_token):
    alice, bob, _ = users
    token = make_token(alice, bob)

    async def scenario() -> list[tuple[str, Any]]:
        refusals = []
        async with live_server() as url:
            for transport in TRANSPORTS:
                for where in ("auth", "query"):
                    listener = Listener()
                    kwargs: dict[str, Any] = {"auth": {"token": token}} if where == "auth" else {
                        "query": "" if token is None else f"?token={token}"}
                    with pytest.raises(socketio.exceptions.ConnectionError):
                        await listener.connect(url, transport=transport, headers=BROWSER, **kwargs)
                    refusals.extend((transport, error) for error in listener.connect_errors)
                    assert not listener.client.connected
                    assert socketio_server.subscription_count() == 0
                    await listener.close()
        return refusals

    refusals = run(scenario)
    assert len(refusals) == 4  # one connect_error per attempt
    for _, error in refusals:  # socket.io-client shows err.message and err.data
        assert error == {
            "message": "A valid access token is required.",
            "data": {"error": {"code": "unauthorized", "message": "A valid access token is required.", "fields": {}}},
        }
    assert group_adds == []


def test_a_token_in_auth_wins_over_one_in_the_query(users, group_adds):
    alice, bob, _ = users

    async def scenario() -> None:
        async with live_server() as url:
            listener = Listener()
            await listener.connect(url, transport="websocket", auth={"token": access(alice)},
                                   query=f"?token={access(bob)}", headers=BROWSER)
            await close_all(listener)

    run(scenario)
    assert group_adds == [f"user_{alice.pk}"]


def test_the_socket_is_disconnected_when_its_token_expires(users):
    token = AccessToken.for_user(users[0])
    token.set_exp(lifetime=timedelta(seconds=3))  # `exp` is whole seconds: 2-3 s from now

    async def scenario() -> None:
        async with live_server() as url:
            listener = Listener()
            gone = asyncio.Event()
            listener.client.on("disconnect", handler=lambda *_: gone.set())
            await listener.connect(url, transport="websocket", auth={"token": str(token)}, headers=BROWSER)
            assert listener.client.connected
            await asyncio.wait_for(gone.wait(), 8)
            assert not listener.client.connected
            await close_all(listener)

    run(scenario)


def test_an_origin_outside_the_allowed_ones_is_refused(users):
    async def scenario() -> None:
        async with live_server() as url:
            for transport in TRANSPORTS:
                listener = Listener()
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await listener.connect(url, transport=transport, auth={"token": access(users[0])},
                                           headers={"Origin": "https://evil.example"})
                await listener.close()
            # no Origin at all (a mobile app, a server): on to the token check
            listener = Listener()
            await listener.connect(url, transport="websocket", auth={"token": access(users[0])})
            assert listener.client.connected
            await close_all(listener)

    run(scenario)


# --- rooms -------------------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_events_reach_only_their_users(users, transport):
    alice, bob, carol = users

    async def scenario() -> tuple[list, list, bool]:
        async with live_server() as url:
            a, b, c = [await listen(url, user, transport) for user in (alice, bob, carol)]
            await database_sync_to_async(pay)(alice, "bob")
            sent, received = await a.take(2), await b.take(2)
            carol_heard_nothing = await c.nothing(0.7)
            assert await a.nothing(0.1) and await b.nothing(0.1)
            await close_all(a, b, c)
            return sent, received, carol_heard_nothing

    sent, received, carol_heard_nothing = run(scenario)
    assert [name for name, _ in sent] == ["payment_sent", "balance_update"]
    assert [name for name, _ in received] == ["payment_received", "balance_update"]
    assert carol_heard_nothing


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_client_can_neither_join_nor_leave_a_room(users, group_adds, transport):
    alice, bob, carol = users
    bobs_room = f"user_{bob.pk}"

    async def scenario() -> tuple[list[Any], bool, list[str], list[str]]:
        async with live_server() as url:
            b, c = await listen(url, bob, transport), await listen(url, carol, transport)
            answers = [
                await c.client.call("join", {"room": bobs_room}, timeout=5),
                await c.client.call("enter_room", bobs_room, timeout=5),
                await c.client.call("leave", {"room": f"user_{carol.pk}"}, timeout=5),
                await b.client.call("leave", {"room": bobs_room}, timeout=5),
                await c.client.call("subscribe", bobs_room, timeout=5),
            ]
            # The reserved names would run the server's own handlers with the client's arguments.
            await c.client.emit("connect", {"QUERY_STRING": f"token={access(bob)}"})
            await c.client.emit("disconnect")
            await c.client.emit("*", bobs_room)
            carol_sid = c.client.get_sid()
            await database_sync_to_async(pay)(alice, "bob")
            bob_events = [name for name, _ in await b.take(2)]
            carol_heard_nothing = await c.nothing(0.7)
            rooms = socketio_server.sio.rooms(carol_sid)
            assert c.client.connected and b.client.connected
            await close_all(b, c)
            return answers, carol_heard_nothing, bob_events, rooms

    answers, carol_heard_nothing, bob_events, rooms = run(scenario)
    refusal = {"error": {"code": "unknown_event", "message": "This socket only receives events; it accepts none "
                                                             "from the client.", "fields": {}}}
    assert answers == [refusal] * 5
    assert carol_heard_nothing
    assert bob_events == ["payment_received", "balance_update"]  # Bob's "leave" changed nothing
    assert rooms == [rooms[0]] and rooms[0] != bobs_room  # only the sid's own room
    assert group_adds == [f"user_{bob.pk}", f"user_{carol.pk}"]


def test_two_sockets_of_one_user_both_receive(users):
    alice, bob, _ = users

    async def scenario() -> list[list[str]]:
        async with live_server() as url:
            phone, laptop = await listen(url, bob, "websocket"), await listen(url, bob, "polling")
            await database_sync_to_async(pay)(alice, "bob")
            heard = [[name for name, _ in await listener.take(2)] for listener in (phone, laptop)]
            await close_all(phone, laptop)
            return heard

    assert run(scenario) == [["payment_received", "balance_update"]] * 2


def test_disconnect_leaves_the_group(users):
    bob = users[1]
    layer = get_channel_layer()

    async def scenario() -> None:
        async with live_server() as url:
            listener = await listen(url, bob, "websocket")
            assert socketio_server.subscription_count() == 1
            if isinstance(layer, InMemoryChannelLayer):  # inspect membership directly
                assert len(layer.groups[f"user_{bob.pk}"]) == 1
            await close_all(listener)

    run(scenario)
    if isinstance(layer, InMemoryChannelLayer):
        assert not layer.groups.get(f"user_{bob.pk}")


# --- after commit only ---------------------------------------------------------------------------
@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_rolled_back_payment_sends_nothing(users, transport):
    alice, bob, _ = users

    def pay_then_fail() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            pay(alice, "bob")
            raise RuntimeError("after the money moved, before commit")

    async def scenario() -> tuple[bool, str]:
        async with live_server() as url:
            a, b = await listen(url, alice, transport), await listen(url, bob, transport)
            await database_sync_to_async(pay_then_fail)()
            silent = await b.nothing(0.7) and await a.nothing(0.1)
            txn_id = await database_sync_to_async(pay)(alice, "bob")  # the next, committed one arrives
            name, payload = await b.next()
            await close_all(a, b)
            return silent, (name, payload["transaction_id"] == txn_id)

    silent, second = run(scenario)
    assert silent
    assert second == ("payment_received", True)


def test_nothing_is_sent_before_the_commit(users):
    """The event is registered inside the transaction and sent only when it commits."""
    alice, bob, _ = users
    inside = asyncio.Event()

    async def scenario() -> tuple[bool, str]:
        async with live_server() as url:
            b = await listen(url, bob, "websocket")
            loop = asyncio.get_running_loop()
            release = asyncio.Event()

            def pay_and_wait() -> None:
                with transaction.atomic():
                    pay(alice, "bob")
                    loop.call_soon_threadsafe(inside.set)
                    # hold the transaction open until the scenario has listened for a while
                    asyncio.run_coroutine_threadsafe(release.wait(), loop).result(10)

            paying = asyncio.ensure_future(database_sync_to_async(pay_and_wait)())
            await asyncio.wait_for(inside.wait(), 10)
            silent = await b.nothing(0.7)
            release.set()
            await paying
            name, _ = await b.next()
            await close_all(b)
            return silent, name

    assert run(scenario) == (True, "payment_received")


# --- payloads ------------------------------------------------------------------------------------
class HeldByFraud(Scripted):
    """Scripted decisions, and the fraud app's own alert (stored notification + `fraud_alert`)."""

    def record(self, *, transaction: Any, verdict: Any) -> None:
        super().record(transaction=transaction, verdict=verdict)
        from fraud.services import risk_assessor

        risk_assessor.record(transaction=transaction, verdict=verdict)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_payment_payloads_are_flat_with_money_as_json_numbers(users, transport):
    alice, bob, _ = users

    async def scenario() -> tuple[list, list, str]:
        async with live_server() as url:
            a, b = await listen(url, alice, transport), await listen(url, bob, transport)
            txn_id = await database_sync_to_async(pay)(alice, "bob", "250.50")
            sent, received = await a.take(2), await b.take(2)
            await close_all(a, b)
            return sent, received, txn_id

    sent, received, txn_id = run(scenario)
    (sent_name, sent_payload), (_, payer_balance) = sent
    (received_name, payload), (balance_name, balance) = received
    assert (sent_name, received_name, balance_name) == ("payment_sent", "payment_received", "balance_update")
    assert {k: payload[k] for k in ("type", "title", "message", "amount", "transaction_id")} == {
        "type": "payment_received", "title": "Money received", "message": "\u20b9250.50 from Alice Rao",
        "amount": 250.5, "transaction_id": txn_id,
    }
    assert payload["data"]["amount"] == "250.50" and payload["data"]["counterparty"] == {
        "name": "Alice Rao", "vpa": "alice@securebank"}  # the native data, unchanged
    assert payload["timestamp"] and payload["sent_at"]
    assert sent_payload["type"] == "payment_sent" and sent_payload["amount"] == 250.5
    # balance_update.balance is a JSON number (the app calls .toFixed on it)
    assert type(balance["balance"]) is float and balance["balance"] == 10250.5
    assert (balance["previous_balance"], balance["change"]) == (10000.0, 250.5)
    assert balance["type"] == "balance_update" and balance["message"] == "Your balance is \u20b910,250.50"
    assert balance["data"]["balance"] == "10250.50"
    assert payer_balance["balance"] == 9749.5 and payer_balance["change"] == -250.5


def test_a_money_request_arrives_as_a_notification_with_type_title_message_at_the_top(users):
    alice, bob, _ = users

    def request() -> None:
        from payments.services import money_request_create

        money_request_create(requester=bob, payer="alice", amount=Decimal("40.00"), note="cab")

    async def scenario() -> tuple[str, dict]:
        async with live_server() as url:
            a = await listen(url, alice, "polling")
            await database_sync_to_async(request)()
            event = await a.next()
            await close_all(a)
            return event

    name, payload = run(scenario)
    assert name == "notification"
    assert payload["type"] == "money_request.created" and payload["title"] == "Money request"
    assert isinstance(payload["message"], str) and "\u20b940.00" in payload["message"]
    assert isinstance(payload["notification_id"], int)
    assert payload["data"]["request"]["amount"] == "40.00" and "amount" not in payload


def test_a_held_payment_sends_a_fraud_alert_with_its_message(users, settings):
    alice, bob, _ = users
    settings.LEDGER_RISK_ASSESSOR = f"{__name__}.HeldByFraud"
    Scripted.reset()
    Scripted.decision = "hold"

    async def scenario() -> list[tuple[str, Any]]:
        async with live_server() as url:
            a = await listen(url, alice, "websocket")
            await database_sync_to_async(pay)(alice, "bob", "5000.00")
            events = await a.take(2)
            await close_all(a)
            return events

    try:
        events = dict(run(scenario))
    finally:
        Scripted.reset()
    alert = events["fraud_alert"]
    assert alert["type"] == "fraud_alert" and alert["title"] == "Payment held for review"
    assert alert["message"].startswith("Your payment of ₹5,000.00 to Bob Iyer is on hold")
    assert alert["amount"] == 5000.0 and isinstance(alert["alert_id"], int)
    assert events["payment_sent"]["data"]["status"] == "held"
