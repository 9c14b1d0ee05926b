"""Real threads on PostgreSQL row locks: a money request is paid exactly once."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from ledger.models import Account, Entry, Transaction
from payments import services
from payments.exceptions import MoneyRequestNotPending
from payments.models import MoneyRequest
from payments.tests.factories import make_request, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 8


def race(calls: list) -> list:
    """Run each call in its own thread (own connection), released together by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def total_money() -> Decimal:
    return sum((a.balance for a in Account.objects.all()), Decimal("0"))


def test_concurrent_accepts_pay_exactly_once():
    alice, bob = make_user("alice"), make_user("bob")
    request = make_request(bob, alice, "700.00")
    before = total_money()
    results = race([lambda: services.money_request_accept(user=alice, request_id=request.pk)] * THREADS)
    paid = [r for r in results if isinstance(r, services.RequestPayment)]
    refused = [r for r in results if isinstance(r, MoneyRequestNotPending)]
    assert len(paid) == 1, results
    assert len(refused) == THREADS - 1 and {r.extra["status"] for r in refused} == {"paid"}
    assert Transaction.objects.filter(kind="request_payment").count() == 1
    assert Entry.objects.filter(transaction__kind="request_payment").count() == 2
    assert Account.objects.get(owner=alice).balance == Decimal("9300.00")
    assert Account.objects.get(owner=bob).balance == Decimal("10700.00")
    assert total_money() == before
    request.refresh_from_db()
    assert request.status == "paid" and request.transaction_id == paid[0].transfer.transaction.pk


def test_concurrent_accept_decline_and_cancel_exactly_one_wins():
    alice, bob = make_user("alice"), make_user("bob")
    for _ in range(3):
        request = make_request(bob, alice, "10.00")
        calls = [
            lambda r=request: services.money_request_accept(user=alice, request_id=r.pk),
            lambda r=request: services.money_request_decline(user=alice, request_id=r.pk),
            lambda r=request: services.money_request_cancel(user=bob, request_id=r.pk),
        ] * 3
        results = race(calls)
        winners = [r for r in results if not isinstance(r, Exception)]
        assert len(winners) == 1, results
        assert all(isinstance(r, MoneyRequestNotPending) for r in results if isinstance(r, Exception))
        request.refresh_from_db()
        assert request.status in {"paid", "declined", "cancelled"}
        assert Transaction.objects.filter(money_request=request).count() == (1 if request.status == "paid" else 0)


def test_concurrent_accepts_over_http_with_different_keys_pay_once(auth_client):
    alice, bob = make_user("alice"), make_user("bob")
    request = make_request(bob, alice, "123.00")
    url = f"/api/payments/requests/{request.pk}/accept"

    def accept(i: int):
        return lambda: auth_client(alice).post(url, HTTP_IDEMPOTENCY_KEY=f"k-{i}").status_code

    codes = race([accept(i) for i in range(THREADS)])
    assert sorted(codes) == [201] + [409] * (THREADS - 1), codes
    assert MoneyRequest.objects.get(pk=request.pk).status == "paid"
    assert Account.objects.get(owner=bob).balance == Decimal("10123.00")


def test_expiry_job_beside_accepts_never_expires_a_paid_request():
    alice, bob = make_user("alice"), make_user("bob")
    requests = [make_request(bob, alice, "1.00") for _ in range(6)]
    calls = [lambda r=r: services.money_request_accept(user=alice, request_id=r.pk) for r in requests]
    calls += [lambda: services.money_requests_expire(now=max(r.expires_at for r in requests))] * 2
    race(calls)
    statuses = {r.pk: r.status for r in MoneyRequest.objects.all()}
    for request in requests:
        txns = Transaction.objects.filter(money_request__pk=request.pk).count()
        assert (statuses[request.pk], txns) in {("paid", 1), ("expired", 0)}, (statuses[request.pk], txns)
