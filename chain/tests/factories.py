"""Chain test data: customers who pay each other, then a miner that seals it all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.tests.factories import make_user
from chain.models import Block
from chain.services import blocks_mine_pending, genesis_ensure
from ledger.models import Transaction
from ledger.selectors import account_for_user
from ledger.services import transfer_create


def pay(payer: Any, payee: Any, amount: str = "10.00", description: str = "") -> Transaction:
    return transfer_create(
        payer=payer, payee_account=account_for_user(user=payee), amount=Decimal(amount), description=description
    ).transaction


def sealed_chain(*, transfers: int = 4, max_tx: int = 3) -> tuple[list[Any], list[Block]]:
    """Two customers (two opening deposits) and `transfers` payments between them, sealed in
    blocks of at most `max_tx`. Returns the users and the new blocks."""
    genesis_ensure()
    alice, bob = make_user(full_name="Alice Rao"), make_user(full_name="Bob Das")
    for i in range(transfers):
        payer, payee = (alice, bob) if i % 2 == 0 else (bob, alice)
        pay(payer, payee, f"{10 + i}.25", description=f"payment {i} ✓")
    return [alice, bob], blocks_mine_pending(max_tx=max_tx)
