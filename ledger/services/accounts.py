"""Ledger writes on accounts: the treasury, opening a customer's account, staff deposits,
freezing."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from ledger.models import Account, Transaction
from ledger.risk import AllowAll
from ledger.services.posting import Posting, post
from ledger.services.statements import accounts_lock, insert_with_unique, new_account_number
from securebank.audit import audit_record
from securebank.errors import InvalidAmount
from securebank.money import TWO_PLACES

if TYPE_CHECKING:
    from accounts.models import User

TREASURY_NUMBER = "00000000000001"


def treasury_get_or_create() -> Account:
    """The bank's own account, source of deposits (created by migration 0002; created here if a
    database lacks it)."""
    account, _ = Account.objects.get_or_create(
        number=TREASURY_NUMBER, defaults={"kind": Account.Kind.SYSTEM, "name": "Treasury"}
    )
    return account


def account_open_primary(*, user: User, opening_balance: Decimal | None = None) -> Account:
    """Open the user's primary savings account and credit the opening balance (default
    OPENING_BALANCE) from the treasury.

    Runs inside the registration's transaction (plain atomic, not durable).
    """
    amount = settings.OPENING_BALANCE if opening_balance is None else opening_balance
    with transaction.atomic():
        account = Account(owner=user, is_primary=True, name="Savings")
        insert_with_unique(account, "number", new_account_number)
        if amount > 0:
            _deposit(account=account, amount=amount, description="Opening balance", actor=None)
    return account


def deposit_create(*, account: Account, amount: Decimal, description: str = "Deposit", actor: User | None = None) -> Transaction:
    """Staff deposit from the treasury (admin action, `manage.py deposit`). No customer path."""
    if amount <= 0 or amount != amount.quantize(TWO_PLACES):
        raise InvalidAmount()
    with transaction.atomic(durable=True):
        txn = _deposit(account=account, amount=amount, description=description, actor=actor)
        if actor is not None:
            audit_record(actor=actor, action="ledger.deposit", obj=txn, after={"amount": str(amount), "account": account.number})
    return txn


def _deposit(*, account: Account, amount: Decimal, description: str, actor: User | None) -> Transaction:
    posting = Posting(
        payer_id=treasury_get_or_create().pk, payee_id=account.pk, amount=amount, kind=Transaction.Kind.DEPOSIT,
        channel="system", description=description, initiated_by=actor,
    )
    return post(posting, assessor=AllowAll(), enforce_limits=False).transaction


def account_status_set(*, account: Account, status: str, actor: User | None, note: str = "") -> Account:
    """Freeze or unfreeze, with an audit row in the same transaction."""
    with transaction.atomic(durable=True):
        locked = accounts_lock(account_ids=[account.pk])[account.pk]
        before = locked.status
        if before != status:
            locked.status = status
            locked.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor, action=f"account.{'freeze' if status == Account.Status.FROZEN else 'unfreeze'}",
                obj=locked, before={"status": before}, after={"status": status}, note=note,
            )
    return locked
