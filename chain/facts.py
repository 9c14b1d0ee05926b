"""Reading the rows a leaf commits to, in bulk, for mining, verification and proofs.

One query for the transactions (with both account numbers joined), one for their entries
(ordered by transaction, then entry id). `values_list` keeps this at a few microseconds per
row, which is what lets `verify_chain` recompute tens of thousands of leaves per second.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from chain.leaves import LeafEntry, LeafFacts
from ledger.models import Entry, Transaction

_TX_FIELDS = (
    "id",
    "reference",
    "kind",
    "amount",
    "channel",
    "description",
    "created_at",
    "completed_at",
    "payer_account__number",
    "payee_account__number",
    "reversal_of_id",
    "initiated_by_id",
    "hold_expires_at",
    "fraud_score",
    "fraud_decision",
    "fraud_model_version",
    "fraud_reasons",
    "status",
)


class Loaded:
    """Facts of a set of transactions: `facts[id]` and `status[id]` (status is not part of
    the leaf; verification only checks that a sealed transaction is still completed or
    reversed)."""

    __slots__ = ("facts", "status")

    def __init__(self) -> None:
        self.facts: dict[UUID, LeafFacts] = {}
        self.status: dict[UUID, str] = {}


def facts_load(*, transactions: QuerySet[Transaction], entries: QuerySet[Entry]) -> Loaded:
    """`transactions` and `entries` select the same set (entries by their transaction)."""
    by_tx: dict[Any, list[LeafEntry]] = defaultdict(list)
    rows = entries.order_by("transaction_id", "id").values_list(
        "transaction_id", "account__number", "amount", "balance_after", "created_at"
    )
    for tx_id, account, amount, balance_after, created_at in rows.iterator(chunk_size=5000):
        by_tx[tx_id].append(LeafEntry(account, amount, balance_after, created_at))
    loaded = Loaded()
    for row in transactions.order_by().values_list(*_TX_FIELDS).iterator(chunk_size=5000):
        (tx_id, reference, kind, amount, channel, description, created_at, completed_at, payer, payee,
         reversal_of, initiated_by, hold_expires_at, fraud_score, fraud_decision, fraud_model_version, fraud_reasons, status) = row
        loaded.facts[tx_id] = LeafFacts(
            id=str(tx_id),
            reference=reference,
            kind=kind,
            amount=amount,
            channel=channel,
            description=description,
            created_at=created_at,
            completed_at=completed_at,
            payer_account=payer,
            payee_account=payee,
            reversal_of=None if reversal_of is None else str(reversal_of),
            initiated_by=initiated_by,
            hold_expires_at=hold_expires_at,
            fraud_score=fraud_score,
            fraud_decision=fraud_decision,
            fraud_model_version=fraud_model_version,
            fraud_reasons=fraud_reasons,
            entries=tuple(by_tx.get(tx_id, ())),
        )
        loaded.status[tx_id] = status
    return loaded


def facts_for_ids(ids: list[Any]) -> Loaded:
    return facts_load(
        transactions=Transaction.objects.filter(pk__in=ids), entries=Entry.objects.filter(transaction_id__in=ids)
    )


def facts_for_blocks(*, first_index: int, last_index: int) -> Loaded:
    """Every transaction sealed in blocks first_index..last_index (inclusive)."""
    span = (first_index, last_index)
    return facts_load(
        transactions=Transaction.objects.filter(chain_seal__block__index__range=span),
        entries=Entry.objects.filter(transaction__chain_seal__block__index__range=span),
    )
