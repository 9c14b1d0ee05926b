"""Accounts facts, for decoupled listeners (the notifications app), so that accounts, a lower
layer, never imports them.

`pin_locked` is sent INSIDE the durable transaction that locked a customer's UPI PIN, after
its audit row (like ledger's `transaction_posted`). Receivers write their own rows in that same
transaction — the stored notification, which is its own outbox entry — so those rows commit or
roll back with the lock; they must not reach outside the database (anything else goes in
`transaction.on_commit`). A receiver that raises rolls the lock back.

Carries:
    user_id: int, the PIN's owner
    failed_attempts: int, the wrong PINs that locked it
    locked_until: str, when payments unlock (securebank.clock.timestamp)
"""

from django.dispatch import Signal

pin_locked = Signal()
