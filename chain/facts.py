"""Reading the rows a leaf commits to, in bulk, for mining, verification and proofs.

One query for the transactions (both account numbers joined), one for their entries (ordered
by transaction, then entry id). The SQL is built by the ORM but executed on a plain cursor and
converted straight to the canonical text of chain.leaves: Django's per-value converters
(datetime parsing, Decimal from float, UUID objects) cost more than everything else
`verify_chain` does, and the canonical text is all a leaf needs.

On PostgreSQL the SQL itself returns text: timestamps as the type prints them in the session's
UTC (`moment_text` rearranges them into the canonical form), numeric columns cast to text (their fixed scale gives exactly the two or five places a leaf
writes) and UUIDs cast to text (lower case with hyphens), so psycopg builds plain strings
instead of datetime, Decimal and UUID objects. SQLite returns text datetimes in UTC, numbers
as int or float (NUMERIC affinity, exactly as Django itself reads them back) and UUIDs as 32 hex
digits, which `Formats` turns into the same text in Python.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple
from uuid import UUID

from django.db import connection
from django.db.models import Func, QuerySet, TextField

from chain.crypto import format_timestamp
from chain.leaves import LeafEntry, LeafFacts, canonical_json
from chain.models import Seal
from ledger.models import Entry, Transaction
from ledger.selectors_chain import entries_of_transactions, transaction_ids_existing, transactions_by_ids

_TX_FIELDS = (
    "id", "reference", "kind", "amount", "channel", "description", "created_at", "completed_at",
    "payer_account__number", "payee_account__number", "reversal_of_id", "initiated_by_id", "hold_expires_at",
    "fraud_score", "fraud_decision", "fraud_model_version", "fraud_reasons", "status",
)
_ENTRY_FIELDS = ("transaction_id", "account__number", "amount", "balance_after", "created_at")
FETCH = 5000
ENTRY_IDS_PER_QUERY = 250
_quote_json = json.encoder.encode_basestring_ascii


# --- canonical text from raw driver values ---------------------------------------------------------
def uuid_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, UUID):
        return str(value)
    text = str(value).lower()
    if len(text) == 32:
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return text


def moment_text(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is str:
        size = len(value)
        if size >= 19 and value[10] == " ":
            if value[-3:] == "+00":  # PostgreSQL's text in UTC, trailing zeros of the fraction dropped
                if size == 29:
                    return f"{value[:10]}T{value[11:26]}Z"
                if size == 22:
                    return f"{value[:10]}T{value[11:19]}.000000Z"
                if 24 <= size < 29 and value[19] == ".":
                    return f"{value[:10]}T{value[11:19]}.{value[20:-3]:0<6}Z"
            elif size == 26:  # how Django stores an aware datetime in SQLite (UTC)
                return f"{value[:10]}T{value[11:]}Z"
            elif size == 19:  # ... when the microseconds are zero
                return f"{value[:10]}T{value[11:]}.000000Z"
        value = datetime.fromisoformat(value)  # anything else (shorter fractions, other zones): parse it
    if value.tzinfo is None:  # SQLite keeps UTC without an offset
        return value.isoformat(timespec="microseconds") + "Z"
    return format_timestamp(value)


_DATETIMES = {"created_at", "completed_at", "hold_expires_at"}
_NUMBERS = {"amount", "balance_after", "fraud_score"}
_UUIDS = {"id", "reversal_of_id", "transaction_id"}


class MomentText(Func):
    """A timestamp column as text, without the driver's datetime parsing (which costs more
    than everything else verification does with a row): on SQLite the stored text (UTC), on
    PostgreSQL the type's text in the session's UTC (`moment_text` rearranges either cheaply)."""

    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS text)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # The type's own output, not to_char (which costs PostgreSQL four times as much): in
        # Django's session time zone, UTC, "2026-01-31 09:30:00.1234+00" (trailing zeros of
        # the fraction dropped); `moment_text` turns it into the canonical form.
        return self.as_sql(compiler, connection, template="(%(expressions)s)::text", **extra)


class PgText(Func):
    """A numeric or uuid column cast to text on PostgreSQL: numeric(_, 2) prints exactly two
    places and numeric(_, 5) five, uuid prints lower case with hyphens, i.e. the canonical text
    of chain.leaves. Only annotated on PostgreSQL (see `text_casts`)."""

    output_field = TextField()
    template = "(%(expressions)s)::text"


class Formats(NamedTuple):
    """Canonical text from a value as `_chunks` returns it, per database; bound once per batch
    so the hot loops call one function per value."""

    money: Callable[[Any], str]  # two places
    score: Callable[[Any], str]  # five places
    uuid: Callable[[Any], str]  # lower case with hyphens


_FORMATTED = Formats("{:.2f}".format, "{:.5f}".format, uuid_text)
_AS_TEXT = Formats(str, str, str)  # the SQL returned the canonical text already


def text_casts() -> bool:
    """Whether `_chunks` casts numbers and UUIDs to text in SQL (PostgreSQL). SQLite stores
    amounts as int/float: its own printf could format a float differently from Python, so
    there Python formats them, as it did when the leaves were sealed."""
    return connection.vendor == "postgresql"


def formats() -> Formats:
    return _AS_TEXT if text_casts() else _FORMATTED


def _chunks(qs: QuerySet, fields: tuple[str, ...], *, limit: int | None = None) -> Iterator[list[tuple]]:
    """Rows of `fields`, straight from the driver in batches, timestamps as text (see
    MomentText) and, on PostgreSQL, numbers and UUIDs as text (see PgText). `limit` slices
    after the annotations (a sliced queryset cannot be annotated)."""
    if connection.vendor in {"sqlite", "postgresql"}:
        casts = text_casts()
        wrap: dict[str, Func] = {}
        for name in fields:
            column = name.rsplit("__", 1)[-1]
            if column in _DATETIMES:
                wrap[name] = MomentText(name)
            elif casts and (column in _NUMBERS or column in _UUIDS):
                wrap[name] = PgText(name)
        qs = qs.annotate(**{f"_text_{name}": expression for name, expression in wrap.items()})
        fields = tuple(f"_text_{name}" if name in wrap else name for name in fields)
    values = qs.values_list(*fields)
    if limit is not None:
        values = values[:limit]
    sql, params = values.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            chunk = cursor.fetchmany(FETCH)
            if not chunk:
                return
            yield chunk


def db_key(transaction_id: UUID | str) -> str | UUID:
    """A transaction id in the form `_chunks` returns it (text with hyphens on PostgreSQL, 32
    hex digits on SQLite): the key of `Loaded` and of the seal rows, so the hot loop never
    converts ids. Either database accepts it back as a parameter for the id column."""
    value = Transaction._meta.pk.get_db_prep_value(transaction_id, connection)
    return str(value) if isinstance(value, UUID) and text_casts() else value


# --- loading ---------------------------------------------------------------------------------------
class Loaded:
    """Facts of a set of transactions, keyed by `db_key(id)`: `facts[key]` (None when a
    hand-edited row cannot even be converted) and `status[key]` (status is not part of the
    leaf; verification only checks that a sealed transaction is still completed or reversed)."""

    __slots__ = ("facts", "status")

    def __init__(self) -> None:
        self.facts: dict[Any, LeafFacts | None] = {}
        self.status: dict[Any, str] = {}

    def of(self, transaction_id: UUID | str) -> LeafFacts | None:
        return self.facts[db_key(transaction_id)]


@lru_cache(maxsize=4096)
def _reasons_text(raw: str | bytes) -> str:
    """Canonical JSON of a stored fraud_reasons text (few distinct values: cached)."""
    return canonical_json(json.loads(raw))


def reasons_text(value: Any) -> str:
    if isinstance(value, str | bytes):
        return _reasons_text(value)
    return canonical_json(value)  # a driver that parses JSON itself


def page_rows(qs: QuerySet, fields: tuple[str, ...], *, limit: int) -> list[tuple]:
    """The first `limit` rows of `fields` of `qs`, as `_chunks` reads them (ids as `db_key`
    gives them, timestamps as text for `moment_text`)."""
    return [row for chunk in _chunks(qs, fields, limit=limit) for row in chunk]


def keys_read(qs: QuerySet[Transaction], *, limit: int) -> list[Any]:
    """The ids of the first `limit` transactions of `qs`, in its order, as `db_key` gives them."""
    return [row[0] for row in page_rows(qs, ("id",), limit=limit)]


def facts_load(*, transactions: QuerySet[Transaction], entries: QuerySet[Entry] | None = None) -> Loaded:
    """Facts of `transactions`. `entries` selects the same transactions' entries, ordered so
    that each transaction's come in id order; None reads the entries of exactly the
    transaction rows read, by their ids."""
    rows = [row for chunk in _chunks(transactions.order_by(), _TX_FIELDS) for row in chunk]
    if entries is None:
        ids = [row[0] for row in rows]
        # A few hundred ids per query: with a thousand, PostgreSQL's cost model prefers scanning
        # the whole entry table (~60 ms at 300,000 entries) to probing its transaction index.
        entry_sets = [
            entries_of_transactions(ids=ids[i : i + ENTRY_IDS_PER_QUERY]) for i in range(0, len(ids), ENTRY_IDS_PER_QUERY)
        ]
    else:
        entry_sets = [entries]
    money, score_of, uuid_of = formats()
    # Keyed by the driver's own id value (the same type in both queries): no conversion per entry.
    by_tx: dict[Any, list[LeafEntry]] = defaultdict(list)
    unreadable: set[Any] = set()  # hand-edited rows that do not even convert (text in a number column...)
    for chunk in (chunk for qs in entry_sets for chunk in _chunks(qs, _ENTRY_FIELDS)):
        for tx_id, account, amount, balance_after, created_at in chunk:
            try:
                by_tx[tx_id].append(LeafEntry(account, money(amount), money(balance_after), moment_text(created_at)))
            except (ValueError, TypeError):
                unreadable.add(tx_id)
    loaded = Loaded()
    facts, statuses, empty = loaded.facts, loaded.status, ()
    for row in rows:
        (tx_id, reference, kind, amount, channel, description, created_at, completed_at, payer, payee,
         reversal_of, initiated_by, hold_expires_at, fraud_score, fraud_decision, fraud_model_version,
         fraud_reasons, status) = row
        statuses[tx_id] = status
        if tx_id in unreadable:
            facts[tx_id] = None
            continue
        try:
            facts[tx_id] = LeafFacts(
                uuid_of(tx_id),
                reference,
                kind,
                money(amount),
                channel,
                description,
                moment_text(created_at),
                moment_text(completed_at),
                payer,
                payee,
                None if reversal_of is None else uuid_of(reversal_of),
                initiated_by,
                None if hold_expires_at is None else moment_text(hold_expires_at),
                None if fraud_score is None else score_of(fraud_score),
                fraud_decision,
                fraud_model_version,
                reasons_text(fraud_reasons),
                tuple(by_tx.get(tx_id, empty)),
            )
        except (ValueError, TypeError):
            facts[tx_id] = None
    return loaded


def facts_for_ids(ids: list[Any]) -> Loaded:
    return facts_load(transactions=transactions_by_ids(ids=ids))


# --- the verification fast path ------------------------------------------------------------------
SEALED_FIELDS = ("block_id", "position", "salt", "leaf_hash", "transaction_id") + tuple(
    f"transaction__{name}" for name in _TX_FIELDS[1:]
)


def sealed_batch(*, first_index: int, last_index: int) -> tuple[dict[int, list[tuple]], dict[Any, str], set[Any], bool]:
    """Everything `verify_chain` needs for blocks first_index..last_index, in two queries:

    - per block pk, its seals in position order, each row (block_id, position, salt,
      leaf_hash, transaction id, then the transaction columns of `_TX_FIELDS[1:]`);
    - per transaction id (driver form), its entries as joined `entry_json` text;
    - the ids whose entry rows no longer convert;
    - whether the SQL returned numbers and ids as canonical text (`text_casts`), or as the
      driver's values, which the caller formats.

    A seal whose transaction row is gone has no row here (inner join): the caller sees a count
    short of tx_count and asks `seal_transaction_ids` which one."""
    by_block: dict[int, list[tuple]] = defaultdict(list)
    qs = Seal.objects.filter(block__index__range=(first_index, last_index)).order_by("block_id", "position")
    for chunk in _chunks(qs, SEALED_FIELDS):
        for row in chunk:
            by_block[row[0]].append(row)
    entries: dict[Any, list[str]] = defaultdict(list)
    unreadable: set[Any] = set()
    sealed_ids = Seal.objects.filter(block__index__range=(first_index, last_index)).values("transaction_id")
    quote, as_text = _quote_json, text_casts()
    for chunk in _chunks(entries_of_transactions(ids=sealed_ids), _ENTRY_FIELDS):
        for tx_id, account, amount, balance_after, created_at in chunk:
            try:  # entry_json, inlined: amounts are plain ASCII and never null here
                moment = moment_text(created_at)
                if not as_text:  # SQLite's numbers, formatted inline (a call per value costs ~5%)
                    amount, balance_after = f"{amount:.2f}", f"{balance_after:.2f}"
                entries[tx_id].append(
                    f'{{"account":{"null" if account is None else quote(account)},"amount":"{amount}",'
                    f'"balance_after":"{balance_after}","created_at":{"null" if moment is None else quote(moment)}}}'
                )
            except (ValueError, TypeError):
                unreadable.add(tx_id)
    return by_block, {tx_id: ",".join(parts) for tx_id, parts in entries.items()}, unreadable, as_text


def seal_transaction_ids(*, block_id: int) -> list[tuple[int, Any, bool]]:
    """(position, transaction db_key, transaction exists) of a block's seals: the slow path
    that names a transaction whose row was deleted."""
    rows = list(Seal.objects.filter(block_id=block_id).order_by("position").values_list("position", "transaction_id"))
    existing = transaction_ids_existing(ids=[tx for _p, tx in rows])
    return [(position, db_key(tx), tx in existing) for position, tx in rows]
