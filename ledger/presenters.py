"""Turning a transfer outcome into the API's answer — shared by every money-moving endpoint
(transfers, payments, QR, voice) so that they all answer alike."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from rest_framework import status

from accounts.models import User
from ledger.exceptions import TransactionDeclined
from ledger.models import Transaction
from ledger.serializers import TransactionOutput
from ledger.services import TransferOutcome
from securebank.money import format_amount


def transfer_result(outcome: TransferOutcome) -> tuple[int, dict[str, Any]]:
    """201 completed, 202 held (funds reserved pending review); declined raises 422."""
    txn = outcome.transaction
    txn.is_outgoing = True  # the caller is the payer
    txn.my_balance_after = outcome.payer_account.balance if txn.status == Transaction.Status.COMPLETED else None
    body = {
        "transaction": TransactionOutput(txn).data,
        "balance": format_amount(outcome.payer_account.balance),
        "available": format_amount(outcome.payer_account.available),
    }
    if txn.status == Transaction.Status.DECLINED:
        raise TransactionDeclined(transaction=body["transaction"])
    return (status.HTTP_202_ACCEPTED if txn.status == Transaction.Status.HELD else status.HTTP_201_CREATED), body


def transaction_replay(*, user: User, transaction_id: UUID) -> tuple[int, dict[str, Any]]:
    """Rebuild the answer for an idempotent retry whose first response was never stored."""
    from ledger.selectors import account_for_user, transaction_get_for_user

    txn = transaction_get_for_user(user=user, transaction_id=transaction_id)
    account = account_for_user(user=user)
    body = {
        "transaction": TransactionOutput(txn).data,
        "balance": format_amount(account.balance),
        "available": format_amount(account.available),
    }
    if txn.status == Transaction.Status.DECLINED:
        raise TransactionDeclined(transaction=body["transaction"])
    return (status.HTTP_202_ACCEPTED if txn.status == Transaction.Status.HELD else status.HTTP_201_CREATED), body
