"""The end of a held transaction: completed (the reserved funds move) or released (nothing
moves). Both are steps of a use case above the ledger (fraud review, hold expiry), which owns
the durable transaction and the audit row naming who decided; the ledger only moves the money.
"""

from __future__ import annotations

from uuid import UUID

from django.db import transaction

from ledger.exceptions import TransactionNotFound, TransactionStateConflict
from ledger.listeners import hold_release_listeners
from ledger.models import Account, Transaction
from ledger.services.posting import announce, payee_can_receive
from ledger.services.statements import accounts_lock, accounts_write, entries_write
from securebank import clock


def transaction_lock(transaction_id: UUID) -> Transaction:
    """The transaction, locked FOR UPDATE; TransactionNotFound for an unknown or malformed id."""
    try:
        return Transaction.objects.select_for_update().get(pk=transaction_id)
    except (Transaction.DoesNotExist, ValueError, TypeError) as exc:
        raise TransactionNotFound() from exc


def _held_lock(transaction_id: UUID) -> tuple[Transaction, Account, Account]:
    """Lock the held transaction, then its accounts (in primary-key order)."""
    txn = transaction_lock(transaction_id)
    if txn.status != Transaction.Status.HELD:
        raise TransactionStateConflict(f"The transaction is {txn.status}.", status=txn.status)
    locked = accounts_lock(account_ids=[txn.payer_account_id, txn.payee_account_id])
    payer, payee = locked[txn.payer_account_id], locked[txn.payee_account_id]
    txn.payer_account, txn.payee_account = payer, payee
    return txn, payer, payee


def hold_complete(*, transaction_id: UUID, note: str = "") -> Transaction:
    """Complete a held transaction: the reserved funds move to the payee.

    Plain atomic: the fraud review service wraps it with its alert update and audit row.
    """
    with transaction.atomic():
        txn, payer, payee = _held_lock(transaction_id)
        payee_can_receive(payee)
        balances = entries_write(txn=txn, payer=payer, payee=payee, amount=txn.amount, release_held=True)
        txn.status = Transaction.Status.COMPLETED
        txn.completed_at = clock.now()
        txn.status_reason = note[:255] or "Approved after review."
        txn.save(update_fields=["status", "completed_at", "status_reason"])
        announce(txn, "completed", balances)
    return txn


def hold_release(*, transaction_id: UUID, reason: str = "Released after review.") -> Transaction:
    """Release a held transaction: the reservation is lifted, nothing moves (status declined).
    The LEDGER_HOLD_RELEASE_LISTENERS run inside the same database transaction."""
    with transaction.atomic():
        txn, payer, _payee = _held_lock(transaction_id)
        payer.held -= txn.amount
        accounts_write(payer)
        txn.status = Transaction.Status.DECLINED
        txn.status_reason = reason[:255]
        txn.save(update_fields=["status", "status_reason"])
        # What else must change with the release (a money request paid by this transaction
        # reopens) changes here, in this transaction: if a listener fails, the release rolls
        # back and the hold stays, rather than a request staying paid by money that never moved.
        for listener in hold_release_listeners():
            listener(transaction=txn)
        announce(txn, "released", {})
    return txn
