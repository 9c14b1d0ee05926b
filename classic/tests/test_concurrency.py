"""Real threads on PostgreSQL (and Redis when REDIS_URL is set): one verified PIN pays once,
however many payments race for its ticket."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from accounts import pin as pins
from accounts.tests.factories import make_user
from ledger.models import Account, Transaction
from securebank.tests.threads import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def test_one_ticket_one_payment_under_a_race():
    alice, bob = make_user(), make_user()
    pins.pin_set(user=alice, pin="1234", pin_confirm="1234")
    clients = [client_for(alice) for _ in range(THREADS)]
    assert clients[0].post("/classic/api/pin/verify", {"pin": "1234"}, format="json").status_code == 200
    barrier = threading.Barrier(THREADS)
    statuses: list[int | None] = [None] * THREADS

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            res = clients[i].post("/classic/api/payments/send", {"receiver_id": bob.pk, "amount": 10, "description": ""},
                                  format="json")
            statuses[i] = res.status_code
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201] + [400] * (THREADS - 1)
    assert Transaction.objects.filter(kind="payment").count() == 1
    assert Account.objects.get(owner=bob).balance == Decimal("10010.00")
