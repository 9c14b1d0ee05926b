"""Idempotency-Key handling for every money-moving POST.

    response = idempotent_call(request, scope="payments.send", execute=lambda record: ...)

- no header: `execute(None)` runs as usual (the API stays easy to try by hand);
- first use of (user, key): a claim row is committed, `execute(record)` runs, and its status and
  body (errors included) are stored and returned;
- same key, same body: the stored response is replayed (header `Idempotent-Replayed: true`);
- same key, different body: 409 `idempotency_conflict`;
- same key while the first is still running: wait up to IDEMPOTENCY_WAIT_SECONDS, then replay
  or 409 `request_in_progress`.

Exactly-once: the service links the record to the transaction it creates inside the same
database transaction (`transfer_create(idempotency=record)`), and refuses a record that already
has one. So even a crash between the money commit and storing the response cannot make a retry
pay twice: the retry finds the link and replays via `replay(transaction_id)`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
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
from securebank.errors import DomainError

HEADER = "Idempotency-Key"
WAIT_SECONDS = 5.0
# A claim with no linked transaction that is older than this belongs to a request that died
# before moving money: a retry may take it over.
STALE_CLAIM = timedelta(seconds=60)

Executed = tuple[int, dict[str, Any]]


def _valid_key(key: str) -> bool:
    return 1 <= len(key) <= 255 and all(33 <= ord(ch) <= 126 for ch in key)


def fingerprint(request: Request, scope: str) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, separators=(",", ":"))
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
) -> Response:
    """Run `execute` at most once per (user, Idempotency-Key). See the module docstring."""
    key = request.headers.get(HEADER)
    if key is None:
        status, body = _run(execute, None, replay)
        return Response(body, status=status)
    if not _valid_key(key):
        raise InvalidIdempotencyKey()

    digest = fingerprint(request, scope)
    record = _claim(user=request.user, key=key, scope=scope, digest=digest, replay=replay)
    if isinstance(record, Response):
        return record
    try:
        status, body = _run(execute, record, replay)
    except Exception:
        # Nothing was committed by `execute` (it raised): free the key for a retry.
        IdempotencyKey.objects.filter(pk=record.pk, transaction__isnull=True).delete()
        raise
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyKey.State.COMPLETED, response_status=status, response_body=body, updated_at=timezone.now()
    )
    return Response(body, status=status)


def _run(execute: Callable[[IdempotencyKey | None], Executed], record: IdempotencyKey | None, replay: Any) -> Executed:
    try:
        return execute(record)
    except AlreadyExecuted as done:
        if replay is None:
            raise RequestInProgress() from done
        return replay(done.transaction_id)
    except DomainError as exc:
        # Business refusals are deterministic answers to this request: store and replay them.
        if record is None:
            raise
        return exc.status_code, exc.as_body()


def _claim(*, user: Any, key: str, scope: str, digest: str, replay: Any) -> IdempotencyKey | Response:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, scope=scope, fingerprint=digest)
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # purged between our insert and read: try again
            continue
        if existing.fingerprint != digest:
            raise IdempotencyConflict()
        if existing.state == IdempotencyKey.State.COMPLETED:
            return _replayed(existing)
        if existing.transaction_id is not None and replay is not None and _is_stale(existing):
            status, body = replay(existing.transaction_id)
            IdempotencyKey.objects.filter(pk=existing.pk).update(
                state=IdempotencyKey.State.COMPLETED, response_status=status, response_body=body
            )
            return Response(body, status=status)
        if existing.transaction_id is None and _is_stale(existing):
            # The first request died before moving money; take the claim over.
            taken = IdempotencyKey.objects.filter(pk=existing.pk, updated_at=existing.updated_at).update(
                updated_at=timezone.now()
            )
            if taken:
                existing.refresh_from_db()
                return existing
        if time.monotonic() >= deadline:
            raise RequestInProgress()
        time.sleep(0.05)


def _is_stale(record: IdempotencyKey) -> bool:
    return timezone.now() - record.updated_at > STALE_CLAIM


def idempotency_keys_purge(*, older_than: timedelta | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL_HOURS (at least 24 h). Returns how many."""
    age = older_than or timedelta(hours=max(settings.IDEMPOTENCY_KEY_TTL_HOURS, 24))
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - age).delete()
    return deleted
