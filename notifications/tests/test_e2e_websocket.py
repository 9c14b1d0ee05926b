"""End to end: two real daphne processes sharing PostgreSQL and Redis. Bob's WebSocket is on
process 1; Alice pays him over HTTP on process 2; the events cross processes through the
Redis channel layer."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.conf import settings
from rest_framework_simplejwt.tokens import AccessToken
from websockets.asyncio.client import connect

from ledger.models import Account
from payments.tests.factories import make_user
from securebank.liveserver import http_json, servers_sharing_test_database

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL: fan-out across processes goes through Redis"),
]


IDLE_SECONDS = 7


@pytest.fixture
def two_servers():
    with servers_sharing_test_database({}, {}) as servers:
        yield servers


async def receive_events(ws, count: int, timeout: float = 15) -> list[dict]:
    return [json.loads(await asyncio.wait_for(ws.recv(), timeout)) for _ in range(count)]


def test_bob_on_process_1_hears_alice_paying_him_on_process_2(two_servers):
    first, second = two_servers
    assert first.process.pid != second.process.pid and first.port != second.port
    alice = make_user("alice", full_name="Alice Rao")
    bob = make_user("bob", full_name="Bob Iyer")
    bob_token, alice_token = str(AccessToken.for_user(bob)), str(AccessToken.for_user(alice))

    async def scenario() -> tuple[list[dict], list[dict], tuple[int, dict]]:
        async with (
            connect(f"{first.ws}/ws/notifications/?token={bob_token}", origin=first.http, proxy=None) as bob_ws,
            connect(f"{second.ws}/ws/notifications/", subprotocols=["bearer", alice_token], origin=second.http,
                    proxy=None) as alice_ws,
        ):
            for ws in (bob_ws, alice_ws):  # both sockets are authenticated and in their groups
                await ws.send(json.dumps({"type": "ping"}))
                assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "pong"
            # Idle longer than the Redis layer's 5 s blocking pop: with redis-py 8's default 5 s
            # read timeout the consumers were torn down here (close 1011) and nothing arrived.
            await asyncio.sleep(IDLE_SECONDS)
            answer = await asyncio.to_thread(
                http_json, f"{second.http}/api/payments/send", token=alice_token, headers={"Idempotency-Key": "e2e-1"},
                body={"payee": "bob@securebank", "amount": "150.00", "note": "e2e"},
            )
            return await receive_events(bob_ws, 2), await receive_events(alice_ws, 2), answer

    bob_events, alice_events, (status, body) = asyncio.run(scenario())
    assert status == 201, (body, first.log_tail(), second.log_tail())
    txn_id = body["transaction"]["id"]
    by_type = {event["type"]: event for event in bob_events}
    assert set(by_type) == {"payment_received", "balance_update"}, bob_events
    received, balance = by_type["payment_received"]["data"], by_type["balance_update"]["data"]
    assert received["transaction_id"] == txn_id and received["amount"] == "150.00" and received["note"] == "e2e"
    assert received["counterparty"] == {"name": "Alice Rao", "vpa": "alice@securebank"}
    assert (balance["previous_balance"], balance["balance"], balance["change"]) == ("10000.00", "10150.00", "150.00")
    assert balance["account"] == Account.objects.get(owner=bob).number
    assert {event["type"] for event in alice_events} == {"payment_sent", "balance_update"}
