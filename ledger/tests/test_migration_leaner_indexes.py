"""ledger 0007 and 0008, notifications 0002: a payment writes fewer indexes, and the hold
sweeper keeps a (partial) index of its own. Runs on both databases: the migrations write their
statements by hand (securebank/migration_indexes.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("ledger", "0006_summary_rollup")]


def _indexes(table: str) -> dict[str, list[str]]:
    """Non-unique indexes of the table: name -> columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, table)
    return {name: info["columns"] for name, info in found.items()
            if info["index"] and not info["unique"] and not info["primary_key"]}


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _single_column(table: str) -> set[str]:
    return {columns[0] for columns in _indexes(table).values() if len(columns) == 1}


def test_payments_write_no_index_that_another_leads_with():
    transaction_single = _single_column("ledger_transaction")
    assert {"payer_account_id", "payee_account_id"}.isdisjoint(transaction_single)
    assert "transaction_id" not in _single_column("ledger_entry")
    assert not _single_column("ledger_idempotencykey") - {"created_at"}  # the key sweeper's
    assert "user_id" not in _single_column("payments_notification")
    indexes = _indexes("ledger_transaction")
    assert indexes["txn_held_expiry_idx"] == ["hold_expires_at"]
    if connection.vendor == "postgresql":  # partial: completed payments write nothing to it
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'txn_held_expiry_idx'")
            assert "WHERE" in cursor.fetchone()[0]
    assert not any(columns[:1] == ["status"] for columns in indexes.values())
    # Each account column is still the first column of an index (lookups and PROTECT checks).
    firsts = {columns[0] for columns in indexes.values()}
    assert {"payer_account_id", "payee_account_id"} <= firsts


def test_backwards_restores_the_indexes_and_forwards_drops_them_again():
    try:
        _migrate(BEFORE)
        before = _indexes("ledger_transaction")
        assert {"payer_account_id", "payee_account_id"} <= _single_column("ledger_transaction")
        assert "transaction_id" in _single_column("ledger_entry")
        assert {"user_id", "transaction_id"} <= _single_column("ledger_idempotencykey")
        assert ["status", "hold_expires_at"] in before.values()
        assert "txn_held_expiry_idx" not in before
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert "txn_held_expiry_idx" in _indexes("ledger_transaction")
    assert "payer_account_id" not in _single_column("ledger_transaction")
    assert "user_id" not in _single_column("ledger_idempotencykey")
