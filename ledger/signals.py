"""Ledger facts, for decoupled listeners (notifications, money requests, alerts).

`transaction_posted` is sent INSIDE the database transaction that wrote the ledger transaction,
as its last step (accounts locked, entries written). Receivers write their own rows in that same
transaction — the notification outbox — so those rows commit or roll back with the money; they
must not reach outside the database (anything else goes in `transaction.on_commit`). A receiver
that raises rolls the money back.

`transaction_committed` is sent only from `transaction.on_commit`, so a receiver never sees a
transaction that could still roll back; a crash between the commit and this signal loses it,
so nothing that must happen may depend on it.

Both carry:
    transaction: ledger.models.Transaction (as written; its accounts and their owners loaded)
    event: "completed" | "held" | "declined" | "released" (a reversal is a "completed" transaction of its own)
    balances: {account_id: (previous_balance, new_balance)} for accounts whose balance changed
"""

from django.dispatch import Signal

transaction_posted = Signal()
transaction_committed = Signal()
