"""The canonical serialization of a completed transaction: what its Merkle leaf commits to.

Only facts that are fixed once a transaction completes go in, so the leaf can be recomputed
from the database rows at any later time and still match:

    id, reference, kind, amount, channel, description, created_at, completed_at   (public part)
    payer and payee account numbers, reversal_of, initiated_by, hold_expires_at, the fraud
    fields, and the entries (account number, signed amount, balance_after, created_at, in
    entry id order)                                                               (private part)

That is every column of the transaction and its entries except `status` and `status_reason`,
which are deliberately NOT included: a staff reversal turns a completed transaction into
`reversed` later (and writes a separate reversal transaction, which gets its own leaf), and
that must not break verification of the block that sealed it. A held transaction is sealed
only once it completes; a declined one never is.

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
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from chain.crypto import format_timestamp

LEAF_VERSION = 1
SALT_BYTES = 16

_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode
_quote = json.encoder.encode_basestring_ascii  # a JSON string literal, quotes included
_sha256 = hashlib.sha256


# Facts are held in their canonical text form (see `money`, `moment`, `canonical_json`), so the
# same database row gives the same bytes however it was read; chain.facts converts rows
# straight to text.
def money(value: Decimal | float | int) -> str:
    """Two-place amount text ("1500.50", "-3.00")."""
    return f"{value:.2f}"


def score(value: Decimal | float | None) -> str | None:
    return None if value is None else f"{value:.5f}"


def moment(value: datetime | None) -> str | None:
    return None if value is None else format_timestamp(value)


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, ASCII."""
    return _dumps(value)


class LeafEntry(NamedTuple):
    account: str  # account number
    amount: str  # signed money text: debits negative
    balance_after: str
    created_at: str | None


class LeafFacts(NamedTuple):
    """Immutable; a NamedTuple because verify_chain builds one per transaction and a tuple is
    several times cheaper to create than a frozen dataclass."""

    id: str  # lower-case UUID with hyphens
    reference: str
    kind: str
    amount: str
    channel: str
    description: str
    created_at: str | None  # never None in a healthy ledger; tolerated so that a
    completed_at: str | None  # tampered row fails verification instead of crashing it
    payer_account: str | None
    payee_account: str | None
    reversal_of: str | None
    initiated_by: int | None  # user id
    hold_expires_at: str | None
    fraud_score: str | None
    fraud_decision: str | None
    fraud_model_version: str | None
    fraud_reasons: str  # canonical_json of the list
    entries: tuple[LeafEntry, ...]


def _text(value: str | None) -> str:
    return "null" if value is None else _quote(value)


# The two serializers below write, by hand and for speed (verify_chain runs them for every
# transaction), exactly what `_dumps` (sorted keys, no whitespace, ASCII) would write for the
# same dict; test_leaves checks that equality on generated facts.
def private_data(facts: LeafFacts) -> bytes:
    entries = ",".join(
        f'{{"account":{_text(e.account)},"amount":{_text(e.amount)},"balance_after":{_text(e.balance_after)},'
        f'"created_at":{_text(e.created_at)}}}'
        for e in facts.entries
    )
    initiated_by = "null" if facts.initiated_by is None else str(int(facts.initiated_by))
    return (
        f'{{"entries":[{entries}],"fraud_decision":{_text(facts.fraud_decision)},'
        f'"fraud_model_version":{_text(facts.fraud_model_version)},"fraud_reasons":{facts.fraud_reasons},'
        f'"fraud_score":{_text(facts.fraud_score)},"hold_expires_at":{_text(facts.hold_expires_at)},'
        f'"initiated_by":{initiated_by},"payee_account":{_text(facts.payee_account)},'
        f'"payer_account":{_text(facts.payer_account)},"reversal_of":{_text(facts.reversal_of)}}}'
    ).encode("ascii")


def private_commitment(facts: LeafFacts, salt: bytes) -> str:
    return hashlib.sha256(salt + private_data(facts)).hexdigest()


def leaf_data(facts: LeafFacts, salt: bytes) -> bytes:
    """The exact bytes whose RFC 6962 leaf hash goes into the block's Merkle tree."""
    q = _quote  # the columns quoted directly are NOT NULL
    return (
        f'{{"amount":{_text(facts.amount)},"channel":{q(facts.channel)},'
        f'"completed_at":{_text(facts.completed_at)},"created_at":{_text(facts.created_at)},'
        f'"description":{q(facts.description)},"id":{q(facts.id)},"kind":{q(facts.kind)},'
        f'"private":"{private_commitment(facts, salt)}","reference":{q(facts.reference)},"v":{LEAF_VERSION}}}'
    ).encode("ascii")


def private_data_reference(facts: LeafFacts) -> bytes:
    """The definition `private_data` implements: the generic canonical JSON."""
    return _dumps(
        {
            "payer_account": facts.payer_account,
            "payee_account": facts.payee_account,
            "reversal_of": facts.reversal_of,
            "initiated_by": facts.initiated_by,
            "hold_expires_at": facts.hold_expires_at,
            "fraud_score": facts.fraud_score,
            "fraud_decision": facts.fraud_decision,
            "fraud_model_version": facts.fraud_model_version,
            "fraud_reasons": json.loads(facts.fraud_reasons),
            "entries": [
                {"account": e.account, "amount": e.amount, "balance_after": e.balance_after, "created_at": e.created_at}
                for e in facts.entries
            ],
        }
    ).encode("ascii")


def leaf_data_reference(facts: LeafFacts, salt: bytes) -> bytes:
    """The definition `leaf_data` implements: the generic canonical JSON."""
    return _dumps(
        {
            "v": LEAF_VERSION,
            "id": facts.id,
            "reference": facts.reference,
            "kind": facts.kind,
            "amount": facts.amount,
            "channel": facts.channel,
            "description": facts.description,
            "created_at": facts.created_at,
            "completed_at": facts.completed_at,
            "private": hashlib.sha256(salt + private_data_reference(facts)).hexdigest(),
        }
    ).encode("ascii")


def entry_json(account: str | None, amount: str | None, balance_after: str | None, created_at: str | None) -> str:
    """One entry of the private part, canonical JSON (see `private_data`)."""
    q = _quote
    return (
        f'{{"account":{"null" if account is None else q(account)},"amount":{"null" if amount is None else q(amount)},'
        f'"balance_after":{"null" if balance_after is None else q(balance_after)},'
        f'"created_at":{"null" if created_at is None else q(created_at)}}}'
    )


def leaf_hash_of(
    id_: str, reference: str, kind: str, amount: str | None, channel: str, description: str, created_at: str | None,
    completed_at: str | None, payer: str | None, payee: str | None, reversal_of: str | None, initiated_by: int | None,
    hold_expires_at: str | None, fraud_score: str | None, fraud_decision: str | None, fraud_model_version: str | None,
    fraud_reasons: str, entries_json: str, salt: bytes,
) -> bytes:
    """The leaf hash from the facts' fields in LeafFacts order, with the entries already joined
    by `entry_json` (so `verify_chain` can feed rows straight in, building no objects)."""
    q = _quote
    private = (
        f'{{"entries":[{entries_json}],"fraud_decision":{"null" if fraud_decision is None else q(fraud_decision)},'
        f'"fraud_model_version":{"null" if fraud_model_version is None else q(fraud_model_version)},'
        f'"fraud_reasons":{fraud_reasons},"fraud_score":{"null" if fraud_score is None else q(fraud_score)},'
        f'"hold_expires_at":{"null" if hold_expires_at is None else q(hold_expires_at)},'
        f'"initiated_by":{"null" if initiated_by is None else int(initiated_by)},'
        f'"payee_account":{"null" if payee is None else q(payee)},"payer_account":{"null" if payer is None else q(payer)},'
        f'"reversal_of":{"null" if reversal_of is None else q(reversal_of)}}}'
    ).encode("ascii")
    data = (
        f'\x00{{"amount":{"null" if amount is None else q(amount)},"channel":{q(channel)},'
        f'"completed_at":{"null" if completed_at is None else q(completed_at)},'
        f'"created_at":{"null" if created_at is None else q(created_at)},"description":{q(description)},'
        f'"id":{q(id_)},"kind":{q(kind)},"private":"{_sha256(salt + private).hexdigest()}",'
        f'"reference":{q(reference)},"v":{LEAF_VERSION}}}'
    )
    return _sha256(data.encode("ascii")).digest()


def leaf_of(facts: LeafFacts, salt: bytes) -> bytes:
    """The 32-byte leaf hash: SHA-256(0x00 || leaf_data) (test_leaves checks it against
    `leaf_data`)."""
    return leaf_hash_of(*facts[:-1], ",".join(entry_json(*e) for e in facts.entries), salt)
