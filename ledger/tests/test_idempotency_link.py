"""The key's link to its money is written with its stored answer (one UPDATE): never to a
transaction a savepoint rolled back, and never twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from accounts.tests.factories import make_user
from ledger import services
from ledger.exceptions import AlreadyExecuted, InsufficientFunds
from ledger.idempotency import idempotent_execute
from ledger.models import Account, IdempotencyKey, Transaction

pytestmark = pytest.mark.django_db(transaction=True)  # the commit is what a dangling link would break


def _payee(user) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


def test_the_answer_links_the_transaction_the_call_made(scripted_risk):
    alice, bob = make_user("alice"), make_user("bob")

    def pay(record):
        outcome = services.transfer_create(payer=alice, payee_account=_payee(bob), amount=Decimal("3.00"), idempotency=record)
        return 201, {"id": str(outcome.transaction.pk)}

    answer = idempotent_execute(user=alice, key="k1", scope="t", fingerprint="f", execute=pay)
    assert IdempotencyKey.objects.get(key="k1").transaction_id == Transaction.objects.get(pk=answer.body["id"]).pk


def test_a_transaction_rolled_back_by_a_savepoint_is_not_linked(scripted_risk):
    alice, bob = make_user("alice"), make_user("bob")

    def pay_then_refuse(record):
        with transaction.atomic():  # a QR or a money request: its own block around the money
            services.transfer_create(payer=alice, payee_account=_payee(bob), amount=Decimal("3.00"), idempotency=record)
            raise InsufficientFunds(available="0.00")  # refused after paying: the block rolls back

    answer = idempotent_execute(user=alice, key="k2", scope="t", fingerprint="f", execute=lambda r: _refused(pay_then_refuse, r))
    assert answer.status == 422
    stored = IdempotencyKey.objects.get(key="k2")
    assert stored.transaction_id is None and stored.response_status == 422
    assert not Transaction.objects.filter(amount=Decimal("3.00")).exists()


def _refused(call, record):
    call(record)  # raises: the store turns the refusal into the stored answer


def test_a_key_never_moves_money_twice(scripted_risk):
    alice, bob = make_user("alice"), make_user("bob")

    def pay_twice(record):
        services.transfer_create(payer=alice, payee_account=_payee(bob), amount=Decimal("4.00"), idempotency=record)
        services.transfer_create(payer=alice, payee_account=_payee(bob), amount=Decimal("4.00"), idempotency=record)
        return 201, {}

    with pytest.raises(AlreadyExecuted):
        idempotent_execute(user=alice, key="k3", scope="t", fingerprint="f", execute=pay_twice)
    assert not IdempotencyKey.objects.filter(key="k3").exists()
    assert not Transaction.objects.filter(amount=Decimal("4.00")).exists()
