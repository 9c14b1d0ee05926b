"""End to end: two real server processes sharing PostgreSQL and Redis, A under uvicorn as
`manage.py serve` runs it, B under daphne. Bob's Socket.IO clients are on process A (one per
transport); Alice pays him over REST on process B; the events cross processes through the Redis
channel layer, the same fan-out as the native WebSocket's."""

from __future__ import annotations

import asyncio

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken

from notifications.tests.live import Listener, test_port
from payments.tests.factories import make_user
from securebank.liveserver import http_json, servers_sharing_test_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: fan-out across processes goes through Redis"),
]

# Longer than the Redis layer's 5 s blocking pop: a relay torn down by a read timeout would
# miss the payment (see docs/payments.md, "Channel layer").
IDLE_SECONDS = 7


@pytest.fixture
def two_servers():
    # TEST_PORT_BASE + 10, + 11 when a range is reserved, else free ports
    with servers_sharing_test_database(
        {"port": test_port(10) or None, "server": "uvicorn"}, {"port": test_port(11) or None, "server": "daphne"}
    ) as servers:
        yield servers


def test_bob_on_process_a_hears_alice_paying_him_on_process_b(two_servers):
    first, second = two_servers
    assert first.process.pid != second.process.pid
    alice = make_user("alice", full_name="Alice Rao")
    bob = make_user("bob", full_name="Bob Iyer")
    bob_token, alice_token = str(AccessToken.for_user(bob)), str(AccessToken.for_user(alice))

    async def scenario() -> tuple[list, list, list, tuple[int, dict]]:
        bob_ws, bob_polling, alice_ws = Listener(), Listener(), Listener()
        try:
            await bob_ws.connect(first.http, transport="websocket", auth={"token": bob_token})
            # Long-polling is a session in one process's memory: it stays on process A.
            await bob_polling.connect(first.http, transport="polling", query=f"?token={bob_token}")
            await alice_ws.connect(second.http, transport="websocket", auth={"token": alice_token})
            await asyncio.sleep(IDLE_SECONDS)
            answer = await asyncio.to_thread(
                http_json, f"{second.http}/api/payments/send", token=alice_token,
                headers={"Idempotency-Key": "e2e-socketio-1"},
                body={"payee": "bob@securebank", "amount": "150.25", "note": "e2e"},
            )
            heard = [await listener.take(2, timeout=15) for listener in (bob_ws, bob_polling, alice_ws)]
            return (*heard, answer)
        finally:
            for listener in (bob_ws, bob_polling, alice_ws):
                await listener.close()

    bob_ws_events, bob_polling_events, alice_events, (status, body) = asyncio.run(scenario())
    assert status == 201, (body, first.log_tail(), second.log_tail())
    txn_id = body["transaction"]["id"]
    for events in (bob_ws_events, bob_polling_events):
        by_name = dict(events)
        assert set(by_name) == {"payment_received", "balance_update"}, events
        received, balance = by_name["payment_received"], by_name["balance_update"]
        assert (received["type"], received["transaction_id"], received["amount"]) == (
            "payment_received", txn_id, 150.25)
        assert received["message"] == "\u20b9150.25 from Alice Rao" and received["data"]["note"] == "e2e"
        assert (balance["balance"], balance["change"]) == (10150.25, 150.25)
    assert {name for name, _ in alice_events} == {"payment_sent", "balance_update"}
    for server in (first, second):
        log = server.log.read_text(errors="replace")
        assert "Traceback" not in log and "could not read the channel layer" not in log, server.log_tail()
