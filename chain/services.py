"""Chain writes: the genesis block and sealing completed transactions into new blocks.

Mining never runs inside a payment request: `manage.py mine_blocks` (a worker beside the
server) calls `blocks_mine_pending`. Appending is one durable database transaction that
first locks the chain-head row, so concurrent miners queue behind each other and each builds
on the block the previous one committed: the chain cannot fork.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from chain.crypto import ZERO_HASH, header_prefix, pow_search
from chain.facts import facts_for_ids, keys_read, moment_text, page_rows
from chain.keys import ChainSigner, chain_signer
from chain.leaves import SALT_BYTES, leaf_of
from chain.merkle import EMPTY_ROOT, merkle_root
from chain.models import Block, ChainHead, Seal
from ledger.selectors_chain import sealable_transactions

if TYPE_CHECKING:
    from ledger.models import Transaction

DEFAULT_MAX_TX = 1000
# A transaction whose commit lands later than this after its completed_at (set moments before
# its commit) is picked up by the periodic full sweep rather than the cheap recent-window
# query (see blocks_mine_iter).
STRAGGLER_WINDOW = timedelta(minutes=2)


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
    qs = sealable_transactions().filter(~Exists(Seal.objects.filter(transaction_id=OuterRef("pk"))))
    if since is not None:
        qs = qs.filter(completed_at__gte=since)
    return qs.order_by("completed_at", "id")


def _seals_insert(*, block_id: int, rows: list[tuple[Any, ...]]) -> None:
    """Insert (position, transaction db_key, salt, leaf) rows of one block on a plain cursor:
    `bulk_create` spends longer preparing a thousand model instances than the database
    spends storing them. PostgreSQL takes them as one COPY (a third of the time of a
    pipelined executemany of a thousand INSERTs); SQLite's executemany is its fastest path."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in ("block_id", "position", "transaction_id", "salt", "leaf_hash"))
    table = quote(Seal._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((block_id, *row))
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)"  # noqa: S608 - names from the model
            cursor.executemany(sql, [(block_id, *row) for row in rows])


def block_mine(*, max_tx: int = DEFAULT_MAX_TX, since: datetime | None = None, difficulty: int | None = None) -> Block | None:
    """Seal up to `max_tx` pending transactions into one new block; None if none are pending.

    Holds the chain-head row lock from choosing the transactions until the block and its
    seals commit, so no transaction is sealed twice and no two blocks share a parent.
    """
    mined = _block_mine(max_tx=max_tx, since=since, difficulty=difficulty)
    return None if mined is None else mined[0]


def _pending_keys(*, since: datetime | None, max_tx: int) -> list[Any]:
    """The db keys of the first `max_tx` `pending_transactions(since=since)`, in that order.

    With `since`, on PostgreSQL, pages through the sealable transactions from `since` in
    (completed_at, id) order, each with its seal's id or null, and keeps the unsealed ones. As
    a filter, the seal test leaves the plan to PostgreSQL's guess of how many rows pass it: it hash-joins the whole
    seal table, or tests and sorts a whole backlog, before taking the first thousand (0.1 to
    0.5 s a block at 100,000 transactions). Marked in the select list, it is tested only for
    the rows of a page, read in index order."""
    if since is None or connection.vendor != "postgresql":
        # SQLite already walks the completed_at index, probes each row for a seal and stops
        # at max_tx; paging would only read more rows.
        return keys_read(pending_transactions(since=since), limit=max_tx)
    page_size = max_tx  # a backlog is all pending: one page per block
    # A scalar subquery, not EXISTS: PostgreSQL would evaluate EXISTS by hashing the whole
    # seal table once per page; this stays one index probe per row of the page.
    seal = Seal.objects.filter(transaction_id=OuterRef("pk")).order_by().values("pk")[:1]
    window = sealable_transactions().filter(completed_at__gte=since).annotate(_seal=Subquery(seal)).order_by("completed_at", "id")
    keys: list[Any] = []
    after = Q()
    while True:
        page = page_rows(window.filter(after), ("id", "completed_at", "_seal"), limit=page_size)
        keys += [key for key, _completed, seal_id in page if seal_id is None][: max_tx - len(keys)]
        if len(keys) >= max_tx or len(page) < page_size:
            return keys
        last_key, last_completed, _seal_id = page[-1]
        moment = datetime.fromisoformat(moment_text(last_completed))  # the page reads timestamps as text
        after = Q(completed_at__gt=moment) | Q(completed_at=moment, pk__gt=last_key)


def _block_mine(*, max_tx: int, since: datetime | None, difficulty: int | None) -> tuple[Block, str] | None:
    """`block_mine`, also returning the newest completed_at sealed (canonical text): where
    the next block's scan for pending transactions starts."""
    difficulty = settings.BLOCKCHAIN_DIFFICULTY if difficulty is None else difficulty
    signer = chain_signer()
    genesis_ensure()
    with transaction.atomic(durable=True):
        head = ChainHead.objects.select_for_update().get(pk=1)
        tip = Block.objects.get(pk=head.block_id)
        # Ids first, then their rows by id: joined into the pending query, the account joins
        # follow the planner's guess of how many rows are pending, and PostgreSQL with fresh
        # bulk-loaded rows guesses one (nested loops over every account, ~0.5 s a block).
        keys = _pending_keys(since=since, max_tx=max_tx)
        if not keys:
            return None
        loaded = facts_for_ids(keys)
        salts = os.urandom(SALT_BYTES * len(keys))
        rows: list[tuple[Any, ...]] = []
        leaves: list[bytes] = []
        for position, key in enumerate(keys):
            facts = loaded.facts[key]
            salt = salts[position * SALT_BYTES : (position + 1) * SALT_BYTES]
            leaf = leaf_of(facts, salt)
            leaves.append(leaf)
            rows.append((position, key, salt.hex(), leaf.hex()))
        block = Block.objects.create(
            **block_forge(
                index=tip.index + 1, previous_hash=tip.hash, merkle_root=merkle_root(leaves).hex(),
                difficulty=difficulty, tx_count=len(rows), timestamp=timezone.now(), signer=signer,
            )
        )
        _seals_insert(block_id=block.pk, rows=rows)
        head.block = block
        head.save(update_fields=["block", "updated_at"])
    return block, facts.completed_at


def blocks_mine_iter(*, max_tx: int = DEFAULT_MAX_TX, full_sweep: bool = True) -> Iterator[Block]:
    """Mine blocks until nothing is pending, yielding each as it commits.

    Without `full_sweep`, only transactions completed within STRAGGLER_WINDOW before the tip
    are considered, which keeps a round cheap on a long ledger; the loop worker does a full
    sweep periodically so that a late committer is still sealed. After the first block the
    scan resumes from the newest completed_at just sealed (pending ones are taken in that
    order), so a backlog of N blocks costs N short scans, not N scans of the whole ledger.
    """
    since = None
    if not full_sweep:
        tip = Block.objects.order_by("-index").only("timestamp").first()
        since = tip.timestamp - STRAGGLER_WINDOW if tip is not None else None
    while True:
        mined = _block_mine(max_tx=max_tx, since=since, difficulty=None)
        if mined is None:
            return
        block, last_completed = mined
        yield block
        since = datetime.fromisoformat(last_completed)


def blocks_mine_pending(*, max_tx: int = DEFAULT_MAX_TX, full_sweep: bool = True, max_blocks: int | None = None) -> list[Block]:
    """Mine until nothing is pending (or `max_blocks` were made); see `blocks_mine_iter`."""
    mined: list[Block] = []
    for block in blocks_mine_iter(max_tx=max_tx, full_sweep=full_sweep):
        mined.append(block)
        if max_blocks is not None and len(mined) >= max_blocks:
            break
    return mined
