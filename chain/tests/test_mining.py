"""Sealing: the genesis block, what gets sealed (and what never does), order, exactly once,
block size, the recent-window shortcut, the real default difficulty, and mine_blocks."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accounts.tests.factories import make_user
from chain.crypto import ZERO_HASH, block_hash, header_prefix, signature_valid
from chain.keys import chain_signer
from chain.merkle import EMPTY_ROOT, merkle_root
from chain.models import Block, ChainHead, Seal
from chain.services import STRAGGLER_WINDOW, block_mine, blocks_mine_pending, genesis_ensure
from chain.tests.factories import pay, sealed_chain
from chain.verification import chain_verify
from ledger.models import Transaction
from ledger.selectors import account_for_user
from ledger.services import hold_complete, hold_release, transfer_reverse

pytestmark = pytest.mark.django_db


def test_genesis_block_exists_after_migrate_and_is_signed():
    genesis = Block.objects.get(index=0)  # made by migration 0002
    assert ChainHead.objects.get().block == genesis
    assert genesis.previous_hash == ZERO_HASH and genesis.tx_count == 0 and genesis.merkle_root == EMPTY_ROOT.hex()
    digest = block_hash(
        header_prefix(index=0, previous_hash=ZERO_HASH, merkle_root=genesis.merkle_root, timestamp=genesis.timestamp,
                      difficulty=genesis.difficulty, tx_count=0),
        genesis.nonce,
    )
    assert digest.hex() == genesis.hash and genesis.hash.startswith("0" * genesis.difficulty)
    assert genesis.key_id == chain_signer().key_id
    assert signature_valid(chain_signer().public_raw, digest, bytes.fromhex(genesis.signature))
    assert chain_verify().ok


def test_completed_transactions_are_sealed_in_commit_order_exactly_once(chain_settings):
    genesis_ensure()
    alice, bob = make_user(), make_user()
    first = pay(alice, bob, "100.00")
    chain_settings.decision = "hold"
    held = pay(alice, bob, "200.00")
    released = pay(alice, bob, "5.00")
    chain_settings.decision = "decline"
    declined = pay(alice, bob, "300.00")
    chain_settings.decision = "allow"
    second = pay(bob, alice, "50.00")
    hold_release(transaction_id=released.pk)

    blocks = blocks_mine_pending()
    assert len(blocks) == 1
    sealed = list(Seal.objects.filter(block=blocks[0]).order_by("position").values_list("transaction_id", flat=True))
    expected = list(
        Transaction.objects.filter(status="completed").order_by("completed_at", "id").values_list("id", flat=True)
    )
    assert sealed == expected  # two opening deposits, first, second: in (completed_at, id) order
    assert first.pk in sealed and second.pk in sealed
    assert held.pk not in sealed and declined.pk not in sealed and released.pk not in sealed
    assert block_mine() is None  # nothing pending: no empty blocks

    hold_complete(transaction_id=held.pk)  # a held payment is sealed once it completes
    reversal = transfer_reverse(transaction_id=first.pk, actor=None, reason="customer dispute")
    blocks = blocks_mine_pending()
    assert [s.transaction_id for s in Seal.objects.filter(block=blocks[0]).order_by("position")] == [held.pk, reversal.pk]
    assert Seal.objects.filter(transaction_id=first.pk).count() == 1
    # The original is now "reversed": its leaf has no status, so its block still verifies.
    assert Transaction.objects.get(pk=first.pk).status == "reversed"
    report = chain_verify()
    assert report.ok, report.failure
    assert report.transactions == Seal.objects.count() == 6 and report.pending == 0


def test_blocks_link_and_respect_max_tx():
    _users, blocks = sealed_chain(transfers=5, max_tx=3)  # 2 deposits + 5 payments
    assert [b.tx_count for b in blocks] == [3, 3, 1]
    assert [b.index for b in blocks] == [1, 2, 3]
    assert blocks[0].previous_hash == Block.objects.get(index=0).hash
    assert blocks[1].previous_hash == blocks[0].hash and blocks[2].previous_hash == blocks[1].hash
    assert ChainHead.objects.get().block == blocks[-1]
    leaves = [bytes.fromhex(h) for h in Seal.objects.filter(block=blocks[1]).order_by("position").values_list("leaf_hash", flat=True)]
    assert merkle_root(leaves).hex() == blocks[1].merkle_root


def test_the_recent_window_skips_old_stragglers_until_a_full_sweep():
    users, _blocks = sealed_chain(transfers=1)
    straggler = pay(users[0], users[1], "1.00")
    Transaction.objects.filter(pk=straggler.pk).update(completed_at=timezone.now() - STRAGGLER_WINDOW - timedelta(minutes=1))
    recent = pay(users[1], users[0], "2.00")
    [block] = blocks_mine_pending(full_sweep=False)
    assert list(block.seals.values_list("transaction_id", flat=True)) == [recent.pk]
    [block] = blocks_mine_pending(full_sweep=True)
    assert list(block.seals.values_list("transaction_id", flat=True)) == [straggler.pk]
    assert chain_verify().ok


def test_one_block_at_the_real_default_difficulty(settings):
    settings.BLOCKCHAIN_DIFFICULTY = 4
    genesis_ensure()
    alice, bob = make_user(), make_user()
    pay(alice, bob, "1.00")
    started = time.perf_counter()
    block = block_mine()
    elapsed = time.perf_counter() - started
    assert block.difficulty == 4 and block.hash.startswith("0000")
    assert elapsed < 5  # typically ~0.05 s; bench/chain.py measures the median
    assert chain_verify().ok


def test_mine_blocks_command_once():
    genesis_ensure()
    alice, bob = make_user(), make_user()
    pay(alice, bob)
    out = StringIO()
    call_command("mine_blocks", "--once", "--max-tx", "2", stdout=out)
    assert out.getvalue().startswith("mine_blocks: 2 block(s) mined (blocks 1-2): 3 transaction(s), tip ")
    with pytest.raises(CommandError):
        call_command("mine_blocks", "--max-tx", "0")


def test_mining_never_happens_in_the_payment_request(authed_client, user_factory):
    payee = user_factory()
    blocks_before = Block.objects.count()
    response = authed_client.post(
        "/api/transactions/transfer", {"to_account": account_for_user(user=payee).number, "amount": "5.00"}, format="json"
    )
    assert response.status_code == 201
    assert Block.objects.count() == blocks_before
    assert not Seal.objects.filter(transaction_id=response.json()["transaction"]["id"]).exists()


def test_mine_blocks_loop_mines_survives_a_failed_round_and_stops_on_sigterm(monkeypatch):
    import os
    import signal

    from django.db import OperationalError

    from chain.management.commands import mine_blocks
    from securebank.management import loop

    genesis_ensure()
    alice, bob = make_user(), make_user()
    pay(alice, bob)
    monkeypatch.setattr(loop, "close_old_connections", lambda: None)  # keep the test's transaction
    monkeypatch.setattr(loop.LoopCommand, "wait", lambda self, seconds: None)
    real_mine = mine_blocks.blocks_mine_pending
    rounds = []

    def scripted_mine(**kwargs):
        rounds.append(kwargs)
        if len(rounds) == 1:
            raise OperationalError("database restarting")
        if len(rounds) == 2:
            raise RuntimeError("a bug")
        result = real_mine(**kwargs)
        os.kill(os.getpid(), signal.SIGTERM)  # what `serve` sends when it stops
        return result

    monkeypatch.setattr(mine_blocks, "blocks_mine_pending", scripted_mine)
    out = StringIO()
    call_command("mine_blocks", "--loop", "--interval", "0.01", stdout=out)
    assert len(rounds) == 3 and rounds[0]["full_sweep"] is True
    assert "mine_blocks: 1 block(s) mined (block 1): 3 transaction(s)" in out.getvalue()
    assert out.getvalue().endswith("mine_blocks: stopped\n")


def test_the_windowed_pending_read_pages_past_sealed_rows_in_commit_order():
    from chain.facts import db_key
    from chain.services import _pending_keys, pending_transactions

    genesis_ensure()
    alice, bob = make_user(), make_user()
    early = timezone.now() - timedelta(minutes=1)
    for i in range(9):
        pay(alice, bob, f"{i + 1}.00")
    ordered = list(pending_transactions().values_list("pk", flat=True))
    # Seal every other one (as blocks made by an earlier miner), and give two the same
    # completed_at so that a page boundary can fall inside a tie.
    for i, pk in enumerate(ordered):
        Transaction.objects.filter(pk=pk).update(completed_at=early + timedelta(seconds=i // 2 * 2))
    block_mine(max_tx=3)  # the three oldest
    expected = [db_key(pk) for pk in pending_transactions(since=early).values_list("pk", flat=True)]
    assert len(expected) == len(ordered) - 3
    for max_tx in range(1, len(expected) + 2):  # pages of max_tx rows, sealed ones among them
        assert _pending_keys(since=early, max_tx=max_tx) == expected[:max_tx], max_tx
    assert _pending_keys(since=timezone.now() + timedelta(minutes=1), max_tx=5) == []
