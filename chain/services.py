"""Chain writes: the genesis block and sealing completed transactions into new blocks.

Mining never runs inside a payment request: `manage.py mine_blocks` (a worker beside the
server) calls `blocks_mine_pending`. Appending is one durable database transaction that
first locks the chain-head row, so concurrent miners queue behind each other and each builds
on the block the previous one committed: the chain cannot fork.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from chain.crypto import ZERO_HASH, header_prefix, pow_search
from chain.facts import facts_for_ids
from chain.keys import ChainSigner, chain_signer
from chain.leaves import SALT_BYTES, leaf_of
from chain.merkle import EMPTY_ROOT, merkle_root
from chain.models import Block, ChainHead, Seal
from ledger.models import Transaction

DEFAULT_MAX_TX = 1000
# A transaction whose commit lands later than this after its completed_at is picked up by the
# periodic full sweep rather than the cheap recent-window query (see blocks_mine_pending).
STRAGGLER_WINDOW = timedelta(minutes=10)
SEALABLE_STATUSES = (Transaction.Status.COMPLETED, Transaction.Status.REVERSED)


def block_forge(
    *, index: int, previous_hash: str, merkle_root: str, difficulty: int, tx_count: int,
    timestamp: datetime, signer: ChainSigner,
) -> dict[str, Any]:
    """Field values of a new block: proof-of-work over its header, then the signature.

    Pure apart from the clock-free search; the data migration uses it for the genesis block.
    """
    prefix = header_prefix(
        index=index, previous_hash=previous_hash, merkle_root=merkle_root, timestamp=timestamp,
        difficulty=difficulty, tx_count=tx_count,
    )
    found = pow_search(prefix, difficulty)
    assert found is not None  # unbounded search always ends  # noqa: S101
    nonce, digest = found
    return {
        "index": index,
        "previous_hash": previous_hash,
        "merkle_root": merkle_root,
        "timestamp": timestamp,
        "difficulty": difficulty,
        "nonce": nonce,
        "tx_count": tx_count,
        "hash": digest.hex(),
        "signature": signer.sign(digest).hex(),
        "key_id": signer.key_id,
    }


def genesis_fields(*, timestamp: datetime, difficulty: int, signer: ChainSigner) -> dict[str, Any]:
    return block_forge(
        index=0, previous_hash=ZERO_HASH, merkle_root=EMPTY_ROOT.hex(), difficulty=difficulty, tx_count=0,
        timestamp=timestamp, signer=signer,
    )


def genesis_ensure() -> ChainHead:
    """The chain head, creating the genesis block if the database has none (migration 0002
    creates it; this covers a database emptied since, e.g. between tests)."""
    head = ChainHead.objects.filter(pk=1).first()
    if head is not None:
        return head
    try:
        with transaction.atomic():
            block = Block.objects.order_by("-index").first()
            if block is None:
                block = Block.objects.create(
                    **genesis_fields(timestamp=timezone.now(), difficulty=settings.BLOCKCHAIN_DIFFICULTY, signer=chain_signer())
                )
            return ChainHead.objects.create(pk=1, block=block)
    except IntegrityError:  # another process created it first
        return ChainHead.objects.get(pk=1)


def pending_transactions(*, since: datetime | None = None) -> QuerySet[Transaction]:
    """Completed (or since reversed) transactions in no block yet, in commit order
    (completed_at, id). `since` limits the scan to recently completed ones."""
    qs = Transaction.objects.filter(status__in=SEALABLE_STATUSES, completed_at__isnull=False).filter(
        ~Exists(Seal.objects.filter(transaction_id=OuterRef("pk")))
    )
    if since is not None:
        qs = qs.filter(completed_at__gte=since)
    return qs.order_by("completed_at", "id")


def block_mine(*, max_tx: int = DEFAULT_MAX_TX, since: datetime | None = None, difficulty: int | None = None) -> Block | None:
    """Seal up to `max_tx` pending transactions into one new block; None if none are pending.

    Holds the chain-head row lock from choosing the transactions until the block and its
    seals commit, so no transaction is sealed twice and no two blocks share a parent.
    """
    difficulty = settings.BLOCKCHAIN_DIFFICULTY if difficulty is None else difficulty
    signer = chain_signer()
    genesis_ensure()
    with transaction.atomic(durable=True):
        head = ChainHead.objects.select_for_update().get(pk=1)
        tip = Block.objects.get(pk=head.block_id)
        ids = list(pending_transactions(since=since).values_list("id", flat=True)[:max_tx])
        if not ids:
            return None
        loaded = facts_for_ids(ids)
        seals: list[Seal] = []
        leaves: list[bytes] = []
        for position, tx_id in enumerate(ids):
            salt = os.urandom(SALT_BYTES)
            leaf = leaf_of(loaded.of(tx_id), salt)
            leaves.append(leaf)
            seals.append(Seal(position=position, transaction_id=tx_id, salt=salt.hex(), leaf_hash=leaf.hex()))
        block = Block.objects.create(
            **block_forge(
                index=tip.index + 1, previous_hash=tip.hash, merkle_root=merkle_root(leaves).hex(),
                difficulty=difficulty, tx_count=len(ids), timestamp=timezone.now(), signer=signer,
            )
        )
        for seal in seals:
            seal.block = block
        Seal.objects.bulk_create(seals, batch_size=1000)
        head.block = block
        head.save(update_fields=["block", "updated_at"])
    return block


def blocks_mine_pending(*, max_tx: int = DEFAULT_MAX_TX, full_sweep: bool = True, max_blocks: int | None = None) -> list[Block]:
    """Mine blocks until nothing is pending (or `max_blocks` were made).

    Without `full_sweep`, only transactions completed within STRAGGLER_WINDOW before the tip
    are considered, which keeps each round cheap on a long ledger; the loop worker does a full
    sweep periodically so that a late committer is still sealed.
    """
    since = None
    if not full_sweep:
        tip = Block.objects.order_by("-index").only("timestamp").first()
        since = tip.timestamp - STRAGGLER_WINDOW if tip is not None else None
    mined: list[Block] = []
    while max_blocks is None or len(mined) < max_blocks:
        block = block_mine(max_tx=max_tx, since=since)
        if block is None:
            break
        mined.append(block)
    return mined
