"""Real concurrency on PostgreSQL: reviews and expiry racing on the same hold, transfers scored in
parallel threads. Each thread has its own connection and real row locks."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from fraud.models import FraudAlert
from fraud.services import alert_review, hold_expire
from fraud.tests.conftest import register_model
from fraud.tests.factories import held_transfer, make_user, primary_account
from ledger.checks import ledger_check
from ledger.models import Transaction
from ledger.services import transfer_create
from securebank.errors import DomainError
from securebank.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(*targets) -> tuple[list, list]:
    results, errors = [], []
    barrier = threading.Barrier(len(targets))

    def run(target) -> None:
        try:
            barrier.wait()
            results.append(target())
        except DomainError as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


@pytest.mark.parametrize("rounds", [5])
def test_approve_reject_and_expiry_racing_on_one_hold_settle_it_once(rounds):
    alice, bob, ops = make_user("alice", balance="100000.00"), make_user("bob"), make_user("ops", is_staff=True)
    for _ in range(rounds):
        txn, alert = held_transfer(payer=alice, payee=bob)
        later = txn.hold_expires_at.replace(year=txn.hold_expires_at.year + 1)
        results, errors = race(
            lambda a=alert: alert_review(alert_id=a.pk, actor=ops, action="approve"),
            lambda a=alert: alert_review(alert_id=a.pk, actor=ops, action="reject"),
            lambda t=txn, at=later: hold_expire(transaction_id=t.pk, now=at),
        )
        alert.refresh_from_db()
        txn.refresh_from_db()
        assert alert.status != FraudAlert.Status.OPEN
        assert AuditEvent.objects.filter(object_type="fraud.fraudalert", object_id=str(alert.pk)).count() == 1
        assert txn.status == (Transaction.Status.COMPLETED if alert.status == "approved" else Transaction.Status.DECLINED)
        assert len(errors) + sum(1 for r in results if r is False) == 2  # exactly one winner
    assert primary_account(alice).held == Decimal("0.00")
    assert ledger_check().ok


def test_parallel_transfers_scored_by_the_model_keep_the_ledger_exact(model_dir_setting, settings):
    settings.FRAUD_BLOCK_THRESHOLD = 1.01  # drains are held rather than declined
    register_model()
    payers = [make_user(f"p{i}") for i in range(6)]
    payee = make_user("shop")

    def transfer(user, amount):
        return lambda: transfer_create(payer=user, payee_account=primary_account(payee), amount=Decimal(amount)).transaction

    targets = [transfer(u, "10000.00" if i % 2 else "250.00") for i, u in enumerate(payers)]
    results, errors = race(*targets)
    assert not errors and len(results) == 6
    held = [t for t in results if t.status == Transaction.Status.HELD]
    assert len(held) == 3 and FraudAlert.objects.count() == 3
    assert {t.fraud_model_version for t in results} == {"test-model-1"}
    assert ledger_check().ok
