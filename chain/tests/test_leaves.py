"""The canonical leaf serialization: a fixed vector, and what it does and does not commit to."""

from __future__ import annotations

import dataclasses
import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from chain.leaves import LeafEntry, LeafFacts, leaf_data, leaf_of, private_data

FACTS = LeafFacts(
    id="0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a77",
    reference="123456789012",
    kind="transfer",
    amount=Decimal("1500.50"),
    channel="api",
    description="Rent — März",
    created_at=datetime(2026, 1, 31, 9, 30, 0, 5, tzinfo=UTC),
    completed_at=datetime(2026, 1, 31, 9, 30, 1, tzinfo=UTC),
    payer_account="40000000000001",
    payee_account="40000000000002",
    reversal_of=None,
    initiated_by=17,
    hold_expires_at=None,
    fraud_score=Decimal("0.01230"),
    fraud_decision="allow",
    fraud_model_version="xgb-7",
    fraud_reasons=["new payee"],
    entries=(
        LeafEntry("40000000000001", Decimal("-1500.50"), Decimal("8499.50"), datetime(2026, 1, 31, 9, 30, 1, tzinfo=UTC)),
        LeafEntry("40000000000002", Decimal("1500.50"), Decimal("11500.50"), datetime(2026, 1, 31, 9, 30, 1, tzinfo=UTC)),
    ),
)
SALT = bytes(range(16))

PRIVATE = (
    '{"entries":[{"account":"40000000000001","amount":"-1500.50","balance_after":"8499.50",'
    '"created_at":"2026-01-31T09:30:01.000000Z"},'
    '{"account":"40000000000002","amount":"1500.50","balance_after":"11500.50",'
    '"created_at":"2026-01-31T09:30:01.000000Z"}],'
    '"fraud_decision":"allow","fraud_model_version":"xgb-7","fraud_reasons":["new payee"],'
    '"fraud_score":"0.01230","hold_expires_at":null,"initiated_by":17,'
    '"payee_account":"40000000000002","payer_account":"40000000000001","reversal_of":null}'
)


def test_fixed_vector():
    assert private_data(FACTS).decode() == PRIVATE
    commitment = hashlib.sha256(SALT + PRIVATE.encode()).hexdigest()
    assert leaf_data(FACTS, SALT).decode() == (
        '{"amount":"1500.50","channel":"api","completed_at":"2026-01-31T09:30:01.000000Z",'
        '"created_at":"2026-01-31T09:30:00.000005Z","description":"Rent \\u2014 M\\u00e4rz",'
        '"id":"0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a77","kind":"transfer",'
        f'"private":"{commitment}","reference":"123456789012","v":1}}'
    )
    assert leaf_of(FACTS, SALT) == hashlib.sha256(b"\x00" + leaf_data(FACTS, SALT)).digest()


def test_every_fact_changes_the_leaf():
    base = leaf_of(FACTS, SALT)
    changes = {
        "id": "0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a78", "reference": "123456789013", "kind": "payment",
        "amount": Decimal("1500.51"), "channel": "qr", "description": "Rent", "created_at": datetime(2026, 1, 31, tzinfo=UTC),
        "completed_at": None, "payer_account": "40000000000003", "payee_account": "40000000000003",
        "reversal_of": "0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a70", "initiated_by": None,
        "hold_expires_at": datetime(2026, 2, 1, tzinfo=UTC), "fraud_score": Decimal("0.01231"),
        "fraud_decision": "hold", "fraud_model_version": "xgb-8", "fraud_reasons": [],
        "entries": FACTS.entries[:1],
    }
    assert set(changes) == {f.name for f in dataclasses.fields(LeafFacts)}
    for name, value in changes.items():
        assert leaf_of(dataclasses.replace(FACTS, **{name: value}), SALT) != base, name
    for index, field, value in [(0, "amount", Decimal("1")), (0, "balance_after", Decimal("1")), (1, "account", "9"),
                                (1, "created_at", None)]:
        entries = list(FACTS.entries)
        entries[index] = dataclasses.replace(entries[index], **{field: value})
        assert leaf_of(dataclasses.replace(FACTS, entries=tuple(entries)), SALT) != base, field
    assert leaf_of(FACTS, bytes(16)) != base  # the salt


def test_the_leaf_reveals_no_private_fact():
    data = leaf_data(FACTS, SALT).decode()
    for secret in ["40000000000001", "40000000000002", "8499.50", "11500.50", "0.01230", "xgb-7", "new payee"]:
        assert secret not in data
