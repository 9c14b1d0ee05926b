"""Verifying the whole chain from the current database rows.

For every block, in index order: the index follows its parent's and `previous_hash` is the
parent's hash; the block's seals sit at positions 0..tx_count-1; every sealed transaction's
leaf, recomputed from its row, its entries' rows and the stored salt, equals the leaf sealed;
the Merkle root over those leaves equals the header's; SHA-256 of the header equals the
stored hash, which meets the block's proof-of-work difficulty and carries a valid Ed25519
signature by the bank's key. Finally the head row points at the last block and no block lies
beyond it. The first failure stops the run and names the block and, where one is to blame,
the transaction.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

from django.db import DatabaseError, connection, connections
from django.db.models import Subquery

from chain.crypto import ZERO_HASH, block_hash, header_prefix, meets_difficulty, signature_valid
from chain.facts import moment_text, reasons_text, seal_transaction_ids, sealed_batch, uuid_text
from chain.keys import ChainKey, chain_keys
from chain.leaves import leaf_hash_of
from chain.merkle import EMPTY_ROOT, merkle_root
from chain.models import Block, ChainHead, Seal
from chain.services import genesis_ensure, pending_transactions
from ledger.selectors_chain import SEALABLE_STATUSES, sealable_transactions

_HEADER_FIELDS = (
    "pk", "index", "previous_hash", "merkle_root", "timestamp", "difficulty", "nonce", "tx_count", "hash",
    "signature", "key_id",
)
BATCH_TRANSACTIONS = 20_000
_SEALABLE = frozenset(status.value for status in SEALABLE_STATUSES)
HEADER_PAGE = 2_000
# Below this many transactions per process a chain is verified in one process: a forked worker
# costs tens of milliseconds (fork, its own connection, its first queries) before it checks
# anything, while one process checks this many in about 0.2 s.
MIN_RANGE_TRANSACTIONS = 5_000
Progress = Callable[[int, int, int], None]  # (blocks checked, transactions checked, blocks in chain)


@dataclass(frozen=True)
class Failure:
    block_index: int | None
    transaction_id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"block {self.block_index}" if self.block_index is not None else "chain"
        if self.transaction_id:
            where += f", transaction {self.transaction_id}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class VerifyReport:
    ok: bool
    blocks: int
    transactions: int
    seconds: float
    head_index: int | None
    head_hash: str | None
    pending: int  # completed transactions not sealed yet (the miner's backlog; not a failure)
    failure: Failure | None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data


class _Failed(Exception):
    def __init__(self, failure: Failure):
        self.failure = failure


@dataclass(frozen=True, slots=True)
class _Header:
    pk: int
    index: int
    previous_hash: str
    merkle_root: str
    timestamp: Any
    difficulty: int
    nonce: int
    tx_count: int
    hash: str
    signature: str
    key_id: str


def chain_verify(
    *, progress: Progress | None = None, batch_transactions: int = BATCH_TRANSACTIONS, workers: int = 1,
    min_range_transactions: int = MIN_RANGE_TRANSACTIONS,
) -> VerifyReport:
    """Check every block up to the current head; see the module docstring.

    `workers` > 1 cuts the chain into up to that many contiguous block ranges of similar
    transaction counts, at least `min_range_transactions` each: this process checks the
    first and a forked process (with its own database connection) each of the others. The
    failure with the lowest block index is reported, which is the one a single process would
    stop at. Only for a management command: never fork a server process. Falls back to one
    process inside an atomic block (forked processes would not see uncommitted rows) and on
    an in-memory SQLite database."""
    started = time.perf_counter()
    head = genesis_ensure()
    head_block = Block.objects.get(pk=head.block_id)
    ranges = [(0, head_block.index)]
    if workers > 1 and not connection.in_atomic_block and not _in_memory():
        weights = list(Block.objects.filter(index__lte=head_block.index).order_by("index").values_list("index", "tx_count"))
        parts = min(workers, sum(count for _index, count in weights) // max(1, min_range_transactions))
        ranges = _split(weights, head_block.index, parts=max(1, parts))
    if len(ranges) > 1:
        blocks, transactions, failure = _verify_parallel(ranges, batch_transactions, progress)
    else:
        total = head_block.index + 1
        report = None if progress is None else (lambda b, t: progress(b, t, total))
        with _reading_session():
            blocks, transactions, failure = _verify_range(0, head_block.index, batch_transactions, report)
    if failure is None:
        try:
            _check_head(head_block)
        except _Failed as failed:
            failure = failed.failure
    return _report(failure is None, blocks, transactions, started, head_block, failure)


@contextmanager
def _reading_session(kib: int = 262_144) -> Iterator[None]:
    """Session settings for reading the whole ledger, restored afterwards.

    SQLite: a page cache big enough for the ledger (the default 2 MiB re-reads the same index
    pages from the OS for every batch). PostgreSQL: a batch's sorts fit in memory (the default
    4 MB work_mem spills them to temporary files), and no parallel workers per query: the
    ranges already keep every CPU busy, and each parallel worker would rebuild the same hash
    tables."""
    if connection.vendor == "sqlite":
        wanted, show, assign = {"cache_size": str(-int(kib))}, "PRAGMA {name}", "PRAGMA {name} = {value}"
    elif connection.vendor == "postgresql":
        wanted = {"work_mem": f"{kib // 4}kB", "max_parallel_workers_per_gather": "0"}
        show, assign = "SHOW {name}", "SET {name} = '{value}'"
    else:
        wanted, show, assign = {}, "", ""
    previous: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for name, value in wanted.items():
            cursor.execute(show.format(name=name))
            previous[name] = cursor.fetchone()[0]
            cursor.execute(assign.format(name=name, value=value))
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                for name, value in previous.items():
                    cursor.execute(assign.format(name=name, value=value))
        except DatabaseError:
            # A PostgreSQL transaction that failed meanwhile refuses every statement; its
            # rollback reverts these SETs anyway, and the error that failed it goes on up.
            if connection.vendor != "postgresql" or not connection.in_atomic_block:
                raise


def _in_memory() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _verify_range(
    first: int, last: int, batch_transactions: int, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int, Failure | None]:
    """Verify blocks first..last (index numbers): (blocks checked, transactions, failure)."""
    keys = chain_keys()
    expected_parent: str | None = ZERO_HASH
    min_rank = 0  # rank of the key that signed the block before: keys are only ever used forward
    if first > 0:  # None when that block is gone (or its key unknown): the range before reports it
        parent = Block.objects.filter(index=first - 1).values_list("hash", "key_id").first()
        expected_parent = None if parent is None else parent[0]
        parent_key = None if parent is None else keys.get(parent[1])
        min_rank = 0 if parent_key is None else parent_key.rank
    expected_index, blocks, transactions = first, 0, 0
    try:
        for batch in _batches(first_index=first, last_index=last, batch_transactions=batch_transactions):
            rows, entries, unreadable, as_text = sealed_batch(first_index=batch[0].index, last_index=batch[-1].index)
            read = _SealedBatch(entries, unreadable, as_text)
            for header in batch:
                transactions += _check_block(
                    header, expected_index, expected_parent, rows.get(header.pk, []), read, keys, min_rank,
                )
                expected_index, expected_parent, min_rank = header.index + 1, header.hash, keys[header.key_id].rank
                blocks += 1
            if progress is not None:
                progress(blocks, transactions)
        if expected_index != last + 1:
            raise _Failed(Failure(expected_index, None, "block missing (deleted, or its index changed)"))
    except _Failed as failed:
        return blocks, transactions, failed.failure
    return blocks, transactions, None


def _range_child(first: int, last: int, batch_transactions: int, send: Any) -> None:
    """Runs in a forked process, on its own database connection: sends back the range's
    (blocks, transactions, failure), or the exception that stopped it."""
    try:
        with _reading_session(kib=131_072):
            send.send(_verify_range(first, last, batch_transactions))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which re-raises it
        try:
            send.send(exc)
        except Exception:  # noqa: BLE001 - an exception that does not pickle: its text, at least
            send.send(RuntimeError(f"verify_chain worker: {exc!r}"))
    finally:
        connection.close()
        send.close()


def _split(weights: list[tuple[int, int]], last_index: int, parts: int) -> list[tuple[int, int]]:
    """Cut 0..last_index into about `parts` contiguous index ranges of similar transaction counts."""
    total = sum(count + 1 for _index, count in weights)
    target = max(1, total // max(1, parts))
    ranges, first, size = [], 0, 0
    for index, count in weights:
        size += count + 1
        if size >= target and index < last_index:
            ranges.append((first, index))
            first, size = index + 1, 0
    ranges.append((first, last_index))
    return ranges


def _verify_parallel(
    ranges: list[tuple[int, int]], batch_transactions: int, progress: Progress | None
) -> tuple[int, int, Failure | None]:
    """One forked process per range but the first, which this process checks meanwhile: one
    fork and one connection per extra CPU, no pool to start or feed."""
    context = multiprocessing.get_context("fork")
    connections.close_all()  # a forked child must not share the parent's database socket
    children = []
    for first, last in ranges[1:]:
        receive, send = context.Pipe(duplex=False)
        child = context.Process(target=_range_child, args=(first, last, batch_transactions, send), daemon=True)
        child.start()
        send.close()
        children.append((child, receive))
    total = ranges[-1][1] + 1
    results = []
    try:
        with _reading_session(kib=131_072):
            results.append(_verify_range(ranges[0][0], ranges[0][1], batch_transactions))
        blocks = transactions = 0
        for result in results:
            blocks, transactions = blocks + result[0], transactions + result[1]
        if progress is not None:
            progress(blocks, transactions, total)
        for child, receive in children:
            try:
                result = receive.recv()
            except EOFError:
                raise RuntimeError(f"verify_chain worker {child.pid} died (exit code {child.exitcode})") from None
            if isinstance(result, BaseException):
                raise result
            results.append(result)
            blocks, transactions = blocks + result[0], transactions + result[1]
            if progress is not None:
                progress(blocks, transactions, total)
    finally:
        for child, receive in children:
            receive.close()
            child.join(timeout=5)
            if child.is_alive():
                child.kill()
    failures = [failure for _blocks, _transactions, failure in results if failure is not None]
    first_failure = min(failures, key=lambda f: -1 if f.block_index is None else f.block_index, default=None)
    return blocks, transactions, first_failure


def _report(ok: bool, blocks: int, transactions: int, started: float, head: Block, failure: Failure | None) -> VerifyReport:
    return VerifyReport(
        ok=ok, blocks=blocks, transactions=transactions, seconds=time.perf_counter() - started,
        head_index=head.index, head_hash=head.hash, pending=_pending_count(ok), failure=failure,
    )


def _pending_count(ok: bool) -> int:
    """The miner's backlog. After a clean run every seal names a distinct transaction that is
    still sealable, so the backlog is the difference of two counts: a sixth of the cost of the
    anti-join over the whole ledger on SQLite (21 ms against 125 ms at 100,000 transactions)."""
    if ok:
        # Seals first: transactions only ever join the sealable set, so the difference is never
        # negative; a block mined between the two counts overstates it by that block's size.
        sealed = Seal.objects.count()
        return sealable_transactions().count() - sealed
    return pending_transactions().count()


def _batches(*, first_index: int, last_index: int, batch_transactions: int):  # generator of header lists
    """Headers in index order, cut into batches of about `batch_transactions` sealed rows."""
    batch: list[_Header] = []
    size = 0
    after = first_index - 1
    while True:
        page = [
            _Header(*row)
            for row in Block.objects.filter(index__gt=after, index__lte=last_index)
            .order_by("index")
            .values_list(*_HEADER_FIELDS)[:HEADER_PAGE]
        ]
        if not page:
            break
        for header in page:
            batch.append(header)
            size += header.tx_count
            if size >= batch_transactions:
                yield batch
                batch, size = [], 0
        after = page[-1].index
    if batch:
        yield batch


def _explain_count(header: _Header) -> None:
    """The block's seal rows do not add up to tx_count: name the culprit (slow path)."""
    seals = seal_transaction_ids(block_id=header.pk)
    for expected_position, (position, tx_key, exists) in enumerate(seals):
        if not exists:
            raise _fail(header, "sealed transaction is missing from the ledger", tx_key)
        if position != expected_position or position >= header.tx_count:
            raise _fail(header, f"sealed transaction at position {position}, expected {expected_position}", tx_key)
    raise _fail(header, f"{len(seals)} sealed transactions, the header says {header.tx_count}")


def _fail(header: _Header, reason: str, transaction_key: Any = None) -> _Failed:
    """`transaction_key`: a transaction id as the driver returns it (see chain.facts.db_key)."""
    return _Failed(Failure(header.index, uuid_text(transaction_key), reason))


def _check_block(
    header: _Header, expected_index: int, expected_parent: str | None, rows: list[tuple], batch: _SealedBatch,
    keys: dict[str, ChainKey], min_rank: int,
) -> int:
    """Check one block: its place in the chain, which transactions it seals, their leaves, the
    header (Merkle root, hash, proof-of-work) and the signature. `expected_parent` None: the
    parent is checked by another range. `rows` are the block's seals joined with their
    transactions (chain.facts.sealed_batch). Returns the number of transactions."""
    _check_place(header, expected_index, expected_parent)
    _check_membership(header, rows)
    leaves = _check_leaves(header, rows, batch)
    digest = _check_header(header, leaves)
    _check_signature(header, digest, keys, min_rank)
    return len(rows)


class _SealedBatch(NamedTuple):
    """What chain.facts.sealed_batch read besides the rows: entries text by transaction, the
    transactions whose entries no longer read, and whether the SQL returned canonical text
    (PostgreSQL) or numbers and ids to format here."""

    entries: dict[Any, str]
    unreadable: set[Any]
    as_text: bool


# Columns of a sealed_batch row (chain.facts) that the checks below read by position.
_POSITION, _TX_ID, _STATUS = 1, 4, 21


def _check_place(header: _Header, expected_index: int, expected_parent: str | None) -> None:
    if header.index != expected_index:
        raise _fail(header, f"expected block index {expected_index} here (blocks missing, inserted or reordered)")
    if expected_parent is not None and header.previous_hash != expected_parent:
        raise _fail(header, "previous_hash does not match the hash of the block before it")


def _check_membership(header: _Header, rows: list[tuple]) -> None:
    """Positions 0..tx_count-1, nothing missing, nothing extra, each still sealable."""
    if len(rows) != header.tx_count:
        _explain_count(header)
    for expected_position, row in enumerate(rows):
        if row[_POSITION] != expected_position:
            raise _fail(header, f"sealed transaction at position {row[_POSITION]}, expected {expected_position}", row[_TX_ID])
        if row[_STATUS] not in _SEALABLE:
            raise _fail(header, f"sealed transaction now has status {row[_STATUS]!r}", row[_TX_ID])


def _check_leaves(header: _Header, rows: list[tuple], batch: _SealedBatch) -> list[bytes]:
    """Each leaf recomputed from the rows as they are now equals the leaf sealed. Values are
    formatted inline: a call per value costs ~5% of verification."""
    leaves: list[bytes] = []
    append, fromhex, entries, unreadable, as_text = leaves.append, bytes.fromhex, batch.entries, batch.unreadable, batch.as_text
    uuid = str if as_text else uuid_text
    for row in rows:
        (_block, _position, salt, sealed_leaf, tx_id, reference, kind, amount, channel, description, created_at,
         completed_at, payer, payee, reversal_of, initiated_by, hold_expires_at, fraud_score, fraud_decision,
         fraud_model_version, fraud_reasons, _status) = row
        try:
            if tx_id in unreadable:
                raise ValueError("unreadable entry row")
            leaf = leaf_hash_of(
                uuid(tx_id), reference, kind, amount if as_text else f"{amount:.2f}", channel, description,
                moment_text(created_at),
                moment_text(completed_at), payer, payee, None if reversal_of is None else uuid(reversal_of),
                initiated_by, None if hold_expires_at is None else moment_text(hold_expires_at),
                None if fraud_score is None else fraud_score if as_text else f"{fraud_score:.5f}",
                fraud_decision, fraud_model_version,
                reasons_text(fraud_reasons), entries.get(tx_id, ""), fromhex(salt),
            )
        except (ValueError, TypeError):
            raise _fail(header, "transaction or entry row no longer reads as the values it held (altered)", tx_id) from None
        if leaf != fromhex(sealed_leaf):
            raise _fail(header, "transaction or one of its entries changed since it was sealed", tx_id)
        append(leaf)
    return leaves


def _check_header(header: _Header, leaves: list[bytes]) -> bytes:
    """Merkle root over the leaves, block hash over the header, proof-of-work. Returns the hash."""
    root = merkle_root(leaves) if leaves else EMPTY_ROOT
    if root.hex() != header.merkle_root:
        raise _fail(header, "Merkle root does not match the sealed transactions (altered or reordered)")
    prefix = header_prefix(
        index=header.index, previous_hash=header.previous_hash, merkle_root=header.merkle_root,
        timestamp=header.timestamp, difficulty=header.difficulty, tx_count=header.tx_count,
    )
    digest = block_hash(prefix, header.nonce)
    if digest.hex() != header.hash:
        raise _fail(header, "block hash does not match its header (a header field or the nonce changed)")
    if not meets_difficulty(digest, header.difficulty):
        raise _fail(header, f"hash does not meet proof-of-work difficulty {header.difficulty}")
    return digest


def _check_signature(header: _Header, digest: bytes, keys: dict[str, ChainKey], min_rank: int) -> None:
    """Signed by a known key, never by one retired before the previous block's, and valid."""
    key = keys.get(header.key_id)
    if key is None:
        raise _fail(header, f"signed by key {header.key_id}, which is neither the chain key nor a retired one")
    if key.rank < min_rank:
        raise _fail(header, f"signed by retired key {header.key_id} after a newer key had signed the block before")
    try:
        signature = bytes.fromhex(header.signature)
    except ValueError:
        signature = b""
    if not signature_valid(key.public_raw, digest, signature):
        raise _fail(header, "Ed25519 signature over the block hash is not valid")


def _check_head(head_block: Block) -> None:
    # Every block up to the head's index was checked. One statement, one snapshot: a block
    # committed by a miner moves the head in the same transaction, so only a block the head
    # never pointed at can show up here.
    beyond = Block.objects.filter(
        index__gt=Subquery(Block.objects.filter(pk=Subquery(ChainHead.objects.filter(pk=1).values("block_id"))).values("index"))
    ).order_by("index").first()
    if beyond is not None:
        raise _Failed(Failure(beyond.index, None, "block beyond the chain head (not appended by a miner)"))
