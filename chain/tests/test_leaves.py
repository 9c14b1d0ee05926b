"""The canonical leaf serialization: a fixed vector, and what it does and does not commit to."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chain.leaves import (
    LeafEntry,
    LeafFacts,
    canonical_json,
    leaf_data,
    leaf_data_reference,
    leaf_of,
    moment,
    money,
    private_data,
    private_data_reference,
    score,
)

FACTS = LeafFacts(
    id="0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a77",
    reference="123456789012",
    kind="transfer",
    amount=money(Decimal("1500.50")),
    channel="api",
    description="Rent — März",
    created_at=moment(datetime(2026, 1, 31, 9, 30, 0, 5, tzinfo=UTC)),
    completed_at=moment(datetime(2026, 1, 31, 9, 30, 1, tzinfo=UTC)),
    payer_account="40000000000001",
    payee_account="40000000000002",
    reversal_of=None,
    initiated_by=17,
    hold_expires_at=None,
    fraud_score=score(Decimal("0.0123")),
    fraud_decision="allow",
    fraud_model_version="xgb-7",
    fraud_reasons='["new payee"]',
    entries=(
        LeafEntry("40000000000001", money(Decimal("-1500.5")), money(Decimal("8499.50")), "2026-01-31T09:30:01.000000Z"),
        LeafEntry("40000000000002", money(Decimal("1500.50")), money(11500.5), "2026-01-31T09:30:01.000000Z"),
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
        "amount": "1500.51", "channel": "qr", "description": "Rent", "created_at": "2026-01-31T09:30:00.000000Z",
        "completed_at": None, "payer_account": "40000000000003", "payee_account": "40000000000003",
        "reversal_of": "0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a70", "initiated_by": None,
        "hold_expires_at": "2026-02-01T00:00:00.000000Z", "fraud_score": "0.01231",
        "fraud_decision": "hold", "fraud_model_version": "xgb-8", "fraud_reasons": "[]",
        "entries": FACTS.entries[:1],
    }
    assert set(changes) == set(LeafFacts._fields)
    for name, value in changes.items():
        assert leaf_of(FACTS._replace(**{name: value}), SALT) != base, name
    for index, field, value in [(0, "amount", "1.00"), (0, "balance_after", "1.00"), (1, "account", "9"),
                                (1, "created_at", None)]:
        entries = list(FACTS.entries)
        entries[index] = entries[index]._replace(**{field: value})
        assert leaf_of(FACTS._replace(entries=tuple(entries)), SALT) != base, field
    assert leaf_of(FACTS, bytes(16)) != base  # the salt


def test_the_leaf_reveals_no_private_fact():
    data = leaf_data(FACTS, SALT).decode()
    for secret in ["40000000000001", "40000000000002", "8499.50", "11500.50", "0.01230", "xgb-7", "new payee"]:
        assert secret not in data


def test_text_helpers():
    assert money(Decimal("5")) == money(5) == money(5.0) == "5.00" and money(Decimal("-0.5")) == "-0.50"
    assert score(Decimal("0.1")) == score(0.1) == "0.10000" and score(None) is None
    assert moment(None) is None and moment(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000000Z"


alphabet = st.characters(codec="utf-8", exclude_categories=["Cs"])
maybe_text = st.none() | st.text(alphabet, max_size=12)
entry = st.builds(LeafEntry, st.text(alphabet, max_size=14), st.text(max_size=8), st.text(max_size=8), maybe_text)
reasons = st.lists(st.text(alphabet, max_size=10), max_size=3) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet, max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(alphabet, max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    facts=st.builds(
        LeafFacts, id=st.uuids().map(str), reference=st.text(alphabet, max_size=12), kind=st.text(alphabet, max_size=8),
        amount=st.text(max_size=10), channel=st.text(alphabet, max_size=6), description=st.text(alphabet, max_size=40),
        created_at=maybe_text, completed_at=maybe_text, payer_account=maybe_text, payee_account=maybe_text,
        reversal_of=maybe_text, initiated_by=st.none() | st.integers(min_value=0, max_value=2**63), hold_expires_at=maybe_text,
        fraud_score=maybe_text, fraud_decision=maybe_text, fraud_model_version=maybe_text, fraud_reasons=reasons.map(canonical_json),
        entries=st.lists(entry, max_size=3).map(tuple),
    ),
    salt=st.binary(min_size=16, max_size=16),
)
def test_hand_written_serializers_equal_the_canonical_json(facts, salt):
    assert private_data(facts) == private_data_reference(facts)
    assert leaf_data(facts, salt) == leaf_data_reference(facts, salt)
    assert leaf_of(facts, salt) == hashlib.sha256(b"\x00" + leaf_data_reference(facts, salt)).digest()
