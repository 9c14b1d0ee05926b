"""Fraud test data made through the real paths: users through registration's services, holds
through the real assessor (its fail-closed rule holds any transfer above FRAUD_FAIL_OPEN_LIMIT
when no model is active, which makes a hold deterministic without scripting the assessor)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.tests.factories import make_user
from fraud.models import FraudAlert
from ledger.models import Account, Transaction
from ledger.services import transfer_create

__all__ = ["held_transfer", "make_user", "primary_account"]


def primary_account(user: Any) -> Account:
    return Account.objects.get(owner=user, is_primary=True)


def held_transfer(*, payer: Any, payee: Any, amount: Decimal | str = "6000.00") -> tuple[Transaction, FraudAlert]:
    """A transfer held for review, and its alert. Needs no active model (the caller's test)."""
    outcome = transfer_create(payer=payer, payee_account=primary_account(payee), amount=Decimal(str(amount)))
    txn = outcome.transaction
    assert txn.status == Transaction.Status.HELD, txn.status
    return txn, FraudAlert.objects.get(transaction=txn)
