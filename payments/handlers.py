"""Signal receivers: ledger facts -> payments services. Thin: they only hand on."""

from __future__ import annotations

from typing import Any


def on_transaction_posted(sender: Any, *, transaction: Any, event: str, balances: dict, **kwargs: Any) -> None:
    """`ledger.signals.transaction_posted` (inside the money's transaction) -> the users'
    notifications, written to the outbox in that transaction. An error here rolls the money
    back: a payment whose notifications cannot be stored is not made."""
    from payments.services import transaction_notifications_create

    transaction_notifications_create(transaction=transaction, event=event, balances=balances)
