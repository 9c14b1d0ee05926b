"""The raw-row loader gives exactly the text the ORM's typed values give, on either database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import connection

from chain import facts
from chain.facts import db_key, facts_for_ids, moment_text, uuid_text
from chain.leaves import LeafEntry, LeafFacts, canonical_json, moment, money, score
from chain.models import Seal
from chain.services import blocks_mine_pending
from chain.tests.factories import pay
from chain.verification import chain_verify
from ledger.models import Transaction
from ledger.services import transfer_reverse

pytestmark = pytest.mark.django_db


def typed_facts(txn: Transaction) -> LeafFacts:
    """The leaf facts of `txn` built from ORM objects (Django's converters)."""
    return LeafFacts(
        id=str(txn.pk), reference=txn.reference, kind=txn.kind, amount=money(txn.amount), channel=txn.channel,
        description=txn.description, created_at=moment(txn.created_at), completed_at=moment(txn.completed_at),
        payer_account=txn.payer_account.number, payee_account=txn.payee_account.number,
        reversal_of=None if txn.reversal_of_id is None else str(txn.reversal_of_id), initiated_by=txn.initiated_by_id,
        hold_expires_at=moment(txn.hold_expires_at), fraud_score=score(txn.fraud_score),
        fraud_decision=txn.fraud_decision, fraud_model_version=txn.fraud_model_version, fraud_reasons=canonical_json(txn.fraud_reasons),
        entries=tuple(LeafEntry(e.account.number, money(e.amount), money(e.balance_after), moment(e.created_at))
                      for e in txn.entries.order_by("id")),
    )


def test_loader_matches_the_orm(user_factory, chain_settings):
    alice, bob = user_factory(), user_factory()
    paid = pay(alice, bob, "1234.50", description="chai ☕ \"quoted\" \\ back")
    chain_settings.decision = "hold"
    held = pay(bob, alice, "7.00")
    chain_settings.decision = "allow"
    Transaction.objects.filter(pk=paid.pk).update(completed_at=paid.completed_at.replace(microsecond=0))  # the 19-char form
    # PostgreSQL prints 504000 microseconds as ".504+00": as long as SQLite's full-fraction form
    Transaction.objects.filter(pk=held.pk).update(created_at=held.created_at.replace(microsecond=504000))
    reversal = transfer_reverse(transaction_id=paid.pk, actor=bob, reason="duplicate")
    ids = [paid.pk, held.pk, reversal.pk, *Transaction.objects.filter(kind="deposit").values_list("pk", flat=True)]
    loaded = facts_for_ids(ids)
    assert set(loaded.facts) == {db_key(i) for i in ids}
    for txn in Transaction.objects.filter(pk__in=ids).select_related("payer_account", "payee_account"):
        assert loaded.of(txn.pk) == typed_facts(txn), txn.kind
        assert loaded.status[db_key(txn.pk)] == txn.status
    assert loaded.of(reversal.pk).reversal_of == str(paid.pk)
    assert loaded.of(held.pk).hold_expires_at is not None and loaded.of(held.pk).entries == ()


def test_text_converters_accept_every_driver_form():
    u = "0b8d0b3e6a3c4a8e9a510f5d3c1f2a77"
    assert uuid_text(u) == uuid_text(u.upper()) == "0b8d0b3e-6a3c-4a8e-9a51-0f5d3c1f2a77" and uuid_text(None) is None
    expected = "2026-01-31T09:30:00.123456Z"
    ist = timezone(timedelta(hours=5, minutes=30))
    for raw in ["2026-01-31 09:30:00.123456", "2026-01-31T09:30:00.123456", "2026-01-31 15:00:00.123456+05:30",
                datetime(2026, 1, 31, 9, 30, 0, 123456, tzinfo=UTC), datetime(2026, 1, 31, 15, 0, 0, 123456, tzinfo=ist)]:
        assert moment_text(raw) == expected, raw
    assert moment_text("2026-01-31 09:30:00") == "2026-01-31T09:30:00.000000Z"
    assert moment_text("2026-01-31 09:30:00.5") == "2026-01-31T09:30:00.500000Z"
    # PostgreSQL's own text of a timestamptz in UTC: trailing zeros of the fraction dropped
    for raw, text in [("2026-01-31 09:30:00.123456+00", expected), ("2026-01-31 09:30:00.1234+00", "2026-01-31T09:30:00.123400Z"),
                      ("2026-01-31 09:30:00.504+00", "2026-01-31T09:30:00.504000Z"), ("2026-01-31 09:30:00+00", "2026-01-31T09:30:00.000000Z")]:
        assert moment_text(raw) == text, raw


@pytest.mark.parametrize("casts", [False, pytest.param(True, id="text-casts")])
def test_text_cast_and_driver_value_reads_give_the_same_leaves(monkeypatch, user_factory, chain_settings, casts):
    """PostgreSQL casts numbers and UUIDs to text in SQL; the driver's Decimal / UUID objects,
    formatted in Python (the other read path, SQLite's), must give byte-identical facts, so a
    chain sealed by either path verifies under the other."""
    if casts and connection.vendor != "postgresql":
        pytest.skip("the SQL casts are PostgreSQL's")
    alice, bob = user_factory(), user_factory()
    paid = pay(alice, bob, "1234.50", description="chai ☕")
    chain_settings.decision = "hold"
    pay(bob, alice, "0.07")
    chain_settings.decision = "allow"
    transfer_reverse(transaction_id=paid.pk, actor=bob, reason="duplicate")
    Transaction.objects.filter(pk=paid.pk).update(fraud_score=Decimal("0.00010"))
    monkeypatch.setattr(facts, "text_casts", lambda: casts)  # the path that seals
    blocks_mine_pending(max_tx=2)
    ids = list(Transaction.objects.values_list("pk", flat=True))
    loaded = facts.facts_for_ids(ids)
    for txn in Transaction.objects.filter(pk__in=ids).select_related("payer_account", "payee_account"):
        assert loaded.of(txn.pk) == typed_facts(txn), txn.kind
    monkeypatch.setattr(facts, "text_casts", lambda: connection.vendor == "postgresql" and not casts)  # the other path verifies
    report = chain_verify()
    assert report.ok and report.transactions == Seal.objects.count() > 2, report.failure


def test_db_key_is_the_loader_key_and_a_valid_parameter(user_factory):
    alice, bob = user_factory(), user_factory()
    paid = pay(alice, bob, "5.00")
    key = db_key(paid.pk)
    assert list(facts.facts_for_ids([paid.pk]).facts) == [key]
    assert Transaction.objects.filter(pk=key).exists()
