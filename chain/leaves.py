"""The canonical serialization of a completed transaction: what its Merkle leaf commits to.

Only facts that are fixed once a transaction completes go in, so the leaf can be recomputed
from the database rows at any later time and still match:

    id, reference, kind, amount, channel, description, created_at, completed_at   (public part)
    payer and payee account numbers, reversal_of, initiated_by, hold_expires_at, the fraud
    fields, and the entries (account number, signed amount, balance_after, created_at, in
    entry id order)                                                               (private part)

That is every column of the transaction and its entries except `status` and `status_reason`,
which are deliberately NOT included: a staff reversal turns a
completed transaction into `reversed` later (and writes a separate reversal transaction,
which gets its own leaf), and that must not break verification of the block that sealed it.

The private part (the counterparty's account number and balance, fraud scores) must not be
shown to whoever receives an inclusion proof, so the leaf carries only a salted commitment to
it: SHA-256(salt || private JSON), with a random 16-byte salt stored beside the seal. A proof
then reveals the public part and the commitment; the bank's `verify_chain` recomputes both
parts from the rows.

Format (version 1): JSON with keys sorted, no whitespace, ASCII only (non-ASCII escaped);
amounts as two-place strings; fraud_score as a five-place string; timestamps UTC ISO-8601
with microseconds and "Z"; UUIDs lower-case with hyphens; absent values null.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from chain.crypto import format_timestamp
from chain.merkle import leaf_hash

LEAF_VERSION = 1
SALT_BYTES = 16

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode


@dataclass(frozen=True, slots=True)
class LeafEntry:
    account: str  # account number
    amount: Decimal  # signed: debits negative
    balance_after: Decimal
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class LeafFacts:
    id: str
    reference: str
    kind: str
    amount: Decimal
    channel: str
    description: str
    created_at: datetime | None  # never None in a healthy ledger; tolerated so that a
    completed_at: datetime | None  # tampered row fails verification instead of crashing it
    payer_account: str
    payee_account: str
    reversal_of: str | None
    initiated_by: int | None  # user id
    hold_expires_at: datetime | None
    fraud_score: Decimal | None
    fraud_decision: str | None
    fraud_model_version: str | None
    fraud_reasons: Any
    entries: tuple[LeafEntry, ...]


def _moment(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def private_data(facts: LeafFacts) -> bytes:
    return _dumps(
        {
            "payer_account": facts.payer_account,
            "payee_account": facts.payee_account,
            "reversal_of": facts.reversal_of,
            "initiated_by": facts.initiated_by,
            "hold_expires_at": _moment(facts.hold_expires_at),
            "fraud_score": None if facts.fraud_score is None else f"{facts.fraud_score:.5f}",
            "fraud_decision": facts.fraud_decision,
            "fraud_model_version": facts.fraud_model_version,
            "fraud_reasons": facts.fraud_reasons,
            "entries": [
                {
                    "account": e.account,
                    "amount": f"{e.amount:.2f}",
                    "balance_after": f"{e.balance_after:.2f}",
                    "created_at": _moment(e.created_at),
                }
                for e in facts.entries
            ],
        }
    ).encode("ascii")


def private_commitment(facts: LeafFacts, salt: bytes) -> str:
    return hashlib.sha256(salt + private_data(facts)).hexdigest()


def leaf_data(facts: LeafFacts, salt: bytes) -> bytes:
    """The exact bytes whose RFC 6962 leaf hash goes into the block's Merkle tree."""
    return _dumps(
        {
            "v": LEAF_VERSION,
            "id": facts.id,
            "reference": facts.reference,
            "kind": facts.kind,
            "amount": f"{facts.amount:.2f}",
            "channel": facts.channel,
            "description": facts.description,
            "created_at": _moment(facts.created_at),
            "completed_at": _moment(facts.completed_at),
            "private": private_commitment(facts, salt),
        }
    ).encode("ascii")


def leaf_of(facts: LeafFacts, salt: bytes) -> bytes:
    """The 32-byte leaf hash: SHA-256(0x00 || leaf_data)."""
    return leaf_hash(leaf_data(facts, salt))
