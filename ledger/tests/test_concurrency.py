"""Real concurrency on PostgreSQL: threads, each with its own connection, real row locks."""

from __future__ import annotations

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest

from accounts.tests.factories import make_user
from ledger.checks import ledger_check
from ledger.models import Account, IdempotencyKey, Transaction
from securebank.tests.threads import client_for, run_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
URL = "/api/transactions/transfer"


def customer_total() -> Decimal:
    return sum(Account.objects.filter(kind="customer").values_list("balance", flat=True), Decimal("0"))


def test_random_transfers_with_overdrafts_and_retries_keep_the_ledger_exact():
    users = [make_user(f"u{i}", balance="1000.00") for i in range(10)]
    names = [u.username for u in users]
    before = customer_total()
    statuses: Counter = Counter()
    lock = threading.Lock()

    def worker(t: int) -> None:
        rng = random.Random(t)
        clients = {u.username: client_for(u) for u in users}
        for i in range(100):
            payer, payee = rng.sample(names, 2)
            amount = f"{rng.choice([rng.randint(1, 300), rng.randint(900, 2500)])}.{rng.randint(0, 99):02d}"
            body = {"to_username": payee, "amount": amount}
            key = f"t{t}-{i}"
            attempts = 2 if rng.random() < 0.3 else 1  # a client retry with the same key
            for _ in range(attempts):
                r = clients[payer].post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
                with lock:
                    statuses[r.status_code] += 1
                assert r.status_code in {201, 409, 422}, r.content

    errors = run_threads(16, worker)
    assert errors == []
    assert statuses[201] > 100 and statuses[422] > 0  # both paths were exercised
    report = ledger_check()
    assert report.ok, [str(v) for v in report.violations]
    assert not Account.objects.filter(kind="customer", balance__lt=0).exists()
    assert customer_total() == before
    linked = list(IdempotencyKey.objects.exclude(transaction=None).values_list("transaction_id", flat=True))
    transfers = Transaction.objects.filter(kind="transfer", status="completed").count()
    assert len(linked) == len(set(linked)) == transfers  # each key executed at most once


def test_double_spend_race_exactly_one_wins():
    alice = make_user("alice", balance="1000.00")
    make_user("bob")
    barrier = threading.Barrier(8)
    results: list[int] = []

    def spend(i: int) -> None:
        client = client_for(alice)
        barrier.wait()
        r = client.post(URL, {"to_username": "bob", "amount": "600.00"}, format="json")
        results.append(r.status_code)

    assert run_threads(8, spend) == []
    assert sorted(results) == [201] + [422] * 7
    assert Account.objects.get(owner=alice).balance == Decimal("400.00")
    assert ledger_check().ok


def test_opposite_directions_never_deadlock():
    alice, bob = make_user("alice"), make_user("bob")

    def ping_pong(i: int) -> None:
        payer, payee = (alice, "bob") if i % 2 == 0 else (bob, "alice")
        client = client_for(payer)
        for _ in range(40):
            r = client.post(URL, {"to_username": payee, "amount": "1.00"}, format="json")
            assert r.status_code == 201, r.content

    assert run_threads(4, ping_pong) == []
    assert Account.objects.get(owner=alice).balance == Decimal("10000.00")
    assert ledger_check().ok


def test_concurrent_requests_with_one_key_execute_once():
    alice = make_user("alice")
    make_user("bob")
    barrier = threading.Barrier(8)
    codes: list[int] = []
    bodies: list[dict] = []

    def same_key(i: int) -> None:
        client = client_for(alice)
        barrier.wait()
        r = client.post(URL, {"to_username": "bob", "amount": "250.00"}, format="json", HTTP_IDEMPOTENCY_KEY="once")
        codes.append(r.status_code)
        if r.status_code == 201:
            bodies.append(r.json())

    assert run_threads(8, same_key) == []
    assert set(codes) <= {201, 409} and codes.count(201) >= 1
    assert len({b["transaction"]["id"] for b in bodies}) == 1
    assert Transaction.objects.filter(kind="transfer").count() == 1
    assert Account.objects.get(owner=alice).balance == Decimal("9750.00")
