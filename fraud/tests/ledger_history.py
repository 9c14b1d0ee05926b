"""Ledger histories for the behaviour and scenario tests: real Account and Transaction rows with
the times a history needs (created_at is set after the insert: the model stamps it on creation)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from fraud.scenarios.catalogue import Scenario
from fraud.scenarios.runner import payment_time
from fraud.tests.factories import make_user, primary_account
from ledger.models import Account, Transaction
from ledger.risk import TransferContext

_refs = itertools.count(700_000_000_000)


def account(name: str, *, opened: datetime, balance: Decimal | str = "10000.00") -> Account:
    acct = primary_account(make_user(name))
    Account.objects.filter(pk=acct.pk).update(created_at=opened, balance=Decimal(str(balance)), held=0)
    acct.refresh_from_db()
    return acct


def paid(payer: Account, payee: Account, amount: Decimal | str, at: datetime, *,
         status: str = Transaction.Status.COMPLETED, kind: str = Transaction.Kind.TRANSFER) -> Transaction:
    txn = Transaction.objects.create(
        reference=str(next(_refs)), kind=kind, status=status, amount=Decimal(str(amount)),
        payer_account=payer, payee_account=payee,
    )
    Transaction.objects.filter(pk=txn.pk).update(created_at=at)
    return txn


def context_for(payer: Account, payee: Account, amount: Decimal | str, at: datetime, *,
                available: Decimal | str | None = None, payee_balance: Decimal | str | None = None) -> TransferContext:
    available = Decimal(str(available)) if available is not None else payer.available
    return TransferContext(
        payer_user_id=payer.owner_id, payee_user_id=payee.owner_id, payer_account_id=payer.pk,
        payee_account_id=payee.pk, amount=Decimal(str(amount)), kind="transfer", channel="api",
        payer_balance=available, payer_available=available,
        payee_balance=Decimal(str(payee_balance)) if payee_balance is not None else payee.balance, at=at,
    )


def scenario_in_ledger(scenario: Scenario) -> TransferContext:
    """Write the scenario's history into the ledger; the context of its payment."""
    at = payment_time(scenario)
    long_ago = at - timedelta(days=3000)
    payer = account("customer", opened=at - scenario.account_age, balance=scenario.available)
    accounts: dict[str, Any] = {}

    def payee_named(name: str) -> Account:
        if name not in accounts:
            opened = at - scenario.payee_age if name == scenario.payee else long_ago
            balance = scenario.payee_balance if name == scenario.payee else "20000.00"
            accounts[name] = account(f"p-{name}"[:30], opened=opened, balance=balance)
        return accounts[name]

    target = payee_named(scenario.payee)
    for past in scenario.outgoing:
        paid(payer, payee_named(past.payee), past.amount, at - past.ago)
    for i, (ago, amount) in enumerate(scenario.incoming):
        paid(account(f"sender{i}", opened=long_ago), payer, amount, at - ago)
    for i in range(scenario.payee_new_payers_day):
        paid(account(f"newpayer{i}", opened=long_ago), target, "2500.00", at - timedelta(hours=2 + i))
    return context_for(payer, target, scenario.amount, at, available=scenario.available,
                       payee_balance=scenario.payee_balance)
