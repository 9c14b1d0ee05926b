"""verify_chain against direct database tampering: every transaction, entry, seal and block
field; deleted, inserted and reordered rows. Each must fail naming the block (and the
transaction, where one is to blame)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.tests.factories import make_user
from chain.models import Block, ChainHead, Seal
from chain.services import blocks_mine_pending
from chain.tests.factories import pay, sealed_chain
from chain.verification import chain_verify
from ledger.models import Account, Entry, Transaction
from ledger.selectors import account_for_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    """Blocks 1-2 of three transactions each; `chain.target` is the last one sealed."""
    users, blocks = sealed_chain(transfers=4, max_tx=3)
    assert chain_verify().ok
    target_seal = Seal.objects.get(block=blocks[-1], position=2)

    class Chain:
        pass

    c = Chain()
    c.users, c.blocks = users, blocks
    c.block = blocks[-1]
    c.target = Transaction.objects.get(pk=target_seal.transaction_id)
    c.other = Transaction.objects.get(pk=Seal.objects.get(block=blocks[0], position=0).transaction_id)
    c.stranger = make_user()  # an unrelated customer (and one more, unsealed, deposit)
    return c


def failure():
    report = chain_verify()
    assert not report.ok, "tampering went unnoticed"
    return report.failure


def assert_names(chain, block_index, transaction_id):
    f = failure()
    assert (f.block_index, f.transaction_id) == (block_index, str(transaction_id) if transaction_id else None), str(f)
    return f


TRANSACTION_CHANGES = {
    "reference": lambda c: "999999999999",
    "kind": lambda c: "payment",
    "amount": lambda c: F("amount") + Decimal("0.01"),
    "channel": lambda c: "voice",
    "description": lambda c: "something else",
    "created_at": lambda c: F("created_at") - timedelta(microseconds=1),
    "completed_at": lambda c: F("completed_at") + timedelta(microseconds=1),
    "payer_account": lambda c: account_for_user(user=c.stranger),
    "payee_account": lambda c: account_for_user(user=c.stranger),
    "reversal_of": lambda c: c.other,
    "initiated_by": lambda c: c.stranger,
    "hold_expires_at": lambda c: timezone.now(),
    "fraud_score": lambda c: Decimal("0.50000"),
    "fraud_decision": lambda c: "hold",
    "fraud_model_version": lambda c: "another-model",
    "fraud_reasons": lambda c: ["injected"],
}
NOT_COMMITTED = {"id", "status", "status_reason"}  # id: tested by re-keying; status: see below


def test_every_transaction_column_is_covered():
    columns = {f.name for f in Transaction._meta.concrete_fields}
    assert columns == set(TRANSACTION_CHANGES) | NOT_COMMITTED


@pytest.mark.parametrize("field", sorted(TRANSACTION_CHANGES))
def test_changed_transaction_field_is_detected(chain, field):
    Transaction.objects.filter(pk=chain.target.pk).update(**{field: TRANSACTION_CHANGES[field](chain)})
    f = assert_names(chain, chain.block.index, chain.target.pk)
    assert "changed since it was sealed" in f.reason


def test_rekeyed_transaction_is_detected(chain):
    new_id = uuid.uuid4()
    Transaction.objects.filter(pk=chain.target.pk).update(id=new_id)
    Entry.objects.filter(transaction_id=chain.target.pk).update(transaction_id=new_id)
    Seal.objects.filter(transaction_id=chain.target.pk).update(transaction_id=new_id)
    assert_names(chain, chain.block.index, new_id)


def test_changed_account_number_is_detected(chain):
    Account.objects.filter(pk=chain.target.payee_account_id).update(number="49999999999999")
    f = failure()
    assert f.transaction_id is not None and f.block_index in {b.index for b in chain.blocks}


def test_status_reversed_is_allowed_but_not_declined_or_pending(chain):
    Transaction.objects.filter(pk=chain.target.pk).update(status="reversed", status_reason="staff reversal")
    assert chain_verify().ok  # status is not in the leaf, by design
    for status in ["declined", "pending", "held"]:
        Transaction.objects.filter(pk=chain.target.pk).update(status=status)
        f = assert_names(chain, chain.block.index, chain.target.pk)
        assert status in f.reason


ENTRY_CHANGES = {
    "amount": lambda c, e: F("amount") - Decimal("0.01"),
    "balance_after": lambda c, e: F("balance_after") + Decimal("1.00"),
    "created_at": lambda c, e: F("created_at") + timedelta(seconds=1),
    "account": lambda c, e: account_for_user(user=c.stranger),
}


def test_every_entry_column_is_covered():
    assert {f.name for f in Entry._meta.concrete_fields} == set(ENTRY_CHANGES) | {"id", "transaction"}


@pytest.mark.parametrize("field", sorted(ENTRY_CHANGES))
@pytest.mark.parametrize("side", [0, 1])
def test_changed_entry_field_is_detected(chain, field, side):
    entry = Entry.objects.filter(transaction=chain.target).order_by("id")[side]
    Entry.objects.filter(pk=entry.pk).update(**{field: ENTRY_CHANGES[field](chain, entry)})
    assert_names(chain, chain.block.index, chain.target.pk)


def test_entry_moved_to_another_transaction_is_detected(chain):
    entry = Entry.objects.filter(transaction=chain.other).order_by("id").first()  # the treasury side
    Entry.objects.filter(pk=entry.pk).update(transaction=chain.target)
    f = failure()
    assert f.transaction_id in {str(chain.other.pk), str(chain.target.pk)}


def test_entry_ids_swapped_is_detected(chain):
    first, second = Entry.objects.filter(transaction=chain.target).order_by("id")
    Entry.objects.filter(pk=first.pk).update(account=account_for_user(user=chain.stranger))  # (unique per account)
    Entry.objects.filter(pk=second.pk).update(account=first.account, amount=first.amount, balance_after=first.balance_after)
    Entry.objects.filter(pk=first.pk).update(account=second.account, amount=second.amount, balance_after=second.balance_after)
    Entry.objects.filter(pk=second.pk).update(account=first.account, amount=first.amount, balance_after=first.balance_after)
    assert_names(chain, chain.block.index, chain.target.pk)


def test_deleted_entry_is_detected(chain):
    Entry.objects.filter(transaction=chain.target).order_by("id").first().delete()
    assert_names(chain, chain.block.index, chain.target.pk)


def test_inserted_entry_is_detected(chain):
    Entry.objects.create(transaction=chain.target, account=account_for_user(user=chain.stranger),
                         amount=Decimal("1.00"), balance_after=Decimal("1.00"))
    assert_names(chain, chain.block.index, chain.target.pk)


# --- seals (membership) --------------------------------------------------------------------------
def test_changed_salt_or_sealed_leaf_is_detected(chain):
    seal = Seal.objects.get(transaction=chain.target)
    Seal.objects.filter(pk=seal.pk).update(salt="00" * 16)
    assert_names(chain, chain.block.index, chain.target.pk)
    Seal.objects.filter(pk=seal.pk).update(salt=seal.salt, leaf_hash="ab" * 32)
    assert_names(chain, chain.block.index, chain.target.pk)


def test_reordered_transactions_in_a_block_are_detected(chain):
    a, b = Seal.objects.filter(block=chain.block).order_by("position")[:2]
    Seal.objects.filter(pk=a.pk).update(position=99)
    Seal.objects.filter(pk=b.pk).update(position=a.position)
    Seal.objects.filter(pk=a.pk).update(position=b.position)
    f = assert_names(chain, chain.block.index, None)
    assert "Merkle root" in f.reason


def test_deleted_seal_is_detected(chain):
    Seal.objects.filter(transaction=chain.target).delete()
    f = assert_names(chain, chain.block.index, None)
    assert "header says 3" in f.reason


def test_inserted_seal_is_detected(chain):
    unsealed = pay(chain.users[0], chain.users[1], "3.00")
    Seal.objects.create(block=chain.block, position=3, transaction=unsealed, salt="00" * 16, leaf_hash="00" * 32)
    assert_names(chain, chain.block.index, unsealed.pk)


def test_seal_pointed_at_another_transaction_is_detected(chain):
    unsealed = pay(chain.users[0], chain.users[1], "3.00")
    Seal.objects.filter(transaction=chain.target).update(transaction=unsealed)
    assert_names(chain, chain.block.index, unsealed.pk)


def test_seal_moved_to_another_block_is_detected(chain):
    Seal.objects.filter(transaction=chain.target).update(block=chain.blocks[0], position=3)
    f = failure()
    assert f.block_index == chain.blocks[0].index


# --- blocks --------------------------------------------------------------------------------------
BLOCK_CHANGES = {
    "previous_hash": "1" * 64,
    "merkle_root": "2" * 64,
    "timestamp": F("timestamp") + timedelta(microseconds=1),
    "difficulty": F("difficulty") + 1,
    "nonce": F("nonce") + 1,
    "tx_count": F("tx_count") - 1,
    "hash": "0" * 64,
    "signature": "00" * 64,
    "key_id": "0" * 16,
}


def test_every_block_column_is_covered():
    assert {f.name for f in Block._meta.concrete_fields} == set(BLOCK_CHANGES) | {"id", "index"}


@pytest.mark.parametrize("field", sorted(BLOCK_CHANGES))
@pytest.mark.parametrize("which", [0, 1])
def test_changed_block_field_is_detected(chain, field, which):
    block = chain.blocks[which]
    Block.objects.filter(pk=block.pk).update(**{field: BLOCK_CHANGES[field]})
    f = failure()
    assert f.block_index == block.index, str(f)


def test_a_resigned_block_with_a_foreign_key_is_detected(chain):
    from chain.crypto import sign, signing_key_from_seed

    forged = sign(signing_key_from_seed(b"\x01" * 32), bytes.fromhex(chain.block.hash)).hex()
    Block.objects.filter(pk=chain.block.pk).update(signature=forged)
    f = assert_names(chain, chain.block.index, None)
    assert "signature" in f.reason


def test_changed_block_index_is_detected(chain):
    Block.objects.filter(pk=chain.blocks[0].pk).update(index=50)
    f = failure()
    assert "index" in f.reason


def test_deleted_block_is_detected(chain):
    Seal.objects.filter(block=chain.blocks[0]).delete()
    Block.objects.filter(pk=chain.blocks[0].pk).delete()
    f = failure()
    assert f.block_index == chain.blocks[1].index and "index" in f.reason


def test_reordered_blocks_are_detected(chain):
    first, second = chain.blocks
    Block.objects.filter(pk=first.pk).update(index=1000)
    Block.objects.filter(pk=second.pk).update(index=first.index)
    Block.objects.filter(pk=first.pk).update(index=second.index)
    f = failure()
    assert f.block_index == first.index


def test_block_inserted_beyond_the_head_is_detected(chain):
    tip = chain.block
    Block.objects.create(index=tip.index + 1, previous_hash=tip.hash, merkle_root="0" * 64, timestamp=timezone.now(),
                         difficulty=0, nonce=0, tx_count=0, hash="f" * 64, signature="00" * 64, key_id=tip.key_id)
    f = assert_names(chain, tip.index + 1, None)
    assert "beyond the chain head" in f.reason


def test_the_chain_keeps_verifying_as_it_grows(chain):
    pay(chain.users[0], chain.users[1], "4.00")
    blocks_mine_pending()
    report = chain_verify()
    assert report.ok and report.blocks == Block.objects.count() and report.transactions == Seal.objects.count()
    assert ChainHead.objects.get().block.index == report.head_index


# --- the command ---------------------------------------------------------------------------------
def test_verify_chain_command_reports_progress_and_exits_1_naming_block_and_transaction(chain):
    out, err = StringIO(), StringIO()
    call_command("verify_chain", stdout=out, stderr=err)
    assert "verify_chain: OK, 3 blocks, 6 transactions" in out.getvalue()
    assert "3/3 blocks" in err.getvalue()
    Transaction.objects.filter(pk=chain.target.pk).update(amount=Decimal("1.00"))
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_chain", "--quiet", stdout=StringIO(), stderr=StringIO())
    message = str(excinfo.value)
    assert f"block {chain.block.index}, transaction {chain.target.pk}" in message
    assert excinfo.value.returncode == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite lets text into a number column")
@pytest.mark.parametrize(("table", "column", "value"), [("ledger_entry", "amount", "abc"), ("ledger_transaction", "amount", "x"),
                                                         ("ledger_transaction", "fraud_score", "y")])
def test_a_row_that_no_longer_converts_is_named_not_a_crash(chain, table, column, value):
    key = "transaction_id" if table == "ledger_entry" else "id"
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {key} = %s", [value, chain.target.pk.hex])  # noqa: S608
    f = assert_names(chain, chain.block.index, chain.target.pk)
    assert "no longer reads" in f.reason


def test_verify_chain_uses_every_cpu_by_default_and_one_process_on_request(monkeypatch):
    import os

    from chain.management.commands import verify_chain

    seen = []
    real = verify_chain.chain_verify
    monkeypatch.setattr(verify_chain, "chain_verify", lambda **kwargs: seen.append(kwargs["workers"]) or real(**kwargs))
    call_command("verify_chain", "--quiet", stdout=StringIO())
    call_command("verify_chain", "--quiet", "--workers", "1", stdout=StringIO())
    assert seen == [os.cpu_count() or 1, 1]
    with pytest.raises(CommandError, match="at least 1"):
        call_command("verify_chain", "--workers", "0", stdout=StringIO())


def test_verification_restores_the_session_settings_it_changes(chain):
    from chain.verification import _reading_session

    shows = {"sqlite": ["PRAGMA cache_size"], "postgresql": ["SHOW work_mem", "SHOW max_parallel_workers_per_gather"]}
    queries = shows.get(connection.vendor, [])

    def current() -> list:
        with connection.cursor() as cursor:
            values = []
            for sql in queries:
                cursor.execute(sql)
                values.append(cursor.fetchone()[0])
            return values

    before = current()
    with _reading_session(kib=65_536):
        during = current()
    assert during != before or not queries  # the setting was in force
    assert chain_verify().ok
    assert current() == before


@pytest.mark.postgres
def test_a_transaction_failing_while_reading_keeps_its_own_error(chain):
    from django.db import ProgrammingError, transaction

    from chain.verification import _reading_session

    def work_mem() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return cursor.fetchone()[0]

    before = work_mem()
    with pytest.raises(ProgrammingError), transaction.atomic(), _reading_session():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM chain_block")
    assert work_mem() == before  # the rollback reverted the SET


def test_the_report_counts_the_miners_backlog(chain, chain_settings):
    alice, bob = chain.users
    pay(alice, bob, "1.00")
    pay(bob, alice, "2.00")
    chain_settings.decision = "hold"
    pay(alice, bob, "3.00")  # held: not sealable yet
    chain_settings.decision = "decline"
    assert pay(alice, bob, "4.00").status == "declined"  # recorded, never sealable
    chain_settings.decision = "allow"
    report = chain_verify()
    assert report.ok and report.pending == 3  # two payments and the stranger's opening deposit
    Transaction.objects.filter(pk=chain.target.pk).update(description="changed")
    failed = chain_verify()
    assert not failed.ok and failed.pending == 3
