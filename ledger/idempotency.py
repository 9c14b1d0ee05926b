"""The durable half of idempotency for every money-moving POST (the HTTP half, header and
replay, is `securebank.idempotency_http`, which calls `idempotent_execute` through
settings.IDEMPOTENCY_STORE):

- first use of (user, key): the gate (the UPI PIN check), the key row, everything
  `execute(record)` writes and the stored answer (status and body, business refusals included)
  commit in ONE database transaction; a refusal the gate returns (a counted wrong PIN) is
  raised after its transaction commits with nothing else in it, the key left unclaimed;
- same key, same body: the stored answer, marked replayed;
- same key, different body: 409 `idempotency_conflict`;
- same key while the first is still running: the second's INSERT waits for the first's commit
  (PostgreSQL's unique index; SQLite's single writer) and then replays its answer.

Exactly-once follows from the single transaction: there is no committed key without its
answer, and no money without its key. The service also links the record to the transaction it
creates (`transfer_create(idempotency=record)`) and refuses a record that already has one.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ledger.exceptions import IdempotencyConflict, RequestInProgress
from ledger.models import IdempotencyKey, Transaction
from securebank import sql
from securebank.errors import DomainError
from securebank.idempotency_http import Answer, Execute, Gate

if TYPE_CHECKING:
    from accounts.models import User

# A key purged between our INSERT finding it taken and our SELECT (older than the TTL, so only
# in a test or a clock jump) is claimed again; a few tries are plenty.
ATTEMPTS = 3


def idempotent_execute(
    *, user: User, key: str, scope: str, fingerprint: str, execute: Execute, gate: Gate | None = None
) -> Answer:
    """Run `execute` at most once per (user, key) and return its answer. See the module docstring."""
    for _ in range(ATTEMPTS):
        with transaction.atomic(durable=True):
            refused = gate() if gate is not None else None
            gate = None  # once: another turn of this loop is for a purged key, not for the PIN
            if refused is None:
                record = _insert(user=user, key=key, scope=scope, digest=fingerprint)
                if record is not None:
                    status, body = _run(execute, record)
                    _store_answer(record, status, body)
                    return Answer(status, body, replayed=False)
        if refused is not None:  # committed alone (the counted wrong PIN), the key not claimed
            raise refused
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # purged since our insert: claim it again
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyConflict()
        return Answer(existing.response_status, existing.response_body, replayed=True)
    raise RequestInProgress()


def _store_answer(record: IdempotencyKey, status: int, body: Any) -> None:
    """The answer, and the link to the transaction the call made (`transfer_create` sets
    `record.transaction_id`), in one UPDATE. The link goes through a lookup of that transaction:
    a savepoint that rolled it back (a QR or money request refusing after paying) leaves no
    row, so nothing dangles."""
    sql.execute(
        _answer_sql(connection.vendor),
        [
            str(IdempotencyKey.State.COMPLETED), status, sql.prep(IdempotencyKey, "response_body", body),
            connection.ops.adapt_datetimefield_value(timezone.now()),
            sql.prep(IdempotencyKey, "transaction", record.transaction_id), record.pk,
        ],
    )


def _run(execute: Execute, record: IdempotencyKey) -> tuple[int, dict[str, Any]]:
    try:
        return execute(record)
    except DomainError as exc:
        # Business refusals are deterministic answers to this request: store and replay them.
        # A service refuses before it writes, or inside an atomic block of its own that has
        # rolled its writes back (a posting that fails after writing dooms this transaction).
        return exc.status_code, exc.as_body()


_ANSWER_SQL = (
    "UPDATE {table} SET {state} = %s, {response_status} = %s, {response_body} = %s, {updated_at} = %s, "
    "{transaction} = (SELECT {transaction_id} FROM {transactions} WHERE {transaction_id} = %s) WHERE {id} = %s"
)


@lru_cache(maxsize=4)
def _answer_sql(vendor: str) -> str:
    quote = connection.ops.quote_name
    return sql.model_sql(
        IdempotencyKey,
        _ANSWER_SQL.replace("{transactions}", quote(Transaction._meta.db_table))
        .replace("{transaction_id}", quote(Transaction._meta.pk.column)),
    )

# INSERT ... ON CONFLICT DO NOTHING (PostgreSQL, SQLite >= 3.35): a taken key returns no row
# instead of raising, so the claim needs no savepoint inside the transaction it shares with the
# money. On PostgreSQL a concurrent, uncommitted claim of the same key makes this wait for its
# commit, so a duplicate request replays the first one's answer instead of racing it.
_INSERT_SQL = (
    "INSERT INTO {table} ({user}, {key}, {scope}, {fingerprint}, {state}, {created_at}, {updated_at}) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT ({user}, {key}) DO NOTHING RETURNING {id}"
)


def _insert(*, user: User, key: str, scope: str, digest: str) -> IdempotencyKey | None:
    """Claim (user, key) inside the caller's transaction; None when the key exists."""
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    state = IdempotencyKey.State.IN_PROGRESS
    row = sql.fetch_one(sql.model_sql(IdempotencyKey, _INSERT_SQL), [user.pk, key, scope, digest, str(state), stamp, stamp])
    if row is None:
        return None
    return IdempotencyKey(
        pk=row[0], user=user, key=key, scope=scope, fingerprint=digest, state=state, created_at=now, updated_at=now
    )


def idempotency_keys_purge(*, older_than: timedelta | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h). Returns how many."""
    age = older_than or timedelta(hours=max(settings.IDEMPOTENCY_KEY_TTL_HOURS, 24))
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
