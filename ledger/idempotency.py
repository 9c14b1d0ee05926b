"""Idempotency-Key handling for every money-moving POST.

    response = idempotent_call(request, scope="payments.send", execute=lambda record: ...)

- no header: `execute(None)` runs as usual (the API stays easy to try by hand);
- first use of (user, key): the key row, everything `execute(record)` writes and the stored
  answer (status and body, business refusals included) commit in ONE database transaction;
- same key, same body: the stored response is replayed (header `Idempotent-Replayed: true`);
- same key, different body: 409 `idempotency_conflict`;
- same key while the first is still running: the second's INSERT waits for the first's commit
  (PostgreSQL's unique index; SQLite's single writer) and then replays its answer.

`gate`, when given, runs first in that same transaction: the UPI PIN check
(`accounts.pin.pin_check_in_payment`), so a payment with its PIN, key, money, notifications and
stored answer is one commit. A refusal the gate returns (a counted wrong PIN) is raised after
its transaction commits with nothing else in it: the count is kept, the key is not claimed.

Exactly-once follows from the single transaction: there is no committed key without its
answer, and no money without its key. The service also links the record to the transaction it
creates (`transfer_create(idempotency=record)`) and refuses a record that already has one.
Rows written by earlier releases, which committed the claim first, may still be found
unanswered: a linked one is answered at once from its transaction (`replay`) and completed, an
unlinked one is taken over once stale (no money moved: the retry runs it), and a fresh unlinked
one is waited for, then gets 409 `request_in_progress`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from ledger.exceptions import (
    AlreadyExecuted,
    IdempotencyConflict,
    InvalidIdempotencyKey,
    RequestInProgress,
)
from ledger.models import IdempotencyKey
from securebank import sql
from securebank.errors import DomainError

HEADER = "Idempotency-Key"
WAIT_SECONDS = 5.0
# A claim with no linked transaction that is older than this belongs to a request that died
# before moving money: a retry may take it over.
STALE_CLAIM = timedelta(seconds=60)

Executed = tuple[int, dict[str, Any]]
# Runs first in the call's transaction; raises a refusal that wrote nothing, or returns one that
# must be committed (and then raised), or None to go on.
Gate = Callable[[], DomainError | None]


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(33 <= ord(ch) <= 126 for ch in key)


# Secrets a body may carry that must never be stored, even hashed: the UPI PIN (a SHA-256 of a
# body that differs only in a 4-digit PIN would give the PIN away). A retry with another PIN is
# the same request; the PIN is checked before this, on every call.
_NOT_FINGERPRINTED = frozenset({"pin"})


def fingerprint(request: Request, scope: str) -> str:
    data = request.data
    if isinstance(data, dict):
        data = {k: v for k, v in data.items() if k not in _NOT_FINGERPRINTED}
    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{scope}\n{request.method}\n{body}".encode()).hexdigest()


def _replayed(record: IdempotencyKey) -> Response:
    response = Response(record.response_body, status=record.response_status)
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent_call(
    request: Request,
    *,
    scope: str,
    execute: Callable[[IdempotencyKey | None], Executed],
    replay: Callable[[Any], Executed] | None = None,
    gate: Gate | None = None,
) -> Response:
    """Run `execute` at most once per (user, Idempotency-Key). See the module docstring."""
    key = request.headers.get(HEADER)
    if key is None:
        return _unkeyed(execute, replay, gate)
    if not _valid_key(key):
        raise InvalidIdempotencyKey()

    digest = fingerprint(request, scope)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        with transaction.atomic(durable=True):
            refused = gate() if gate is not None else None
            gate = None  # once: another turn of this loop waits for a concurrent claim, not for the PIN
            if refused is None:
                record = _insert(user=request.user, key=key, scope=scope, digest=digest)
                if record is not None:
                    return _answer(record, execute, replay)
        if refused is not None:
            raise refused
        found = _found(user=request.user, key=key, digest=digest, replay=replay)
        if isinstance(found, Response):
            return found
        if found is not None:  # an earlier release's claim that died before moving money
            with transaction.atomic(durable=True):
                return _answer(found, execute, replay)
        if time.monotonic() >= deadline:
            raise RequestInProgress()
        time.sleep(0.05)


def _unkeyed(execute: Callable[[IdempotencyKey | None], Executed], replay: Any, gate: Gate | None) -> Response:
    """No key: `execute` as usual, in one transaction with the gate when there is one. A
    business refusal is raised after the commit, as it would be without the gate: what the
    services committed before refusing (a declined payment, an expiry) is kept, and their
    own atomic blocks (savepoints here) have rolled back the rest."""
    if gate is None:
        status, body = _run(execute, None, replay)
        return Response(body, status=status)
    with transaction.atomic(durable=True):
        refused = gate()
        if refused is None:
            try:
                status, body = _run(execute, None, replay)
            except DomainError as exc:
                refused = exc
    if refused is not None:
        raise refused
    return Response(body, status=status)


def _answer(record: IdempotencyKey, execute: Callable[[IdempotencyKey | None], Executed], replay: Any) -> Response:
    """Execute and store the answer; the caller's transaction holds the key row."""
    status, body = _run(execute, record, replay)
    _store_answer(record.pk, status, body)
    return Response(body, status=status)


def _store_answer(pk: int, status: int, body: Any) -> None:
    sql.execute(
        sql.model_sql(IdempotencyKey, _ANSWER_SQL),
        [
            str(IdempotencyKey.State.COMPLETED), status, sql.prep(IdempotencyKey, "response_body", body),
            connection.ops.adapt_datetimefield_value(timezone.now()), pk,
        ],
    )


def _run(execute: Callable[[IdempotencyKey | None], Executed], record: IdempotencyKey | None, replay: Any) -> Executed:
    try:
        return execute(record)
    except AlreadyExecuted as done:
        if replay is None:
            raise RequestInProgress() from done
        return replay(done.transaction_id)
    except DomainError as exc:
        # Business refusals are deterministic answers to this request: store and replay them.
        # The service's own atomic block has already rolled its writes back.
        if record is None:
            raise
        return exc.status_code, exc.as_body()


_ANSWER_SQL = "UPDATE {table} SET {state} = %s, {response_status} = %s, {response_body} = %s, {updated_at} = %s WHERE {id} = %s"

# INSERT ... ON CONFLICT DO NOTHING (PostgreSQL, SQLite >= 3.35): a taken key returns no row
# instead of raising, so the claim needs no savepoint inside the transaction it shares with the
# money. On PostgreSQL a concurrent, uncommitted claim of the same key makes this wait for its
# commit, so a duplicate request replays the first one's answer instead of racing it.
_INSERT_SQL = (
    "INSERT INTO {table} ({user}, {key}, {scope}, {fingerprint}, {state}, {created_at}, {updated_at}) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT ({user}, {key}) DO NOTHING RETURNING {id}"
)


def _insert(*, user: Any, key: str, scope: str, digest: str) -> IdempotencyKey | None:
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


def _found(*, user: Any, key: str, digest: str, replay: Any) -> IdempotencyKey | Response | None:
    """The key is taken: its stored answer, 409 for another body, a dead claim of an earlier
    release taken over (an IdempotencyKey), or None to try again (purged, or still running)."""
    existing = IdempotencyKey.objects.filter(user=user, key=key).first()
    if existing is None:  # purged since our insert: try again
        return None
    if existing.fingerprint != digest:
        raise IdempotencyConflict()
    if existing.state == IdempotencyKey.State.COMPLETED:
        return _replayed(existing)
    # Unanswered rows exist only from releases that committed the claim before the money. A
    # linked one moved its money in a committed transaction, so it is answered from that
    # transaction at once; only the stored answer was missing (or is still being written).
    if existing.transaction_id is not None and replay is not None:
        status, body = replay(existing.transaction_id)
        _store_answer(existing.pk, status, body)
        response = Response(body, status=status)
        response["Idempotent-Replayed"] = "true"
        return response
    if existing.transaction_id is None and _is_stale(existing):
        taken = IdempotencyKey.objects.filter(pk=existing.pk, updated_at=existing.updated_at).update(
            updated_at=timezone.now()
        )
        if taken:
            existing.refresh_from_db()
            return existing
    return None


def _is_stale(record: IdempotencyKey) -> bool:
    return timezone.now() - record.updated_at > STALE_CLAIM


def idempotency_keys_purge(*, older_than: timedelta | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h). Returns how many."""
    age = older_than or timedelta(hours=max(settings.IDEMPOTENCY_KEY_TTL_HOURS, 24))
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
