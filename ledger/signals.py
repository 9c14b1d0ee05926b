"""Committed ledger facts, for decoupled listeners (notifications, alerts).

`transaction_committed` is sent only from `transaction.on_commit`, so a receiver never sees a
transaction that could still roll back. Receivers get:
    transaction: ledger.models.Transaction (fresh from the database)
    event: "completed" | "held" | "declined" | "released" (a reversal is a "completed" transaction of its own)
    balances: {account_id: (previous_balance, new_balance)} for accounts whose balance changed
"""

from django.dispatch import Signal

transaction_committed = Signal()
