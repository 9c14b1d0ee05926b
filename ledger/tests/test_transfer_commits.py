"""A keyed transfer commits once: the payer's row (active?), the UPI PIN, the key, the money,
the notifications (the outbox) and the stored answer in one transaction, and nothing runs in
autocommit before it (the view's authentication leaves the user row to that transaction). A
wrong PIN commits its count alone. bench/transfer_commits.py lists the statements."""

from __future__ import annotations

from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper

from accounts import pin as pins
from accounts.models import UserPin
from accounts.tests.factories import make_user
from ledger.models import Account, IdempotencyKey, Transaction
from notifications import outbox
from notifications.models import Notification

URL = "/api/transactions/transfer"


@pytest.fixture
def counted(monkeypatch):
    """(explicit commits, statements run in autocommit: each its own transaction) of the calls
    made inside `with counted.watch():`, this thread only."""

    class Counter:
        active = False
        commits = 0
        autocommit: list[str] = []  # noqa: RUF012 - one instance per test

        @contextmanager
        def watch(self):
            self.commits, self.autocommit = 0, []
            with connection.execute_wrapper(self._statement):
                self.active = True
                try:
                    yield
                finally:
                    self.active = False

        def _statement(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            verb = sql.split()[0]
            if not connection.in_atomic_block and verb != "BEGIN":  # SQLite's atomic starts with BEGIN
                self.autocommit.append(verb)
            return execute(sql, params, many, context)

    counter = Counter()
    real_commit = BaseDatabaseWrapper.commit

    def commit(self: Any) -> None:
        counter.commits += counter.active
        real_commit(self)

    monkeypatch.setattr(BaseDatabaseWrapper, "commit", commit)
    # the acknowledgement of the pushes is batched per process in production (not per transfer)
    monkeypatch.setattr(outbox._acks, "add", lambda ids: None)
    return counter


@pytest.mark.django_db(transaction=True)
def test_a_keyed_transfer_with_its_pin_is_one_commit(auth_client, counted, scripted_risk):
    alice, bob = make_user("alice"), make_user("bob")
    pins.pin_set(user=alice, pin="2580", pin_confirm="2580")
    client = auth_client(alice)
    to = Account.objects.get(owner=bob).number
    with counted.watch():
        resp = client.post(URL, {"to_account": to, "amount": "5.00", "pin": "2580"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="one-commit")
    assert resp.status_code == 201, resp.content
    assert counted.commits == 1
    assert counted.autocommit == []  # the user is read inside the payment's transaction
    txn = Transaction.objects.get(pk=resp.json()["transaction"]["id"])
    assert IdempotencyKey.objects.get(key="one-commit").transaction_id == txn.pk
    assert Notification.objects.filter(data__transaction_id=str(txn.pk)).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_wrong_pin_commits_its_count_and_nothing_else(auth_client, counted, scripted_risk):
    alice = make_user("alice", balance="100.00")
    make_user("bob")
    pins.pin_set(user=alice, pin="2580", pin_confirm="2580")
    client = auth_client(alice)
    body = {"to_username": "bob", "amount": "5.00"}
    with counted.watch():
        wrong = client.post(URL, {**body, "pin": "1111"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "pin_invalid"
    assert counted.commits == 1 and counted.autocommit == [] and UserPin.objects.get(user=alice).failed_attempts == 1
    assert not IdempotencyKey.objects.filter(key="k").exists() and not Transaction.objects.filter(amount=5).exists()
    right = client.post(URL, {**body, "pin": "2580"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert right.status_code == 201, right.content  # the key was not used by the refusal
    assert UserPin.objects.get(user=alice).failed_attempts == 0
    assert Account.objects.get(owner=alice).balance == Decimal("95.00")
