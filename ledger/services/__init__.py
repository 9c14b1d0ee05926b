"""Ledger writes: opening accounts, deposits, transfers, holds, reversals, freezing.

Every function that moves money takes row locks through `accounts_lock` (primary-key order, so
two transfers in opposite directions cannot deadlock), re-reads balances after locking, writes
one Transaction with its Entries, sends `transaction_posted` inside the transaction (the
notification outbox is written there) and registers `transaction_committed` for after the commit.

- `accounts`: the treasury, opening a customer's account, deposits, freezing;
- `transfers`: the customer transfer and the staff reversal;
- `holds`: completing or releasing a held transaction;
- `posting`: the one posting every movement goes through, in named steps;
- `statements`: the money path's hand-written SQL, each statement with the figure that earns it.

This package's names below are the public API (`from ledger.services import transfer_create`).
"""

from ledger.services.accounts import (
    TREASURY_NUMBER,
    account_open_primary,
    account_status_set,
    deposit_create,
    treasury_get_or_create,
)
from ledger.services.holds import hold_complete, hold_release
from ledger.services.posting import TransferOutcome
from ledger.services.statements import accounts_lock
from ledger.services.transfers import transfer_create, transfer_reverse

__all__ = [
    "TREASURY_NUMBER",
    "TransferOutcome",
    "account_open_primary",
    "account_status_set",
    "accounts_lock",
    "deposit_create",
    "hold_complete",
    "hold_release",
    "transfer_create",
    "transfer_reverse",
    "treasury_get_or_create",
]
