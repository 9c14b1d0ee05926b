"""Transfers: the one customer path (`transfer_create`) and the staff correction
(`transfer_reverse`)."""

from __future__ import annotations

from contextlib import nullcontext
from decimal import Decimal
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection, transaction

from ledger.exceptions import AlreadyExecuted, TransactionStateConflict
from ledger.models import Account, IdempotencyKey, Transaction
from ledger.risk import AllowAll, get_risk_assessor
from ledger.services.holds import transaction_lock
from ledger.services.posting import Posting, TransferOutcome, post
from securebank.audit import audit_record

if TYPE_CHECKING:
    from accounts.models import User


def transfer_create(
    *,
    payer: User,
    payee_account: Account,
    amount: Decimal,
    kind: str = Transaction.Kind.TRANSFER,
    channel: str = "api",
    description: str = "",
    idempotency: IdempotencyKey | None = None,
) -> TransferOutcome:
    """Move `amount` from `payer`'s primary account to `payee_account`: the one customer path.

    One atomic block: the caller's when there is one (the idempotent request's; QR and money
    requests call this inside theirs so that consuming the QR / paying the request commits with
    the money), else its own. Checks, in order:
    self-transfer, frozen accounts, daily limit, available funds; then the risk assessor
    decides allow (completed), hold (funds reserved, payee not credited) or decline (recorded,
    nothing moves). `idempotency`, when given, is linked in the same transaction, and a key
    already linked to another transaction is refused: a key can never move money twice.
    """
    posting = Posting(
        payer_id=None, payer_owner_id=payer.pk, payee_id=payee_account.pk, amount=amount, kind=kind,
        channel=channel, description=description, initiated_by=payer,
    )
    # Inside a caller's transaction (every API path) no savepoint: `post` refuses only before it
    # writes, so a refusal leaves that transaction as it found it, and a savepoint would cost
    # every transfer two statements for nothing.
    with nullcontext() if connection.in_atomic_block else transaction.atomic():
        outcome = post(posting, assessor=get_risk_assessor(), enforce_limits=True)
        if idempotency is not None:
            idempotency_link(idempotency, outcome.transaction)
    return outcome


def idempotency_link(record: IdempotencyKey, txn: Transaction) -> None:
    """Link the key to its money: `ledger.idempotency` writes the link with the stored answer,
    in this transaction. A key that already owns a transaction raises (a programming error: a
    fresh claim owns none), which rolls the transfer back: a key never moves money twice."""
    if record.transaction_id is not None:
        raise AlreadyExecuted(record.transaction_id)
    record.transaction_id = txn.pk


def transfer_reverse(*, transaction_id: UUID, actor: User, reason: str) -> Transaction:
    """Staff correction: a new reversal transaction moves the money back; the original is
    marked reversed. The payee must still have the funds (no customer goes negative)."""
    with transaction.atomic(durable=True):
        original = transaction_lock(transaction_id)
        if original.status != Transaction.Status.COMPLETED or original.kind == Transaction.Kind.REVERSAL:
            raise TransactionStateConflict(f"Only completed transactions can be reversed (this one is {original.status}).")
        posting = Posting(
            payer_id=original.payee_account_id, payee_id=original.payer_account_id, amount=original.amount,
            kind=Transaction.Kind.REVERSAL, channel="admin", description=f"Reversal of {original.reference}: {reason}",
            initiated_by=actor, reversal_of=original,
        )
        outcome = post(posting, assessor=AllowAll(), enforce_limits=False)
        original.status = Transaction.Status.REVERSED
        original.status_reason = reason[:255]
        original.save(update_fields=["status", "status_reason"])
        audit_record(actor=actor, action="ledger.reverse", obj=original, before={"status": "completed"},
                     after={"status": "reversed", "reversal": str(outcome.transaction.pk)}, note=reason)
    return outcome.transaction
